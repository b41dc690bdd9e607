"""A lead's place in a sequence (cadence) of outreach steps."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now

ENROLLMENT_STATUSES = ("active", "paused", "stopped", "finished")


class SequenceEnrollment(Base):
    """One lead in one sequence. step_index is the next step to run, counted from 0."""

    __tablename__ = "sequence_enrollments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    sequence_key: Mapped[str] = mapped_column(String(100))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    # One of ENROLLMENT_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="active")
    # When the next step becomes a follow-up; None unless the enrollment is active.
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Why the enrollment is paused, stopped or finished, for the timeline and the detail view.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    enrolled_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
