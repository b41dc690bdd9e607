"""The kanban board's data: open leads grouped by stage, each column in inbox priority order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import STAGES, Lead, Rep
from leaddesk.services.closed_leads import is_closed, open_stage

# Cards loaded per column. The column header shows the full count, so a cut column shows how many leads it has.
MAX_CARDS_PER_STAGE = 200


@dataclass(frozen=True)
class Card:
    lead_id: uuid.UUID
    name: str
    company: str | None
    owner_name: str | None
    row_version: int
    overdue: bool


@dataclass(frozen=True)
class Column:
    stage: str
    total: int
    cards: tuple[Card, ...]


def board(session: Session, now: datetime, limit: int = MAX_CARDS_PER_STAGE) -> list[Column]:
    """Return one column per stage of STAGES, overdue leads first, then by score and newest."""
    totals = dict(
        session.execute(select(Lead.stage, func.count(Lead.id)).where(Lead.deleted_at.is_(None)).group_by(Lead.stage)).all()
    )
    columns = []
    for stage in STAGES:
        # A closed lead's deadline no longer runs, so its card is never overdue.
        overdue = Lead.first_contacted_at.is_(None) & (Lead.response_due_at <= now) & open_stage()
        statement = (
            select(Lead, Rep.name)
            .outerjoin(Rep, Rep.id == Lead.owner_id)
            .where(Lead.deleted_at.is_(None), Lead.stage == stage)
            # NULLS LAST keeps SQLite's order on PostgreSQL, which sorts NULL first when descending.
            .order_by(overdue.desc().nulls_last(), Lead.score.desc().nulls_last(), Lead.received_at.desc(), Lead.id)
            .limit(limit)
        )
        cards = tuple(
            Card(
                lead.id,
                lead.display_name,
                lead.company,
                owner_name,
                lead.row_version,
                lead.first_contacted_at is None
                and lead.response_due_at is not None
                and lead.response_due_at <= now
                and not is_closed(lead.stage),
            )
            for lead, owner_name in session.execute(statement)
        )
        columns.append(Column(stage, int(totals.get(stage, 0)), cards))
    return columns
