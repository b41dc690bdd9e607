"""Sequences (cadences): ordered outreach steps with delays in business days, enrolled per lead.

advance() turns each step that is due into a follow-up, so the scheduler reminds the
lead's owner like any other follow-up. A reply or a meeting logged on the lead pauses
its sequences, and moving the lead to won, lost or disqualified stops them.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, Lead, SequenceEnrollment
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.follow_ups import add_follow_up
from leaddesk.services.local_time import LocalDue

logger = logging.getLogger(__name__)

CLOSED_STAGES = frozenset({"won", "lost", "disqualified"})
# Activity kinds that mean the lead responded, so automatic outreach waits for a person.
PAUSING_KINDS = frozenset({ActivityKind.REPLY.value, ActivityKind.MEETING.value})
# A step's follow-up falls on its business day, this many days ahead at most.
MAX_DAYS_AHEAD = 366


class Channel(str, enum.Enum):
    EMAIL = "email"
    CALL = "call"
    LINKEDIN = "linkedin"
    TASK = "task"


@dataclass(frozen=True)
class SequenceStep:
    channel: Channel
    # Business days after the previous step (or after enrolment, for the first step).
    delay_business_days: int
    note: str = ""


@dataclass(frozen=True)
class Sequence:
    key: str
    label: str
    steps: tuple[SequenceStep, ...]


DEFAULT_SEQUENCES = (
    Sequence(
        "new_inbound",
        "New inbound lead",
        (
            SequenceStep(Channel.EMAIL, 0, "Send the intro email"),
            SequenceStep(Channel.CALL, 1, "Call and offer a demo"),
            SequenceStep(Channel.LINKEDIN, 2, "Connect on LinkedIn"),
            SequenceStep(Channel.EMAIL, 3, "Send a case study"),
            SequenceStep(Channel.CALL, 5, "Last call before closing the loop"),
        ),
    ),
    Sequence(
        "reengage",
        "Re-engage a quiet lead",
        (
            SequenceStep(Channel.EMAIL, 0, "Check in with something new"),
            SequenceStep(Channel.TASK, 5, "Decide: keep or disqualify"),
        ),
    ),
)


class SequenceError(ValueError):
    """A sequence action that cannot be done. The message names the value and the fix."""


def find_sequence(key: str, sequences: tuple[Sequence, ...] = DEFAULT_SEQUENCES) -> Sequence:
    for sequence in sequences:
        if sequence.key == key:
            return sequence
    known = ", ".join(sequence.key for sequence in sequences)
    raise SequenceError(f"unknown sequence {key!r}; use one of: {known}")


def business_days_after(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """Return the opening of the business day that is days business days after start's local date.

    With days == 0 it returns start itself, so a first step runs at once.
    """
    if days < 0:
        raise SequenceError(f"a step delay cannot be negative, got {days} business days")
    if days == 0:
        return start
    day: date = calendar.local_date(start)
    remaining = days
    for _ in range(MAX_DAYS_AHEAD):
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            remaining -= 1
            if remaining == 0:
                return calendar.open_intervals(day)[0][0]
    raise SequenceError(f"no {days} business days within {MAX_DAYS_AHEAD} days; add opening hours to the playbook")


def enroll(
    session: Session,
    lead_id: uuid.UUID,
    sequence_key: str,
    actor: str | None,
    now: datetime,
    calendar: BusinessCalendar,
) -> SequenceEnrollment:
    """Enroll the lead; its first step comes due after the first step's delay."""
    sequence = find_sequence(sequence_key)
    lead = _lead(session, lead_id)
    if lead.stage in CLOSED_STAGES:
        raise SequenceError(f"lead {lead.display_name!r} is {lead.stage}; move it to an open stage before enrolling it")
    existing = session.scalar(
        select(SequenceEnrollment).where(
            SequenceEnrollment.lead_id == lead_id,
            SequenceEnrollment.sequence_key == sequence_key,
            SequenceEnrollment.status.in_(("active", "paused")),
        )
    )
    if existing is not None:
        raise SequenceError(f"lead {lead.display_name!r} is already in {sequence.label!r}; resume or stop that enrolment")

    enrollment = SequenceEnrollment(
        lead_id=lead_id,
        sequence_key=sequence_key,
        step_index=0,
        status="active",
        next_step_at=business_days_after(calendar, now, sequence.steps[0].delay_business_days),
        status_reason="",
        enrolled_at=now,
        enrolled_by=actor,
        updated_at=now,
    )
    session.add(enrollment)
    _log(session, lead_id, f"Enrolled in sequence {sequence.label!r}", actor, now)
    session.flush()
    return enrollment


def advance(session: Session, now: datetime, calendar: BusinessCalendar) -> list[uuid.UUID]:
    """Turn every step due by now into a follow-up and schedule the next step; return the new follow-up ids.

    Enrollments of leads that moved to a closed stage stop here, without a follow-up.
    """
    created = []
    due = session.scalars(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.status == "active", SequenceEnrollment.next_step_at <= now)
        .order_by(SequenceEnrollment.next_step_at)
    )
    for enrollment in list(due):
        lead = session.get(Lead, enrollment.lead_id)
        if lead is None or lead.deleted_at is not None:
            _set_status(enrollment, "stopped", "the lead was deleted", now)
            continue
        if lead.stage in CLOSED_STAGES:
            _set_status(enrollment, "stopped", f"the lead moved to {lead.stage}", now)
            continue
        sequence = find_sequence(enrollment.sequence_key)
        step = sequence.steps[enrollment.step_index]
        step_at = enrollment.next_step_at
        note = f"{sequence.label}, step {enrollment.step_index + 1} of {len(sequence.steps)} ({step.channel.value})"
        if step.note:
            note += f": {step.note}"
        wall = step_at.astimezone(calendar.zone).replace(tzinfo=None)
        follow_up = add_follow_up(session, lead, LocalDue.at(wall, calendar.timezone_name), note, now)
        created.append(follow_up.id)

        enrollment.step_index += 1
        enrollment.updated_at = now
        if enrollment.step_index >= len(sequence.steps):
            _set_status(enrollment, "finished", "every step became a follow-up", now)
        else:
            delay = sequence.steps[enrollment.step_index].delay_business_days
            enrollment.next_step_at = business_days_after(calendar, max(step_at, now), delay)
        logger.info("sequence %s step %d for lead %s is due", sequence.key, enrollment.step_index, lead.id)
    session.flush()
    return created


def pause_for_activity(session: Session, lead_id: uuid.UUID, kind: str, actor: str | None, now: datetime) -> int:
    """Pause the lead's active sequences after a reply or meeting; return how many were paused."""
    if kind not in PAUSING_KINDS:
        return 0
    reason = "the lead replied" if kind == ActivityKind.REPLY.value else "a meeting was logged"
    paused = 0
    for enrollment in _enrollments(session, lead_id, ("active",)):
        _set_status(enrollment, "paused", reason, now)
        paused += 1
    if paused:
        _log(session, lead_id, f"Sequence paused: {reason}", actor, now)
    return paused


def stop_for_stage(session: Session, lead_id: uuid.UUID, stage: str, actor: str | None, now: datetime) -> int:
    """Stop the lead's active and paused sequences when it moves to a closed stage; return how many stopped."""
    if stage not in CLOSED_STAGES:
        return 0
    stopped = 0
    for enrollment in _enrollments(session, lead_id, ("active", "paused")):
        _set_status(enrollment, "stopped", f"the lead moved to {stage}", now)
        stopped += 1
    if stopped:
        _log(session, lead_id, f"Sequence stopped: the lead moved to {stage}", actor, now)
    return stopped


def resume(
    session: Session, enrollment_id: uuid.UUID, actor: str | None, now: datetime, calendar: BusinessCalendar
) -> SequenceEnrollment:
    """Resume a paused enrolment; its next step waits its own delay from now."""
    enrollment = session.get(SequenceEnrollment, enrollment_id)
    if enrollment is None:
        raise SequenceError(f"sequence enrolment {enrollment_id} not found; refresh the lead")
    if enrollment.status != "paused":
        raise SequenceError(f"the enrolment is {enrollment.status}, not paused, so it cannot be resumed")
    sequence = find_sequence(enrollment.sequence_key)
    delay = sequence.steps[enrollment.step_index].delay_business_days
    enrollment.status = "active"
    enrollment.status_reason = ""
    enrollment.next_step_at = business_days_after(calendar, now, delay)
    enrollment.updated_at = now
    _log(session, enrollment.lead_id, f"Sequence {sequence.label!r} resumed", actor, now)
    session.flush()
    return enrollment


def next_step_at(session: Session) -> datetime | None:
    """Return the earliest next_step_at of all active enrolments, for arming the timer."""
    return session.scalar(
        select(SequenceEnrollment.next_step_at)
        .where(SequenceEnrollment.status == "active", SequenceEnrollment.next_step_at.is_not(None))
        .order_by(SequenceEnrollment.next_step_at)
        .limit(1)
    )


def _enrollments(session: Session, lead_id: uuid.UUID, statuses: tuple[str, ...]) -> list[SequenceEnrollment]:
    statement = select(SequenceEnrollment).where(
        SequenceEnrollment.lead_id == lead_id, SequenceEnrollment.status.in_(statuses)
    )
    return list(session.scalars(statement))


def _set_status(enrollment: SequenceEnrollment, status: str, reason: str, now: datetime) -> None:
    enrollment.status = status
    enrollment.status_reason = reason
    enrollment.next_step_at = None
    enrollment.updated_at = now


def _lead(session: Session, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise SequenceError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")
    return lead


def _log(session: Session, lead_id: uuid.UUID, summary: str, actor: str | None, now: datetime) -> None:
    session.add(
        Activity(
            lead_id=lead_id,
            kind=ActivityKind.SEQUENCE.value,
            occurred_at=now,
            summary=summary,
            actor=actor,
            created_at=now,
        )
    )
