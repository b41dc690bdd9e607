"""The list of recorded merges, newest first, with the ids that undo takes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, MergeOperation


@dataclass(frozen=True)
class MergeSummary:
    """One recorded merge: who merged which leads into which survivor, when, and whether it was undone."""

    operation_id: uuid.UUID
    created_at: datetime
    created_by: str | None
    preset: str
    survivor_id: uuid.UUID
    survivor_name: str
    merged_ids: tuple[uuid.UUID, ...]
    merged_names: tuple[str, ...]
    undone_at: datetime | None
    undone_by: str | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": str(self.operation_id),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "preset": self.preset,
            "survivor_id": str(self.survivor_id),
            "survivor_name": self.survivor_name,
            "merged_ids": [str(lead_id) for lead_id in self.merged_ids],
            "merged_names": list(self.merged_names),
            "undone_at": self.undone_at.isoformat() if self.undone_at else None,
            "undone_by": self.undone_by,
        }


def list_merges(session: Session, *, limit: int | None = None) -> list[MergeSummary]:
    """Return the recorded merges, newest first, undone ones included."""
    query = select(MergeOperation).order_by(MergeOperation.created_at.desc(), MergeOperation.id)
    if limit is not None:
        query = query.limit(limit)
    operations = list(session.scalars(query))

    lead_ids = {operation.survivor_id for operation in operations}
    lead_ids |= {uuid.UUID(text) for operation in operations for text in operation.merged_ids}
    names = {lead.id: lead.display_name for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))} if lead_ids else {}

    summaries = []
    for operation in operations:
        merged = tuple(uuid.UUID(text) for text in operation.merged_ids)
        summaries.append(
            MergeSummary(
                operation_id=operation.id,
                created_at=operation.created_at,
                created_by=operation.created_by,
                preset=operation.preset,
                survivor_id=operation.survivor_id,
                survivor_name=names.get(operation.survivor_id, str(operation.survivor_id)),
                merged_ids=merged,
                merged_names=tuple(names.get(lead_id, str(lead_id)) for lead_id in merged),
                undone_at=operation.undone_at,
                undone_by=operation.undone_by,
            )
        )
    return summaries
