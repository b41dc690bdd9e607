"""Model versions in the conversion_models table, so a whole team on one server scores with the same model."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from leaddesk.models import ConversionModelVersion
from leaddesk.services.database import Database
from leaddesk.services.predictive.model import ConversionModel
from leaddesk.services.predictive.serialization import model_to_bytes
from leaddesk.services.predictive.metadata import MODEL_FORMAT, metadata_problem, unreadable_message
from leaddesk.services.predictive.store import StoredModel, listed_versions, loaded_for_activation

logger = logging.getLogger(__name__)

_TABLE = ConversionModelVersion.__tablename__


def _insert(session: Session, version: int, data: bytes, metadata: dict[str, Any], active: bool) -> None:
    """Add one model version row; an active row first clears the active flag of every other row."""
    if active:
        session.execute(update(ConversionModelVersion).values(active=False))
    session.add(ConversionModelVersion(
        version=version,
        trained_at=datetime.fromisoformat(metadata["trained_at"]),
        details=metadata,
        model=data,
        active=active,
    ))


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
            _insert(session, version, data, metadata, activate)
        logger.info("saved conversion model version %d in %s (active: %s)", version, self.location, activate)
        return self._record(version, metadata)

    def put(self, version: int, data: bytes, metadata: dict[str, Any], active: bool) -> None:
        with self.database.session() as session:
            self._lock(session)
            _insert(session, version, data, metadata, active)

    def clear(self) -> int:
        with self.database.session() as session:
            self._lock(session)
            deleted = session.execute(delete(ConversionModelVersion)).rowcount
        logger.info("deleted %d conversion model versions from %s", deleted, self.location)
        return deleted

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
        problem = metadata_problem(metadata)
        if problem is not None:
            logger.error("model version %d in %s is ignored: %s", version, self.location, problem)
            return None
        return self._record(version, metadata)

    def _details(self, version: int) -> tuple[bool, Any]:
        with self.database.session() as session:
            row = session.execute(
                select(ConversionModelVersion.details).where(ConversionModelVersion.version == version)
            ).first()
        return (False, None) if row is None else (True, row.details)

    def problem(self, version: int) -> str | None:
        stored, metadata = self._details(version)
        problem = metadata_problem(metadata) if stored else None
        return unreadable_message(version, self.location, problem) if problem else None

    def active_raw(self) -> tuple[int, Any] | None:
        with self.database.session() as session:
            row = session.execute(
                select(ConversionModelVersion.version, ConversionModelVersion.details)
                .where(ConversionModelVersion.active).order_by(ConversionModelVersion.version.desc()).limit(1)
            ).first()
        return None if row is None else (row.version, row.details)

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
        stored = loaded_for_activation(self, version)
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
        raw = self.active_raw()
        unreadable = metadata_problem(raw[1]) if raw else None
        problem = f"active model version {raw[0] if raw else '?'} in {self.location} is unreadable: {unreadable}"
        stored = listed_versions(self.versions())
        logger.error("%s; stored versions: %s", problem, stored)
        return (
            f"{problem}. Stored versions: {stored}. "
            "Run `leaddesk score activate VERSION` with one of them, or `leaddesk score train`."
        )
