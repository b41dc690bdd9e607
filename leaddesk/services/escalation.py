"""Escalation ladders: steps at a share of the response SLA or a time after arrival.

run_escalations runs every step that came due for leads not yet contacted, logs
each on the lead's timeline and remembers how far each lead got, so a step runs once.
Contacting the lead stops its ladder, because contacted leads are never selected.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from leaddesk.models import Activity, Lead, LeadEvaluation, Setting
from leaddesk.services.evaluation import evaluation_of
from leaddesk.services.playbook import BudgetKind, ClockKind, EscalationAction, EscalationStep, Playbook, SegmentRule, load_playbook
from leaddesk.services.routing import _Router, assign_lead, lead_router
from leaddesk.services.sla import compute_response_clock, format_remaining

logger = logging.getLogger(__name__)

ESCALATION_KIND = "escalation"


@dataclass(frozen=True)
class ScheduledStep:
    step: EscalationStep
    due_at: datetime


@dataclass(frozen=True)
class EscalationEvent:
    lead_id: object
    step: EscalationStep
    due_at: datetime
    summary: str


def ladder_schedule(rule: SegmentRule, received_at: datetime, playbook: Playbook) -> list[ScheduledStep]:
    """Return the segment's steps with the instant each comes due, earliest first."""
    if not rule.escalation:
        return []
    calendar = playbook.calendar
    business = rule.clock is ClockKind.BUSINESS_HOURS or rule.budget_kind is not BudgetKind.DURATION
    clock_start = calendar.next_opening(received_at) if business else received_at
    due_at = compute_response_clock(rule, received_at, playbook).due_at
    budget = calendar.business_time_between(clock_start, due_at) if business else due_at - clock_start
    scheduled = []
    for step in rule.escalation:
        if step.at_fraction is not None:
            offset = budget * step.at_fraction
        else:
            offset = step.after or timedelta(0)
        when = calendar.add_business_time(clock_start, offset) if business else clock_start + offset
        scheduled.append(ScheduledStep(step, when))
    scheduled.sort(key=lambda item: item.due_at)
    return scheduled


def next_step(session: Session, lead: Lead, playbook: Playbook) -> ScheduledStep | None:
    """Return the lead's next escalation step that has not run, or None when there is none."""
    if lead.first_contacted_at is not None or lead.response_due_at is None:
        return None
    schedule = ladder_schedule(playbook.segment(lead.segment), lead.received_at, playbook)
    stored = session.get(LeadEvaluation, lead.id)
    done = stored.escalation_steps_done if stored else 0
    return schedule[done] if done < len(schedule) else None


def run_escalations(
    session: Session,
    now: datetime,
    playbook: Playbook | None = None,
    lead_ids: Collection[uuid.UUID] | None = None,
    router: _Router | None = None,
) -> list[EscalationEvent]:
    """Run every escalation step due at now for uncontacted leads with a response clock.

    lead_ids limits the run to those leads, such as the ones escalation_schedule found due.
    router (from routing.lead_router) lets several runs of one transaction share the open-lead counts.
    """
    playbook = playbook or load_playbook(session)
    keys = [rule.key for rule in playbook.segments if rule.escalation]
    if not keys:
        return []
    statement = (
        select(Lead)
        .where(
            Lead.deleted_at.is_(None),
            Lead.first_contacted_at.is_(None),
            Lead.response_due_at.is_not(None),
            Lead.segment.in_(keys),
        )
        .options(selectinload(Lead.owner))
    )
    if lead_ids is not None:
        statement = statement.where(Lead.id.in_(list(lead_ids)))
    leads = session.scalars(statement).all()
    if lead_ids is not None:
        # One query loads the evaluations into the identity map, so evaluation_of finds them without one each.
        session.scalars(select(LeadEvaluation).where(LeadEvaluation.lead_id.in_([lead.id for lead in leads]))).all()
    router = router or lead_router(session, playbook, now)
    events = []
    # Without autoflush each step's lookups do not flush, and so re-evaluate, the leads changed
    # so far. The caller's flush evaluates each changed lead once. A new round-robin position
    # is flushed at once, because session.get finds a pending row only after its flush.
    with session.no_autoflush:
        for lead in leads:
            events.extend(_run_ladder(session, lead, playbook, now, router))
            if any(isinstance(item, Setting) for item in session.new):
                session.flush()
    return events


def _run_ladder(session: Session, lead: Lead, playbook: Playbook, now: datetime, router: _Router) -> list[EscalationEvent]:
    """Run the lead's steps that are due at now, in order, and return them."""
    events = []
    evaluation = evaluation_of(session, lead)
    schedule = ladder_schedule(playbook.segment(lead.segment), lead.received_at, playbook)
    while evaluation.escalation_steps_done < len(schedule):
        scheduled = schedule[evaluation.escalation_steps_done]
        if scheduled.due_at > now:
            break
        summary = _perform(session, lead, scheduled, playbook, now, router)
        session.add(Activity(lead_id=lead.id, kind=ESCALATION_KIND, occurred_at=now, summary=summary, actor="playbook"))
        evaluation.escalation_steps_done += 1
        events.append(EscalationEvent(lead.id, scheduled.step, scheduled.due_at, summary))
        logger.info("lead %s escalated: %s", lead.id, summary)
    return events


def _perform(session: Session, lead: Lead, scheduled: ScheduledStep, playbook: Playbook, now: datetime, router: _Router) -> str:
    step = scheduled.step
    state = format_remaining(lead.response_due_at, now)
    if step.action is EscalationAction.REMIND_OWNER:
        owner = lead.owner.name if lead.owner else "the unassigned queue"
        return f"Reminder to {owner} ({step.describe()}): respond to this lead, {state}"
    if step.action is EscalationAction.ALERT_TEAM_LEAD:
        lead_name = playbook.team_lead or "the team lead (none set; add [team] lead to the playbook)"
        return f"Alert to {lead_name} ({step.describe()}): nobody has contacted this lead, {state}"
    previous = lead.owner.name if lead.owner else None
    decision = assign_lead(session, lead, playbook, now, exclude=[previous] if previous else [], actor="playbook", router=router)
    if decision.rep is None:
        why = "; ".join(decision.reasons) or "no routing rule applies"
        return f"Reassignment ({step.describe()}) found no available rep, so {previous or 'nobody'} keeps it: {why}"
    return f"Reassigned from {previous or 'nobody'} to {decision.rep.name} ({step.describe()})"
