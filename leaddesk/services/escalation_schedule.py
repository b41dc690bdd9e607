"""Escalation steps as due events of the reminder scheduler, so the window escalates without the CLI.

The reminder timer calls run_due_escalations before each scheduler check. It runs the
steps that came due, which log "escalation" activities that the check then shows as
notifications, and returns when the next step comes due, which becomes a wake of the timer.

Each waiting lead's next step time is stored in escalation_plans, so a check reads the due
leads and the next wake by index. A plan is recomputed only when the lead's segment,
arrival, deadline or escalation progress changed, or the playbook's calendar or ladders did.

The window runs due steps with run_due_escalation_chunk, one bounded chunk per write-lane
task, so post-import steps and undos queued meanwhile run between chunks. Leads of an
import whose post-import job has not finished wait until the job has routed them
(pending_import_leads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Uuid, and_, case, column, delete, func, not_, or_, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leaddesk.models import Lead, LeadEvaluation
from leaddesk.models.escalation_plan import EscalationPlan
from leaddesk.services.escalation import EscalationEvent, ladder_schedule, run_escalations
from leaddesk.services.importing.bulk import utc_datetime_text
from leaddesk.services.pending_import_leads import pending_batch_ids, released_condition
from leaddesk.services.playbook import Playbook
from leaddesk.services.routing import lead_router
from leaddesk.services.scheduler import CheckResult

logger = logging.getLogger(__name__)

# Leads per run_escalations call and per delete, under SQLite's 999 bound parameters before 3.32.
CHUNK_LEADS = 500
# Plans per upsert executemany, which SQLAlchemy splits further to fit the parameter limit.
CHUNK_PLANS = 1000
# Bounds of one run_due_escalation_chunk call: at most this many leads, and no new batch of
# RUN_BATCH_LEADS once its steps have taken MAX_CHUNK_SECONDS.
MAX_CHUNK_LEADS = 300
MAX_CHUNK_SECONDS = 0.2
RUN_BATCH_LEADS = 25
# Latest next check while an import's post-import job is pending, so its deferred leads are
# escalated soon after the job finishes, even when another process (`leaddesk jobs`) ran it.
HELD_RECHECK = timedelta(minutes=5)


@dataclass(frozen=True)
class EscalationChunk:
    """The steps one chunk ran, the instant of the next step, and whether more steps are due at now."""

    events: list[EscalationEvent]
    next_at: datetime | None
    more_due: bool


def ladder_fingerprint(playbook: Playbook) -> str:
    """Return a hash of everything ladder_schedule reads from the playbook: the team calendar and the segments."""
    calendar = playbook.calendar
    hours = {str(day): [[opens.isoformat(), closes.isoformat()] for opens, closes in ranges] for day, ranges in calendar.weekly_hours.items()}
    segments = [
        [
            rule.key,
            rule.budget_kind.value,
            rule.clock.value,
            rule.budget.total_seconds(),
            [[step.action.value, step.at_fraction, step.after.total_seconds() if step.after else None] for step in rule.escalation],
        ]
        for rule in playbook.segments
    ]
    content = {
        "timezone": calendar.timezone_name,
        "hours": hours,
        "closed": sorted(day.isoformat() for day in calendar.closed_dates),
        "holidays": [calendar.holiday_country, calendar.holiday_subdivision],
        "segments": segments,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def scan_ladders(
    session: Session, playbook: Playbook, now: datetime, limit: int | None = None
) -> tuple[list[uuid.UUID], datetime | None]:
    """Return the leads with an escalation step due at now, and the instant of the earliest later step.

    Plans that are missing or out of date are recomputed first (refresh_plans). The due
    leads and the next instant then come from the next_step_at index, and plans of leads
    that no longer wait are deleted as the due sweep meets them. limit caps the due leads
    (earliest step first). Leads of imports with a pending post-import job are left out.
    """
    ladders = {rule.key: len(rule.escalation) for rule in playbook.segments if rule.escalation}
    if not ladders:
        return [], None
    fingerprint = ladder_fingerprint(playbook)
    held_batches = pending_batch_ids(session)
    refresh_plans(session, playbook, fingerprint, held_batches)

    steps_done = func.coalesce(LeadEvaluation.escalation_steps_done, 0)
    plan = EscalationPlan
    dialect_name = session.get_bind().dialect.name
    valid = and_(_waiting(ladders, steps_done), _plan_is_current(steps_done, fingerprint, dialect_name))
    released = released_condition(held_batches)
    joined = (
        select(plan.lead_id, valid)
        .join(Lead, Lead.id == plan.lead_id)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == plan.lead_id)
        .where(plan.next_step_at <= now, released)
        .order_by(plan.next_step_at, plan.lead_id)
    )
    due: list[uuid.UUID] = []
    finished: list[uuid.UUID] = []
    # The limit counts due leads only, because plans of leads that stopped waiting (a chunk
    # just ran their last step) sort among them. The Core result streams, so stopping early
    # reads no further rows.
    result = session.connection().execute(joined)
    for lead_id, is_valid in result:
        (due if is_valid else finished).append(lead_id)
        if limit is not None and len(due) >= limit:
            break
    result.close()
    for start in range(0, len(finished), CHUNK_LEADS):
        session.execute(delete(plan).where(plan.lead_id.in_(finished[start : start + CHUNK_LEADS])))

    later = (
        select(func.min(plan.next_step_at))
        .join(Lead, Lead.id == plan.lead_id)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == plan.lead_id)
        .where(plan.next_step_at > now, valid, released)
    )
    next_at = session.scalar(later)
    if held_batches:
        recheck = now + HELD_RECHECK
        next_at = recheck if next_at is None else min(next_at, recheck)
    return due, next_at


def refresh_plans(
    session: Session, playbook: Playbook, fingerprint: str | None = None, held_batches: list[uuid.UUID] | None = None
) -> int:
    """Recompute the stored plan of each waiting lead whose plan is missing or out of date; return how many.

    The query still compares each waiting lead's columns with its plan in SQL, but the
    calendar arithmetic of ladder_schedule runs only for the leads that changed. Leads of
    held_batches (default: the batches with a pending post-import job) are skipped.
    """
    ladders = {rule.key: len(rule.escalation) for rule in playbook.segments if rule.escalation}
    if not ladders:
        return 0
    fingerprint = fingerprint or ladder_fingerprint(playbook)
    if held_batches is None:
        held_batches = pending_batch_ids(session)
    steps_done = func.coalesce(LeadEvaluation.escalation_steps_done, 0)
    plan = EscalationPlan
    statement = (
        select(Lead.id, Lead.segment, Lead.received_at, Lead.response_due_at, steps_done)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
        .outerjoin(plan, plan.lead_id == Lead.id)
        .where(
            _waiting(ladders, steps_done),
            released_condition(held_batches),
            or_(plan.lead_id.is_(None), not_(_plan_is_current(steps_done, fingerprint, session.get_bind().dialect.name))),
        )
    )
    rows = []
    for lead_id, segment, received_at, response_due_at, done in session.connection().execute(statement):
        schedule = ladder_schedule(playbook.segment(segment), received_at, playbook)
        rows.append(
            {
                "lead_id": lead_id,
                "segment": segment,
                "received_at": received_at,
                "response_due_at": response_due_at,
                "steps_done": done,
                "playbook_hash": fingerprint,
                "next_step_at": schedule[done].due_at if done < len(schedule) else None,
            }
        )
    # SQLite and PostgreSQL spell the upsert alike, but each dialect builds its own statement.
    if session.get_bind().dialect.name == "postgresql":
        upsert = postgresql.insert(plan)
    else:
        upsert = sqlite.insert(_SQLITE_PLAN_TEXT)
        rows = [_instants_as_text(row) for row in rows]
    upsert = upsert.on_conflict_do_update(index_elements=["lead_id"], set_={name: upsert.excluded[name] for name in _PLAN_COLUMNS})
    # The connection runs a plain executemany, because Session.execute would take the slower ORM bulk path.
    connection = session.connection()
    for start in range(0, len(rows), CHUNK_PLANS):
        connection.execute(upsert, rows[start : start + CHUNK_PLANS])
    if rows:
        logger.debug("recomputed the escalation plans of %d leads", len(rows))
    return len(rows)


_PLAN_COLUMNS = ("segment", "received_at", "response_due_at", "steps_done", "playbook_hash", "next_step_at")
_PLAN_INSTANTS = ("received_at", "response_due_at", "next_step_at")

# escalation_plans with its instants typed as text, so SQLite gets them in the bulk importer's
# form ('2026-12-07 18:00:00', no '.000000' for whole seconds) rather than the ORM's.
_SQLITE_PLAN_TEXT = table(
    EscalationPlan.__tablename__,
    column("lead_id", Uuid()),
    column("segment", String()),
    *(column(name, String()) for name in _PLAN_INSTANTS),
    column("steps_done", Integer()),
    column("playbook_hash", String()),
)


def _instants_as_text(row: dict) -> dict:
    return {name: utc_datetime_text(value) if name in _PLAN_INSTANTS and value is not None else value for name, value in row.items()}


def _waiting(ladders: dict[str, int], steps_done):
    """Return the condition that a lead waits for contact and has escalation steps left."""
    ladder_length = case(*((Lead.segment == key, length) for key, length in ladders.items()), else_=0)
    return and_(
        Lead.deleted_at.is_(None),
        Lead.first_contacted_at.is_(None),
        Lead.response_due_at.is_not(None),
        Lead.segment.in_(list(ladders)),
        steps_done < ladder_length,
    )


def _plan_is_current(steps_done, fingerprint: str, dialect_name: str):
    plan = EscalationPlan
    return and_(
        plan.segment == Lead.segment,
        _same_instant(plan.received_at, Lead.received_at, dialect_name),
        _same_instant(plan.response_due_at, Lead.response_due_at, dialect_name),
        plan.steps_done == steps_done,
        plan.playbook_hash == fingerprint,
    )


def _same_instant(left, right, dialect_name: str):
    """Return the condition that two datetime columns hold the same instant.

    SQLite stores datetimes as text, and the bulk importer (and refresh_plans) write
    '2026-12-07 18:00:00' where the ORM writes '2026-12-07 18:00:00.000000', so equal
    instants can differ as strings. julianday parses both spellings to the same number.
    NOTE: SQLite's date functions read only milliseconds, so on SQLite two instants less
    than a millisecond apart count as the same.
    """
    if dialect_name == "sqlite":
        return func.julianday(left) == func.julianday(right)
    return left == right


def run_due_escalation_chunk(
    session: Session,
    playbook: Playbook,
    now: datetime,
    max_leads: int | None = None,
    max_seconds: float | None = None,
) -> EscalationChunk:
    """Run the escalation steps due at now for at most max_leads leads, stopping early after max_seconds.

    The bounds default to MAX_CHUNK_LEADS and MAX_CHUNK_SECONDS. The leads with the earliest
    due step go first. A true more_due means the caller should run another chunk, in a later task so
    that other writes can run in between.
    """
    max_leads = MAX_CHUNK_LEADS if max_leads is None else max_leads
    max_seconds = MAX_CHUNK_SECONDS if max_seconds is None else max_seconds
    due, next_at = scan_ladders(session, playbook, now, limit=max_leads)
    events: list[EscalationEvent] = []
    # One router serves the chunk, because building one counts the open leads of every owner.
    router = lead_router(session, playbook, now)
    # The budget covers the steps only. The scan and the router cost a fixed 0.2 to 0.3 s
    # per chunk on 100,000 leads (measured on a loaded 2-core machine), and counting them
    # would leave one batch per chunk.
    started = time.monotonic()
    ran = 0
    while ran < len(due) and (ran == 0 or time.monotonic() - started < max_seconds):
        batch = due[ran : ran + RUN_BATCH_LEADS]
        events.extend(run_escalations(session, now, playbook, batch, router=router))
        session.flush()
        ran += len(batch)
    # run_escalations runs every step of a lead that is due at now, so only the leads this
    # chunk left or the limit cut off can still be due. A chunk that ran no step reports
    # nothing more, so a plan that lists a lead as due without a step to run cannot loop.
    more_due = (ran < len(due) or len(due) >= max_leads) and bool(events)
    if due and not more_due:
        # A lead whose ladder ran a step may have a later one, which sets the next instant.
        _, next_at = scan_ladders(session, playbook, now, limit=1)
    if events:
        logger.info("ran %d escalation steps on %d leads at %s", len(events), ran, now.isoformat())
    return EscalationChunk(events, next_at, more_due)


def run_due_escalations(session: Session, playbook: Playbook, now: datetime) -> tuple[list[EscalationEvent], datetime | None]:
    """Run all escalation steps due at now, chunk by chunk, and return them with the instant of the next step.

    The next instant is None when no step is pending.
    """
    events: list[EscalationEvent] = []
    while True:
        chunk = run_due_escalation_chunk(session, playbook, now, max_seconds=float("inf"))
        events.extend(chunk.events)
        if not chunk.more_due:
            return events, chunk.next_at


def with_escalation_wake(result: CheckResult, next_escalation_at: datetime | None) -> CheckResult:
    """Return result with its next wake moved earlier to next_escalation_at when that comes first."""
    if next_escalation_at is None:
        return result
    if result.next_wake is not None and result.next_wake <= next_escalation_at:
        return result
    # This also wakes the timer during quiet hours, because escalations run then too; the
    # check claims no notification until the quiet hours end.
    return replace(result, next_wake=next_escalation_at)
