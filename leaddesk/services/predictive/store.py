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
        with self.path.with_suffix(".pickle").open("rb") as handle:
            return pickle.load(handle)


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
