"""Model versions in the conversion_models table, so a whole team on one server scores with the same model."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from leaddesk.models import ConversionModelVersion
from leaddesk.services.database import Database
from leaddesk.services.predictive.model import ConversionModel
from leaddesk.services.predictive.serialization import model_to_bytes
from leaddesk.services.predictive.store import MODEL_FORMAT, ModelFileError, StoredModel, listed_versions

logger = logging.getLogger(__name__)

_TABLE = ConversionModelVersion.__tablename__


class TableModelStore:
    """A ModelStore over the conversion_models table; rows are read without their bytes until load()."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # A Database built from a session's engine has no address, so the engine URL names the server.
        self._url = database.engine.url.render_as_string(hide_password=True)
        self.location = f"table {_TABLE} of {database.location if database.address is not None else self._url}"

    @property
    def cache_key(self) -> Hashable:
        return ("table", self._url)

    def _lock(self, session: Session) -> None:
        # Two teammates training at once would otherwise pick the same next version or both
        # leave their model active. SQLite serializes writers by itself.
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"LOCK TABLE {_TABLE} IN SHARE ROW EXCLUSIVE MODE"))

    def save(self, model: ConversionModel, metadata: dict[str, Any], activate: bool) -> StoredModel:
        data = model_to_bytes(model)
        with self.database.session() as session:
            self._lock(session)
            version = (session.scalar(select(func.max(ConversionModelVersion.version))) or 0) + 1
            metadata = {**metadata, "format": MODEL_FORMAT, "version": version}
            if activate:
                session.execute(update(ConversionModelVersion).values(active=False))
            session.add(ConversionModelVersion(
                version=version,
                trained_at=datetime.fromisoformat(metadata["trained_at"]),
                details=metadata,
                model=data,
                active=activate,
            ))
        logger.info("saved conversion model version %d in %s (active: %s)", version, self.location, activate)
        return self._record(version, metadata)

    def _record(self, version: int, metadata: dict[str, Any]) -> StoredModel:
        return StoredModel(
            version, metadata["trained_at"], metadata, f"version {version} in {self.location}",
            lambda: self._model_bytes(version), self.versions,
        )

    def _model_bytes(self, version: int) -> bytes:
        with self.database.session() as session:
            data = session.scalar(select(ConversionModelVersion.model).where(ConversionModelVersion.version == version))
        if data is None:
            raise FileNotFoundError(f"version {version} is no longer in {self.location}")
        return bytes(data)

    def _checked(self, version: int, metadata: Any) -> StoredModel | None:
        if not isinstance(metadata, dict) or metadata.get("format") != MODEL_FORMAT or "trained_at" not in metadata:
            found = metadata.get("format") if isinstance(metadata, dict) else type(metadata).__name__
            logger.warning("model version %d in %s has format %s, not %s; it is ignored", version, self.location, found, MODEL_FORMAT)
            return None
        return self._record(version, metadata)

    def load(self, version: int) -> StoredModel | None:
        with self.database.session() as session:
            metadata = session.scalar(select(ConversionModelVersion.details).where(ConversionModelVersion.version == version))
        return None if metadata is None else self._checked(version, metadata)

    def newest(self) -> StoredModel | None:
        return self._first(select(ConversionModelVersion.version, ConversionModelVersion.details))

    def active(self) -> StoredModel | None:
        return self._first(
            select(ConversionModelVersion.version, ConversionModelVersion.details).where(ConversionModelVersion.active)
        )

    def _first(self, query) -> StoredModel | None:
        with self.database.session() as session:
            row = session.execute(query.order_by(ConversionModelVersion.version.desc()).limit(1)).first()
        return None if row is None else self._checked(row.version, row.details)

    def versions(self) -> list[int]:
        with self.database.session() as session:
            return list(session.scalars(select(ConversionModelVersion.version).order_by(ConversionModelVersion.version)))

    def activate(self, version: int) -> tuple[StoredModel, StoredModel | None]:
        stored = self.load(version)
        if stored is None:
            raise ModelFileError(
                f"model version {version} not found in {self.location}; stored versions: {listed_versions(self.versions())}"
            )
        stored.load()
        previous = self.active()
        with self.database.session() as session:
            self._lock(session)
            session.execute(update(ConversionModelVersion).values(active=ConversionModelVersion.version == version))
        logger.info("activated conversion model version %d in %s (replaced: %s)",
                    version, self.location, previous.version if previous else "none")
        return stored, previous

    def active_problem(self) -> str | None:
        active = self.active()
        with self.database.session() as session:
            flagged = session.scalar(select(func.count()).select_from(ConversionModelVersion).where(ConversionModelVersion.active))
        if not flagged or active is not None:
            return None
        problem = f"the active model in {self.location} has an unknown format or invalid metadata"
        logger.error("%s; stored versions: %s", problem, listed_versions(self.versions()))
        return (
            f"{problem}. Stored versions: {listed_versions(self.versions())}. "
            "Run `leaddesk score activate VERSION` with one of them, or `leaddesk score train`."
        )
