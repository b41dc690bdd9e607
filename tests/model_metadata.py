"""Rewriting a stored model version's metadata on either store, as a damaged or older version would look."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update

from leaddesk.models import ConversionModelVersion
from leaddesk.services.predictive.store import FileModelStore, model_store


def write_metadata(database, version: int, metadata: Any) -> None:
    """Replace the metadata of a stored version with any JSON value."""
    store = model_store(database)
    if isinstance(store, FileModelStore):
        (store.folder / f"model-v{version}.json").write_text(json.dumps(metadata), encoding="utf-8")
        return
    with database.session() as session:
        session.execute(
            update(ConversionModelVersion).where(ConversionModelVersion.version == version).values(details=metadata)
        )


def read_metadata(database, version: int) -> dict[str, Any]:
    """Return the stored metadata of a version as written, without validating it."""
    store = model_store(database)
    if isinstance(store, FileModelStore):
        return json.loads((store.folder / f"model-v{version}.json").read_text(encoding="utf-8"))
    with database.session() as session:
        return session.get(ConversionModelVersion, version).details
