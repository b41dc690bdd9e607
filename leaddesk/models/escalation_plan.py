"""A waiting lead's next escalation step time, kept so a check reads due leads by index."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime


class EscalationPlan(Base):
    """The instant of a lead's next escalation step and the inputs it was computed from.

    A row is current while its segment, received_at, response_due_at, steps_done and
    playbook_hash equal the lead's values, its escalation_steps_done and the active
    playbook's ladder fingerprint. Any difference makes escalation_schedule recompute it.
    """

    __tablename__ = "escalation_plans"

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    segment: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    steps_done: Mapped[int] = mapped_column(Integer)
    playbook_hash: Mapped[str] = mapped_column(String(64))
    # None when every step of the ladder has run.
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
