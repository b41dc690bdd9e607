"""A reviewer's decision that two leads are not duplicates, remembered by the duplicate scan."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, utc_now


class DedupDecision(Base):
    """One pair of leads judged not to be duplicates. lead_low_id is the smaller id of the two."""

    __tablename__ = "dedup_decisions"

    lead_low_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    lead_high_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    decision: Mapped[str] = mapped_column(String(40), default="not_duplicate")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(200))
