"""Versioned conversion models behind one interface: files next to an SQLite database, or a table on a server.

Every trained model is kept under a new version number, and one version is active: the one
the app scores with. It changes only when a new model validates at least as well, or when
the user activates another version. model_store() picks the store for a database, so callers
never branch on the backend. Model bytes are in the skops format in both stores and are
loaded through serialization.model_from_bytes, never unpickled.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from leaddesk.services.database import Database
from leaddesk.services.predictive.model import ConversionModel
from leaddesk.services.predictive.serialization import UntrustedModelError, model_from_bytes, model_to_bytes

logger = logging.getLogger(__name__)

# Bumped when the stored layout changes; versions of another format are ignored with a log line.
# Format 1 kept pickled model files, which LeadDesk no longer loads.
MODEL_FORMAT = 2

_VERSION_FILE = re.compile(r"^model-v(\d+)\.json$")


class ModelFileError(ValueError):
    """A stored model or the active-model pointer is missing, unreadable, untrusted or names a missing version."""


@dataclass
class StoredModel:
    """The metadata of one stored model version; load() reads the fitted model itself."""

    version: int
    trained_at: str
    metadata: dict[str, Any]
    # The model's location for messages: a file path or a table on a server.
    source: str
    read_bytes: Callable[[], bytes]
    # Versions in the same store, for the hint in load()'s error message.
    list_versions: Callable[[], list[int]]

    @property
    def validation(self) -> dict[str, Any]:
        return self.metadata["validation"]

    def load(self) -> ConversionModel:
        """Read the fitted model; raises ModelFileError naming the source when it is missing, corrupt or untrusted."""
        try:
            data = self.read_bytes()
        except OSError as error:
            logger.error("model %s cannot be read: %r", self.source, error)
            raise ModelFileError(
                f"model {self.source} is missing or unreadable ({error.strerror or error}); {self._next_step()}"
            ) from None
        try:
            return model_from_bytes(data, f"model {self.source}")
        except UntrustedModelError as error:
            next_step = self._next_step()
            raise ModelFileError(f"{error}. {next_step[:1].upper()}{next_step[1:]}") from None

    def _next_step(self) -> str:
        return (
            "train a new model with `leaddesk score train --force`, or activate another stored version with "
            f"`leaddesk score activate VERSION` (stored: {listed_versions(self.list_versions())})"
        )


def listed_versions(versions: list[int]) -> str:
    return ", ".join(str(version) for version in versions) or "none"


class ModelStore(Protocol):
    """The storage of one database's model versions: a folder of files or a table."""

    # The storage location for messages and logs.
    location: str

    @property
    def cache_key(self) -> Hashable:
        """A key that is the same for every store object of the same database, for caching loaded models."""

    def save(self, model: ConversionModel, metadata: dict[str, Any], activate: bool) -> StoredModel:
        """Store the model as the next version, and make it active when activate is set."""

    def load(self, version: int) -> StoredModel | None:
        """Return a version's record, or None when it is not stored, unreadable or of another format."""

    def newest(self) -> StoredModel | None:
        """Return the most recently trained model, active or not, or None when none was saved."""

    def active(self) -> StoredModel | None:
        """Return the active model's record, or None when no model was ever activated."""

    def versions(self) -> list[int]:
        """Return the stored version numbers in ascending order."""

    def activate(self, version: int) -> tuple[StoredModel, StoredModel | None]:
        """Make a stored version active after loading it; return it and the model it replaced.

        Raises ModelFileError when the version is not stored or cannot be loaded.
        """

    def active_problem(self) -> str | None:
        """Return why no stored model is active although versions are stored, or None when that is not the case."""


def model_store(database: Database) -> ModelStore:
    """Return the file store next to an SQLite file, or the table store of a server or in-memory database.

    NOTE: `leaddesk migrate-to` copies the table but not the files, so a model trained on an
    SQLite file does not move to a server, and rows copied into a file are not read. Retrain after moving.
    """
    if database.path is not None:
        return FileModelStore(models_folder(database.path))
    from leaddesk.services.predictive.table_store import TableModelStore

    return TableModelStore(database)


def models_folder(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".models")


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class FileModelStore:
    """Model versions as DB.models/model-vN.skops with model-vN.json, and active.json naming the active version."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    @property
    def cache_key(self) -> Hashable:
        return ("file", self.folder.resolve())

    def save(self, model: ConversionModel, metadata: dict[str, Any], activate: bool) -> StoredModel:
        self.folder.mkdir(parents=True, exist_ok=True)
        version = max(self.versions(), default=0) + 1
        base = self.folder / f"model-v{version}"
        metadata = {**metadata, "format": MODEL_FORMAT, "version": version}
        _write_atomically(base.with_suffix(".skops"), model_to_bytes(model))
        _write_atomically(base.with_suffix(".json"), json.dumps(metadata, indent=2).encode("utf-8"))
        if activate:
            self._point_to(version)
        logger.info("saved conversion model version %d in %s (active: %s)", version, self.folder, activate)
        return self._record(version, metadata)

    def _record(self, version: int, metadata: dict[str, Any]) -> StoredModel:
        path = self.folder / f"model-v{version}.skops"
        return StoredModel(version, metadata["trained_at"], metadata, f"file {path}", path.read_bytes, self.versions)

    def _point_to(self, version: int) -> None:
        _write_atomically(self.folder / "active.json", json.dumps({"version": version}).encode("utf-8"))

    def load(self, version: int) -> StoredModel | None:
        path = self.folder / f"model-v{version}.json"
        try:
            metadata = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.error("model file %s cannot be read (%s); it is ignored", path, error)
            return None
        if metadata.get("format") != MODEL_FORMAT:
            logger.warning("model file %s has format %s, not %s; it is ignored, so train a new model",
                           path, metadata.get("format"), MODEL_FORMAT)
            return None
        return self._record(version, metadata)

    def newest(self) -> StoredModel | None:
        versions = self.versions()
        return self.load(versions[-1]) if versions else None

    def active(self) -> StoredModel | None:
        pointer = self.folder / "active.json"
        try:
            version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.error("%s cannot be read (%s); no conversion model is active", pointer, error)
            return None
        return self.load(version)

    def versions(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        return sorted(int(match.group(1)) for name in os.listdir(self.folder) if (match := _VERSION_FILE.match(name)))

    def activate(self, version: int) -> tuple[StoredModel, StoredModel | None]:
        stored = self.load(version)
        if stored is None:
            raise ModelFileError(
                f"model version {version} not found in {self.folder}; stored versions: {listed_versions(self.versions())}"
            )
        stored.load()
        previous = self.active()
        self._point_to(version)
        logger.info("activated conversion model version %d (replaced: %s)", version, previous.version if previous else "none")
        return stored, previous

    def active_problem(self) -> str | None:
        versions = self.versions()
        if not versions:
            return None
        pointer = self.folder / "active.json"
        try:
            version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
        except FileNotFoundError:
            problem = f"the active-model pointer {pointer} is missing"
        except (OSError, ValueError, KeyError, TypeError) as error:
            problem = f"the active-model pointer {pointer} is invalid ({error})"
        else:
            if self.load(version) is not None:
                return None
            problem = f"the active-model pointer {pointer} names version {version}, which is not stored or unreadable"
        logger.error("%s; stored versions: %s", problem, listed_versions(versions))
        return (
            f"{problem}. Stored versions: {listed_versions(versions)}. "
            f"Run `leaddesk score activate VERSION` with one of them, or `leaddesk score train`."
        )
