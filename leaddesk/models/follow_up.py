"""A reminder to act on a lead at a given local time, possibly repeating."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now

# "weekdays" repeats Monday to Friday. Monthly repeats are left out, because a 31st has no
# counterpart in most months and clamping it would drift the series.
RECURRENCES = ("daily", "weekdays", "weekly")


class FollowUp(Base):
    """A follow-up stored as wall time plus IANA timezone, so a daily 09:00 stays at 09:00 across DST.

    due_local and time_zone are the truth. due_at is the UTC instant they resolve to (or
    snoozed_until while a snooze is active), kept in step by leaddesk.services.follow_ups
    so that queries can sort and compare in SQL.
    """

    __tablename__ = "follow_ups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # "2026-03-29T09:00", or "2026-03-29" when all_day is set.
    due_local: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    # One of RECURRENCES, or None for a one-off follow-up.
    recurrence: Mapped[str | None] = mapped_column(String(20))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    # The sequence enrolment whose step created this follow-up; None for follow-ups planned by
    # hand and for step follow-ups created before the column existed.
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sequence_enrollments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    def __init__(self, **kwargs: Any) -> None:
        # A follow-up created from a bare UTC instant (older code, tests, merges) gets that
        # instant as its wall time in UTC, so the row is complete without a zone choice.
        due_at = kwargs.get("due_at")
        if due_at is not None and "due_local" not in kwargs:
            kwargs["due_local"] = due_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")
            kwargs.setdefault("time_zone", "UTC")
        super().__init__(**kwargs)
