"""A merge of duplicate leads into one, with what it needs to be undone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now


class MergeOperation(Base):
    """One merge: the survivor, the merged leads and a JSON snapshot of every row it touched.

    snapshot has "survivor" ({field: [before, after]} for each survivor field the merge
    changed), "merged" ({lead id: {field: before}}) and "moved" ({table: {row id: old lead
    id}}). Values are JSON: text, numbers, ISO 8601 instants and ids as text.
    """

    __tablename__ = "merge_operations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    merged_ids: Mapped[list[str]] = mapped_column(JSON)
    preset: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
