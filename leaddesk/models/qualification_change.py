"""One change of a lead's MQL/SQL qualification, with the instant it was evaluated."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime


class QualificationChange(Base):
    """A lead entering or leaving MQL or SQL.

    Database triggers on lead_evaluations write these rows (see the migration that creates
    this table), so every writer of an evaluation is covered, the bulk evaluation's upserts
    included. changed_at is the evaluation's evaluated_at, so a lead is recorded as MQL from
    the first evaluation that found it MQL. An evaluation dated before the lead's latest
    change (`leaddesk evaluate --now` in the past) is recorded at that latest change's
    changed_at instead, so a lead's rows never go back in time. Rows with backfilled set were written when the
    table was created, from the qualification stored then. Their changed_at is therefore the
    time of that last evaluation, not when the lead qualified.
    """

    __tablename__ = "qualification_changes"
    __table_args__ = (Index("ix_qualification_changes_lead_id_changed_at", "lead_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    # "mql", "sql" or None (qualified no more), before and after the change.
    previous: Mapped[str | None] = mapped_column(String(10))
    qualification: Mapped[str | None] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
