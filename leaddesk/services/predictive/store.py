"""Versioned model files next to the database: DB.models/model-vN.pickle with model-vN.json, and active.json.

Every trained model is kept under a new version number. active.json names the version the
app scores with, which changes only when a new model validates at least as well.
NOTE: pickle runs code from the file it loads, so only model files that LeadDesk wrote next
to the user's own database are loaded. A model file from elsewhere must never be copied in.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaddesk.services.predictive.model import ConversionModel

logger = logging.getLogger(__name__)

# Bumped when the stored layout changes; files of another format are ignored with a log line.
MODEL_FORMAT = 1

_VERSION_FILE = re.compile(r"^model-v(\d+)\.json$")


class ModelFileError(ValueError):
    """A stored model file or the active-model pointer is missing, unreadable or names a missing version."""


@dataclass
class StoredModel:
    version: int
    trained_at: str
    metadata: dict[str, Any]
    path: Path

    @property
    def validation(self) -> dict[str, Any]:
        return self.metadata["validation"]

    def load(self) -> ConversionModel:
        """Read the fitted model; raises ModelFileError naming the file when it is missing or corrupt."""
        path = self.path.with_suffix(".pickle")
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except Exception as error:  # unpickling a damaged file raises almost any exception type
            logger.error("model file %s cannot be read: %r", path, error)
            raise ModelFileError(
                f"model file {path} is missing or corrupt ({type(error).__name__}); train a new model with "
                f"`leaddesk score train --force`, or activate another stored version with `leaddesk score activate VERSION`"
                f" (stored: {_listed(_versions_in(self.path.parent))})"
            ) from None


def models_folder(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".models")


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def next_version(folder: Path) -> int:
    versions = [int(match.group(1)) for name in os.listdir(folder) if (match := _VERSION_FILE.match(name))] if folder.is_dir() else []
    return max(versions, default=0) + 1


def save_model(database_path: Path, model: ConversionModel, metadata: dict[str, Any], activate: bool) -> StoredModel:
    """Write the model as the next version, and make it active when activate is set."""
    folder = models_folder(database_path)
    folder.mkdir(parents=True, exist_ok=True)
    version = next_version(folder)
    base = folder / f"model-v{version}"
    metadata = {**metadata, "format": MODEL_FORMAT, "version": version}
    _write_atomically(base.with_suffix(".pickle"), pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    _write_atomically(base.with_suffix(".json"), json.dumps(metadata, indent=2).encode("utf-8"))
    if activate:
        _write_atomically(folder / "active.json", json.dumps({"version": version}).encode("utf-8"))
    logger.info("saved conversion model version %d in %s (active: %s)", version, folder, activate)
    return StoredModel(version, metadata["trained_at"], metadata, base.with_suffix(".json"))


def load_stored_model(database_path: Path, version: int) -> StoredModel | None:
    path = models_folder(database_path) / f"model-v{version}.json"
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.error("model file %s cannot be read (%s); it is ignored", path, error)
        return None
    if metadata.get("format") != MODEL_FORMAT:
        logger.warning("model file %s has format %s, not %s; it is ignored", path, metadata.get("format"), MODEL_FORMAT)
        return None
    return StoredModel(version, metadata["trained_at"], metadata, path)


def load_newest_model(database_path: Path) -> StoredModel | None:
    """Return the record of the most recently trained model, active or not, or None when none was saved."""
    version = next_version(models_folder(database_path)) - 1
    return load_stored_model(database_path, version) if version else None


def load_active_model(database_path: Path) -> StoredModel | None:
    """Return the active model's record, or None when no model was ever activated."""
    pointer = models_folder(database_path) / "active.json"
    try:
        version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.error("%s cannot be read (%s); no conversion model is active", pointer, error)
        return None
    return load_stored_model(database_path, version)


def stored_versions(database_path: Path) -> list[int]:
    """Return the version numbers that have a model-vN.json file, in ascending order."""
    return _versions_in(models_folder(database_path))


def _versions_in(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(match.group(1)) for name in os.listdir(folder) if (match := _VERSION_FILE.match(name)))


def _listed(versions: list[int]) -> str:
    return ", ".join(str(version) for version in versions) or "none"


def active_pointer_problem(database_path: Path) -> str | None:
    """Return why no stored model is active although versions are stored, or None when that is not the case."""
    versions = stored_versions(database_path)
    if not versions:
        return None
    pointer = models_folder(database_path) / "active.json"
    try:
        version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
    except FileNotFoundError:
        problem = f"the active-model pointer {pointer} is missing"
    except (OSError, ValueError, KeyError, TypeError) as error:
        problem = f"the active-model pointer {pointer} is invalid ({error})"
    else:
        if load_stored_model(database_path, version) is not None:
            return None
        problem = f"the active-model pointer {pointer} names version {version}, which is not stored or unreadable"
    logger.error("%s; stored versions: %s", problem, _listed(versions))
    return (
        f"{problem}. Stored versions: {_listed(versions)}. "
        f"Run `leaddesk score activate VERSION` with one of them, or `leaddesk score train`."
    )


def activate_version(database_path: Path, version: int) -> tuple[StoredModel, StoredModel | None]:
    """Make a stored version active; return it and the model it replaced (None when none was active).

    Raises ModelFileError when the version is not stored or its files cannot be read.
    """
    stored = load_stored_model(database_path, version)
    if stored is None:
        raise ModelFileError(
            f"model version {version} not found in {models_folder(database_path)}; "
            f"stored versions: {_listed(stored_versions(database_path))}"
        )
    stored.load()
    previous = load_active_model(database_path)
    _write_atomically(models_folder(database_path) / "active.json", json.dumps({"version": version}).encode("utf-8"))
    logger.info("activated conversion model version %d (replaced: %s)", version, previous.version if previous else "none")
    return stored, previous
