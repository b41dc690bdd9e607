"""A lead's playbook results: qualification, score parts, score override and escalation progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaddesk.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from leaddesk.models.lead import Lead


class LeadEvaluation(Base):
    __tablename__ = "lead_evaluations"

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    # "sql", "mql" or None, and the reasons tree of every qualification rule (Outcome.to_json).
    qualification: Mapped[str | None] = mapped_column(String(10), index=True)
    qualification_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fit_points: Mapped[int] = mapped_column(Integer, default=0)
    engagement_points: Mapped[int] = mapped_column(Integer, default=0)
    # fit + engagement, or score_override while one is set; grade follows the same total.
    score_total: Mapped[int] = mapped_column(Integer, default=0, index=True)
    grade: Mapped[str] = mapped_column(String(1), default="D")
    score_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score_override: Mapped[int | None] = mapped_column(Integer)
    score_override_reason: Mapped[str | None] = mapped_column(Text)
    # Escalation steps of the lead's segment already run, in ladder order.
    escalation_steps_done: Mapped[int] = mapped_column(Integer, default=0)
    # Time from arrival to first contact, set when the lead is first contacted.
    speed_to_lead_seconds: Mapped[int | None] = mapped_column(Integer)
    speed_to_lead_business_seconds: Mapped[int | None] = mapped_column(Integer)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lets a flush insert a new lead before its evaluation row, which references it.
    lead: Mapped[Lead] = relationship()
