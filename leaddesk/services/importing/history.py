"""The import history: every import batch with its counts, and finding a batch by its id or an id prefix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.services.driver_sql import stored_id_text
from leaddesk.models import ImportBatch
from leaddesk.services.database import Database

# The shortest id prefix that find_batch accepts, so that a stray digit cannot pick a batch.
MIN_PREFIX_DIGITS = 4


class BatchNotFoundError(LookupError):
    """No import batch, or more than one, has the given id or id prefix; the message names the case."""


@dataclass(frozen=True)
class ImportSummary:
    """One import batch as the history lists it. undone_at is None until the import is undone."""

    id: uuid.UUID
    file_name: str
    started_at: datetime
    finished_at: datetime | None
    imported_by: str | None
    historical: bool
    created: int
    updated: int
    skipped: int
    rejected: int
    on_match: str
    undone_at: datetime | None
    undone_by: str | None

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready plain data, with instants as ISO 8601 text."""
        return {
            "id": str(self.id),
            "file_name": self.file_name,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "imported_by": self.imported_by,
            "historical": self.historical,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "on_match": self.on_match,
            "undone_at": self.undone_at.isoformat() if self.undone_at else None,
            "undone_by": self.undone_by,
        }


def list_imports(database: Database, *, limit: int | None = None) -> list[ImportSummary]:
    """Return the finished import batches, newest first; limit None returns all."""
    query = (
        select(ImportBatch)
        .where(ImportBatch.finished_at.is_not(None))
        .order_by(ImportBatch.started_at.desc(), ImportBatch.id)
        .limit(limit)
    )
    with database.session() as session:
        return [summarize(batch) for batch in session.scalars(query)]


def summarize(batch: ImportBatch) -> ImportSummary:
    policy = batch.policy or {}
    return ImportSummary(
        id=batch.id,
        file_name=batch.file_name,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        imported_by=batch.imported_by,
        historical=batch.historical,
        created=batch.created_count,
        updated=batch.updated_count,
        skipped=batch.skipped_count,
        rejected=batch.rejected_count,
        on_match=policy.get("on_match", "update"),
        undone_at=batch.undone_at,
        undone_by=batch.undone_by,
    )


def find_batch(session: Session, reference: str | uuid.UUID) -> ImportBatch:
    """Return the batch whose id is reference, or starts with it (at least MIN_PREFIX_DIGITS hex digits).

    Raises BatchNotFoundError when no batch or several batches match.
    """
    if isinstance(reference, uuid.UUID):
        batch = session.get(ImportBatch, reference)
        if batch is None:
            raise BatchNotFoundError(f"no import batch has the id {reference}; list the imports with 'leaddesk imports'")
        return batch

    digits = reference.strip().replace("-", "").casefold()
    if len(digits) < MIN_PREFIX_DIGITS or any(char not in "0123456789abcdef" for char in digits):
        raise BatchNotFoundError(
            f"invalid batch id {reference!r}; give the id or its first {MIN_PREFIX_DIGITS} or more hex digits, "
            "as 'leaddesk imports' lists them"
        )
    # SQLite stores the Uuid type as 32 hex digits without hyphens.
    query = select(ImportBatch).where(stored_id_text(ImportBatch.id).startswith(digits)).limit(2)
    found = list(session.scalars(query))
    if not found:
        raise BatchNotFoundError(f"no import batch has an id starting with {reference!r}; list them with 'leaddesk imports'")
    if len(found) > 1:
        raise BatchNotFoundError(
            f"more than one import batch has an id starting with {reference!r}; give more digits of the id"
        )
    return found[0]


def batch_label(batch: ImportBatch) -> str:
    """Return "leads.csv of 2026-03-02 10:00 UTC (batch 0196f3a2)" for messages."""
    return f"{Path(batch.file_name).name} of {batch.started_at:%Y-%m-%d %H:%M} UTC (batch {str(batch.id)[:8]})"
