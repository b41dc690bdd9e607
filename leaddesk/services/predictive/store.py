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
from leaddesk.services.predictive.metadata import MODEL_FORMAT, metadata_problem, unreadable_message
from leaddesk.services.predictive.metrics import CHANCE_AUC
from leaddesk.services.predictive.model import ConversionModel
from leaddesk.services.predictive.serialization import UntrustedModelError, model_from_bytes, model_to_bytes

logger = logging.getLogger(__name__)

_VERSION_FILE = re.compile(r"^model-v(\d+)\.json$")


class ModelFileError(ValueError):
    """A stored model or the active-model pointer is missing, unreadable, untrusted or names a missing version."""


class UnvalidatedModelError(ModelFileError):
    """A stored version whose held-out AUC is no better than chance, which is never activated."""


def check_validated(stored: StoredModel) -> None:
    """Raise UnvalidatedModelError when the version's held-out AUC is at or below CHANCE_AUC."""
    auc = stored.validation["auc"]
    if auc > CHANCE_AUC:
        return
    raise UnvalidatedModelError(
        f"model version {stored.version} has a held-out AUC of {auc:.3f}, no better than chance (at most "
        f"{CHANCE_AUC}), so it is not activated and its probabilities are never shown. Activate a version with a "
        "higher AUC (`leaddesk score activate` lists them), or train with more closed leads or other fields"
    )


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

    def problem(self, version: int) -> str | None:
        """Return why a stored version is unreadable, naming it and the fix, or None when it is readable or not stored."""

    def active_raw(self) -> tuple[int, Any] | None:
        """Return the active version and its metadata as stored, unchecked (None when unparseable), or None when none is active."""

    def put(self, version: int, data: bytes, metadata: dict[str, Any], active: bool) -> None:
        """Store model bytes and metadata under a given version number, as a copy from another store."""

    def clear(self) -> int:
        """Delete every stored version and the active flag; return how many versions were deleted."""


def model_store(database: Database) -> ModelStore:
    """Return the file store next to an SQLite file, or the table store of a server or in-memory database.

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


def loaded_for_activation(store: ModelStore, version: int) -> StoredModel:
    """Return a stored version after checking that it validated and that its model loads.

    Raises ModelFileError when the version is not stored or cannot be loaded, and
    UnvalidatedModelError when its held-out AUC is no better than chance.
    """
    stored = store.load(version)
    if stored is None:
        raise ModelFileError(
            store.problem(version)
            or f"model version {version} not found in {store.location}; stored versions: {listed_versions(store.versions())}"
        )
    check_validated(stored)
    stored.load()
    return stored


class FileModelStore:
    """Model versions as DB.models/model-vN.skops with model-vN.json, and active.json naming the active version."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    @property
    def cache_key(self) -> Hashable:
        return ("file", self.folder.resolve())

    def save(self, model: ConversionModel, metadata: dict[str, Any], activate: bool) -> StoredModel:
        version = max(self.versions(), default=0) + 1
        metadata = {**metadata, "format": MODEL_FORMAT, "version": version}
        self.put(version, model_to_bytes(model), metadata, activate)
        logger.info("saved conversion model version %d in %s (active: %s)", version, self.folder, activate)
        return self._record(version, metadata)

    def _record(self, version: int, metadata: dict[str, Any]) -> StoredModel:
        path = self.folder / f"model-v{version}.skops"
        return StoredModel(version, metadata["trained_at"], metadata, f"file {path}", path.read_bytes, self.versions)

    def put(self, version: int, data: bytes, metadata: dict[str, Any], active: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        base = self.folder / f"model-v{version}"
        _write_atomically(base.with_suffix(".skops"), data)
        _write_atomically(base.with_suffix(".json"), json.dumps(metadata, indent=2).encode("utf-8"))
        if active:
            self._point_to(version)

    def clear(self) -> int:
        versions = self.versions()
        for version in versions:
            for suffix in (".skops", ".json"):
                (self.folder / f"model-v{version}{suffix}").unlink(missing_ok=True)
        (self.folder / "active.json").unlink(missing_ok=True)
        if versions:
            logger.info("deleted conversion model versions %s from %s", listed_versions(versions), self.folder)
        return len(versions)

    def _point_to(self, version: int) -> None:
        _write_atomically(self.folder / "active.json", json.dumps({"version": version}).encode("utf-8"))

    def _pointed_version(self) -> int:
        """Return the version active.json names; raises OSError, ValueError, KeyError or TypeError when it cannot."""
        return int(json.loads((self.folder / "active.json").read_text(encoding="utf-8"))["version"])

    def _read(self, version: int) -> tuple[bool, Any, str | None]:
        """Return (stored, metadata or None, problem or None) of a version's metadata file."""
        path = self.folder / f"model-v{version}.json"
        try:
            metadata = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False, None, None
        except (OSError, ValueError) as error:
            return True, None, f"{path.name} is not valid JSON ({error})"
        return True, metadata, metadata_problem(metadata)

    def load(self, version: int) -> StoredModel | None:
        stored, metadata, problem = self._read(version)
        if not stored:
            return None
        if problem is not None:
            logger.error("model version %d in %s is ignored: %s", version, self.folder, problem)
            return None
        return self._record(version, metadata)

    def problem(self, version: int) -> str | None:
        _stored, _metadata, problem = self._read(version)
        return unreadable_message(version, self.location, problem) if problem else None

    def active_raw(self) -> tuple[int, Any] | None:
        try:
            version = self._pointed_version()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        _stored, metadata, _problem = self._read(version)
        return version, metadata

    def newest(self) -> StoredModel | None:
        versions = self.versions()
        return self.load(versions[-1]) if versions else None

    def active(self) -> StoredModel | None:
        pointer = self.folder / "active.json"
        try:
            version = self._pointed_version()
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
        stored = loaded_for_activation(self, version)
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
            version = self._pointed_version()
        except FileNotFoundError:
            problem = f"the active-model pointer {pointer} is missing"
        except (OSError, ValueError, KeyError, TypeError) as error:
            problem = f"the active-model pointer {pointer} is invalid ({error})"
        else:
            if self.load(version) is not None:
                return None
            unreadable = self._read(version)[2]
            problem = (f"active model version {version} in {self.folder} is unreadable: {unreadable}" if unreadable
                       else f"the active-model pointer {pointer} names version {version}, which is not stored")
        logger.error("%s; stored versions: %s", problem, listed_versions(versions))
        return (
            f"{problem}. Stored versions: {listed_versions(versions)}. "
            f"Run `leaddesk score activate VERSION` with one of them, or `leaddesk score train`."
        )
