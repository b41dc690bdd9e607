"""One compact row per lead, read from the database once, from which every dashboard figure is computed.

Reading the leads once and filtering in Python lets the dashboard redraw for another owner
or date range without going back to SQLite. Everything here is plain SQL and Python.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, FollowUp, Lead, LeadEvaluation, QualificationChange, Rep
from leaddesk.services.enrichment.completeness import COMPLETENESS_WEIGHTS
from leaddesk.services.playbook import Playbook

logger = logging.getLogger(__name__)

# Names that stand for a missing owner or source in every breakdown.
UNASSIGNED = "(unassigned)"
NO_SOURCE = "(no source)"

# Fields whose filling the completeness figures report: the weighted groups of the lead's
# completeness score, then the lead source. A group counts as filled when any of its fields is.
COMPLETENESS_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((label, fields) for label, fields, _weight in COMPLETENESS_WEIGHTS),
    ("lead source", ("source",)),
)

# change_stage in leaddesk.services.lead_actions writes this summary on every stage change.
_STAGE_CHANGE = re.compile(r"^Stage changed from (\w+) to (\w+)$")


@dataclass(slots=True)
class LeadFact:
    """The figures of one lead that the dashboard needs; instants are UTC, hours and weeks are team-local."""

    id: uuid.UUID
    received_at: datetime
    segment: str
    source: str
    owner: str
    stage: str
    qualification: str | None
    score: int
    first_contacted_at: datetime | None
    response_due_at: datetime | None
    response_warn_at: datetime | None
    next_follow_up_at: datetime | None
    # Arrival to first contact, None until the lead is contacted.
    wall_seconds: int | None
    business_seconds: int | None
    # Bit i is set when group i of COMPLETENESS_GROUPS is filled.
    filled_mask: int
    overdue_follow_ups: int
    arrival_hour: int
    # ISO date of the Monday of the arrival week.
    arrival_week: str
    # (instant, stage) pairs in time order, starting with (received_at, "new").
    stage_entries: list[tuple[datetime, str]] = field(default_factory=list)
    # (instant, "mql", "sql" or None, backfilled) qualification changes in time order; see QualificationChange.
    qualification_entries: list[tuple[datetime, str | None, bool]] = field(default_factory=list)
    # The lead's funnel position, computed on first use by reporting.funnel and kept, because
    # the dashboard recomputes its figures from the same facts on every filter change.
    funnel_profile: tuple | None = None


def _filled(column):
    if isinstance(column.type, Integer):
        return column.is_not(None)
    return and_(column.is_not(None), func.trim(column) != "")


def _filled_mask_expression():
    mask = literal(0)
    for bit, (_label, names) in enumerate(COMPLETENESS_GROUPS):
        condition = or_(*(_filled(getattr(Lead, name)) for name in names))
        mask = mask + case((condition, 1 << bit), else_=0)
    return mask


def load_facts(session: Session, playbook: Playbook, now: datetime) -> list[LeadFact]:
    """Read every lead that is not deleted as a LeadFact; follow-ups due before now count as overdue."""
    calendar = playbook.calendar
    zone = calendar.zone
    query = (
        select(
            Lead.id,
            Lead.received_at,
            Lead.segment,
            Lead.source,
            Rep.name,
            Lead.stage,
            LeadEvaluation.qualification,
            func.coalesce(LeadEvaluation.score_total, Lead.score),
            Lead.first_contacted_at,
            Lead.response_due_at,
            Lead.response_warn_at,
            Lead.next_follow_up_at,
            LeadEvaluation.speed_to_lead_seconds,
            LeadEvaluation.speed_to_lead_business_seconds,
            _filled_mask_expression(),
        )
        .outerjoin(Rep, Rep.id == Lead.owner_id)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
        .where(Lead.deleted_at.is_(None))
    )
    overdue = _overdue_follow_up_counts(session, now)
    history = _stage_history(session)
    qualifications = _qualification_history(session)
    facts: list[LeadFact] = []
    for row in session.execute(query):
        (lead_id, received_at, segment, source, owner, stage, qualification, score, contacted_at,
         due_at, warn_at, follow_up_at, wall, business, mask) = row
        if contacted_at is not None and (wall is None or business is None):
            wall = int((contacted_at - received_at).total_seconds())
            business = int(calendar.business_time_between(received_at, contacted_at).total_seconds())
        local = received_at.astimezone(zone)
        local_day = local.date()
        entries = [(received_at, "new")]
        entries.extend(history.get(lead_id, ()))
        facts.append(
            LeadFact(
                id=lead_id,
                received_at=received_at,
                segment=segment,
                source=(source or "").strip() or NO_SOURCE,
                owner=owner or UNASSIGNED,
                stage=stage,
                qualification=qualification,
                score=int(score or 0),
                first_contacted_at=contacted_at,
                response_due_at=due_at,
                response_warn_at=warn_at,
                next_follow_up_at=follow_up_at,
                wall_seconds=wall,
                business_seconds=business,
                filled_mask=int(mask),
                overdue_follow_ups=overdue.get(lead_id, 0),
                arrival_hour=local.hour,
                arrival_week=(local_day - timedelta(days=local_day.weekday())).isoformat(),
                stage_entries=entries,
                qualification_entries=qualifications.get(lead_id, []),
            )
        )
    logger.debug("loaded %d lead facts for the dashboard", len(facts))
    return facts


def _overdue_follow_up_counts(session: Session, now: datetime) -> dict[uuid.UUID, int]:
    query = (
        select(FollowUp.lead_id, func.count())
        .where(FollowUp.completed_at.is_(None), FollowUp.due_at < now)
        .group_by(FollowUp.lead_id)
    )
    return {lead_id: count for lead_id, count in session.execute(query)}


def _stage_history(session: Session) -> dict[uuid.UUID, list[tuple[datetime, str]]]:
    """Return each lead's stage changes as (instant, new stage), oldest first."""
    query = (
        select(Activity.lead_id, Activity.occurred_at, Activity.summary)
        .where(Activity.kind == ActivityKind.STAGE_CHANGE.value)
        .order_by(Activity.occurred_at)
    )
    history: dict[uuid.UUID, list[tuple[datetime, str]]] = defaultdict(list)
    for lead_id, occurred_at, summary in session.execute(query):
        match = _STAGE_CHANGE.match(summary or "")
        if match is None:
            logger.debug("stage change %r of lead %s has no readable target stage; skipped", summary, lead_id)
            continue
        history[lead_id].append((occurred_at, match.group(2)))
    return history


def _qualification_history(session: Session) -> dict[uuid.UUID, list[tuple[datetime, str | None, bool]]]:
    """Return each lead's qualification changes as (instant, new qualification, backfilled), oldest first."""
    query = select(
        QualificationChange.lead_id,
        QualificationChange.changed_at,
        QualificationChange.qualification,
        QualificationChange.backfilled,
    ).order_by(QualificationChange.changed_at, QualificationChange.id)
    history: dict[uuid.UUID, list[tuple[datetime, str | None, bool]]] = defaultdict(list)
    for lead_id, changed_at, qualification, backfilled in session.execute(query):
        history[lead_id].append((changed_at, qualification, bool(backfilled)))
    return history
