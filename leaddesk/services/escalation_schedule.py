"""Escalation steps as due events of the reminder scheduler, so the window escalates without the CLI.

The reminder timer calls run_due_escalations before each scheduler check. It runs the
steps that came due, which log "escalation" activities that the check then shows as
notifications, and returns when the next step comes due, which becomes a wake of the timer.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, LeadEvaluation
from leaddesk.services.escalation import EscalationEvent, ladder_schedule, run_escalations
from leaddesk.services.playbook import Playbook
from leaddesk.services.scheduler import CheckResult

logger = logging.getLogger(__name__)

# Leads per run_escalations call, under SQLite's 999 bound parameters before 3.32.
CHUNK_LEADS = 500


def scan_ladders(session: Session, playbook: Playbook, now: datetime) -> tuple[list[uuid.UUID], datetime | None]:
    """Return the leads with an escalation step due at now, and the instant of the earliest later step.

    Only uncontacted leads with a response clock whose ladder has steps left are read, as
    plain rows. NOTE: each such lead's ladder is recomputed on every call, which costs
    calendar arithmetic per waiting lead. A large backlog of uncontacted leads makes each
    reminder check slower in proportion.
    """
    ladders = {rule.key: len(rule.escalation) for rule in playbook.segments if rule.escalation}
    if not ladders:
        return [], None
    steps_done = func.coalesce(LeadEvaluation.escalation_steps_done, 0)
    ladder_length = case(*((Lead.segment == key, length) for key, length in ladders.items()), else_=0)
    statement = (
        select(Lead.id, Lead.segment, Lead.received_at, steps_done)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
        .where(
            Lead.deleted_at.is_(None),
            Lead.first_contacted_at.is_(None),
            Lead.response_due_at.is_not(None),
            Lead.segment.in_(list(ladders)),
            steps_done < ladder_length,
        )
    )
    due: list[uuid.UUID] = []
    next_at: datetime | None = None
    for lead_id, segment, received_at, done in session.execute(statement):
        schedule = ladder_schedule(playbook.segment(segment), received_at, playbook)
        if done >= len(schedule):
            continue
        step_at = schedule[done].due_at
        if step_at <= now:
            due.append(lead_id)
        elif next_at is None or step_at < next_at:
            next_at = step_at
    return due, next_at


def run_due_escalations(session: Session, playbook: Playbook, now: datetime) -> tuple[list[EscalationEvent], datetime | None]:
    """Run the escalation steps due at now, and return them with the instant of the next step (None: no step is pending)."""
    due, next_at = scan_ladders(session, playbook, now)
    events: list[EscalationEvent] = []
    for start in range(0, len(due), CHUNK_LEADS):
        events.extend(run_escalations(session, now, playbook, due[start : start + CHUNK_LEADS]))
    if due:
        session.flush()
        # A lead whose ladder ran more than one step may have another step still ahead.
        _, next_at = scan_ladders(session, playbook, now)
    if events:
        logger.info("ran %d escalation steps on %d leads at %s", len(events), len(due), now.isoformat())
    return events, next_at


def with_escalation_wake(result: CheckResult, next_escalation_at: datetime | None) -> CheckResult:
    """Return result with its next wake moved earlier to next_escalation_at when that comes first."""
    if next_escalation_at is None:
        return result
    if result.next_wake is not None and result.next_wake <= next_escalation_at:
        return result
    # This also wakes the timer during quiet hours, because escalations run then too; the
    # check claims no notification until the quiet hours end.
    return replace(result, next_wake=next_escalation_at)
