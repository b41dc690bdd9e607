"""Sequences (cadences): ordered outreach steps with delays in business days, enrolled per lead.

The playbook's [[sequences]] section defines them (services.playbook.sequences_section).
advance() turns each step that is due into a follow-up, so the scheduler reminds the
lead's owner like any other follow-up. A reply or a meeting logged on the lead pauses
its sequences, moving the lead to won, lost or disqualified stops them, and the user may
pause, resume or stop an enrolment by hand.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, CallOutcome, EmailTemplateRecord, Lead, SequenceEnrollment
from leaddesk.models.lead import CLOSED_STAGES
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.follow_ups import add_follow_up
from leaddesk.services.local_time import LocalDue
from leaddesk.services.sequence_follow_ups import close_step_follow_ups

if TYPE_CHECKING:
    from collections.abc import Sequence as SequenceOf

    from leaddesk.services.playbook.model import Playbook

logger = logging.getLogger(__name__)

# Activity kinds that mean the lead responded, so automatic outreach waits for a person.
PAUSING_KINDS = frozenset({ActivityKind.REPLY.value, ActivityKind.MEETING.value})
# A call with this outcome pauses sequences as a logged meeting does.
MEETING_BOOKED_OUTCOME = CallOutcome.MEETING_BOOKED.value
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
    # The email template's key, for email steps.
    template: str | None = None


@dataclass(frozen=True)
class Sequence:
    key: str
    label: str
    steps: tuple[SequenceStep, ...]


class SequenceError(ValueError):
    """A sequence action that cannot be done. The message names the value and the fix."""


def find_sequence(key: str, catalog: SequenceOf[Sequence]) -> Sequence:
    """Return the sequence with key from catalog, or raise SequenceError listing the keys it has."""
    for sequence in catalog:
        if sequence.key == key:
            return sequence
    known = ", ".join(sequence.key for sequence in catalog) or "none, because the playbook defines no sequences"
    raise SequenceError(f"unknown sequence {key!r}; use one of: {known}")


def load_catalog(session: Session) -> tuple[Sequence, ...]:
    """Return the sequences of the active playbook."""
    # Imported here because the playbook package imports this module through its parser.
    from leaddesk.services.playbook.sequences_section import load_sequences

    return load_sequences(session)


def business_days_after(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """Return the opening of the business day that is days business days after start's local date.

    With days == 0 it returns start when the business is open then, else the next opening,
    so a step without delay never comes due outside business hours.
    """
    if days < 0:
        raise SequenceError(f"a step delay cannot be negative, got {days} business days")
    if days == 0:
        return calendar.next_opening(start)
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
    catalog: SequenceOf[Sequence] | None = None,
) -> SequenceEnrollment:
    """Enroll the lead; its first step comes due after the first step's delay.

    catalog defaults to the active playbook's sequences.
    """
    sequence = find_sequence(sequence_key, load_catalog(session) if catalog is None else catalog)
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
        next_step_at=business_days_after(
            owner_calendar(session, lead, calendar), now, sequence.steps[0].delay_business_days
        ),
        status_reason="",
        enrolled_at=now,
        enrolled_by=actor,
        updated_at=now,
    )
    session.add(enrollment)
    _log(session, lead_id, f"Enrolled in sequence {sequence.label!r}", actor, now)
    session.flush()
    return enrollment


def owner_calendar(session: Session, lead: Lead, calendar: BusinessCalendar) -> BusinessCalendar:
    """Return the playbook calendar of the lead's owner, or calendar when the lead has no owner.

    A rep without a calendar of their own works by the playbook's calendar.
    """
    return OwnerCalendars(session, calendar).for_lead(lead)


class OwnerCalendars:
    """The business calendar of each lead's owner, reading the active playbook once."""

    def __init__(self, session: Session, calendar: BusinessCalendar) -> None:
        self.session = session
        # The calendar of leads without an owner, and of owners the playbook does not list.
        self.calendar = calendar
        self._playbook: Playbook | None = None

    def for_lead(self, lead: Lead) -> BusinessCalendar:
        if lead.owner is None:
            return self.calendar
        if self._playbook is None:
            # Imported here because the playbook package imports this module through its parser.
            from leaddesk.services.playbook import load_playbook

            self._playbook = load_playbook(self.session)
        if lead.owner.name not in self._playbook.reps:
            return self.calendar
        return self._playbook.rep_calendar(lead.owner.name)


def advance(
    session: Session, now: datetime, calendar: BusinessCalendar, catalog: SequenceOf[Sequence] | None = None
) -> list[uuid.UUID]:
    """Turn every step due by now into a follow-up and schedule the next step; return the new follow-up ids.

    Each step counts business days of the lead owner's calendar (calendar for leads without
    an owner), and its follow-up is due at that opening's wall time in that calendar's
    timezone. Enrollments of leads that moved to a closed stage stop here, without a
    follow-up, and so do enrolments whose sequence is no longer in the playbook.
    """
    created = []
    if catalog is None:
        catalog = load_catalog(session)
    calendars = OwnerCalendars(session, calendar)
    template_keys: set[str] | None = None
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
            # The stage changed without stop_for_stage, such as through a synced change from another
            # device, so its step follow-ups are closed here.
            _set_status(enrollment, "stopped", f"the lead moved to {lead.stage}", now)
            close_step_follow_ups(session, enrollment, _legacy_notes(enrollment, catalog), None, now)
            continue
        sequence = _find_or_none(enrollment.sequence_key, catalog)
        if sequence is None:
            _set_status(enrollment, "stopped", f"sequence {enrollment.sequence_key!r} is no longer in the playbook", now)
            logger.warning("stopped enrolment %s: sequence %s is not in the playbook", enrollment.id, enrollment.sequence_key)
            continue
        if enrollment.step_index >= len(sequence.steps):
            # The playbook's sequence lost steps after this lead was enrolled.
            _set_status(enrollment, "finished", "every step became a follow-up", now)
            continue
        step_at = enrollment.next_step_at
        note = step_note(sequence, enrollment.step_index)
        template = sequence.steps[enrollment.step_index].template
        if template is not None:
            if template_keys is None:
                template_keys = set(session.scalars(select(EmailTemplateRecord.key)))
            if template not in template_keys:
                note += f" (email template {template!r} not found; add it in Leads > Email templates)"
                logger.warning("sequence %s step %d names missing email template %s", sequence.key, enrollment.step_index + 1, template)
        step_calendar = calendars.for_lead(lead)
        wall = step_at.astimezone(step_calendar.zone).replace(tzinfo=None)
        step_due = LocalDue.at(wall, step_calendar.timezone_name)
        follow_up = add_follow_up(session, lead, step_due, note, now, enrollment_id=enrollment.id)
        created.append(follow_up.id)

        enrollment.step_index += 1
        enrollment.updated_at = now
        if enrollment.step_index >= len(sequence.steps):
            _set_status(enrollment, "finished", "every step became a follow-up", now)
        else:
            delay = sequence.steps[enrollment.step_index].delay_business_days
            enrollment.next_step_at = business_days_after(step_calendar, max(step_at, now), delay)
        logger.info("sequence %s step %d for lead %s is due", sequence.key, enrollment.step_index, lead.id)
    session.flush()
    return created


def pause_for_activity(
    session: Session,
    lead_id: uuid.UUID,
    kind: str,
    actor: str | None,
    now: datetime,
    outcome: str | None = None,
) -> int:
    """Pause the lead's active sequences after a reply, a meeting or a call that booked one.

    Return how many enrolments were paused.
    """
    if kind == ActivityKind.CALL.value and outcome == MEETING_BOOKED_OUTCOME:
        reason = "a call booked a meeting"
    elif kind in PAUSING_KINDS:
        reason = "the lead replied" if kind == ActivityKind.REPLY.value else "a meeting was logged"
    else:
        return 0
    paused = 0
    for enrollment in _enrollments(session, lead_id, ("active",)):
        _set_status(enrollment, "paused", reason, now)
        paused += 1
    if paused:
        _log(session, lead_id, f"Sequence paused: {reason}", actor, now)
    return paused


def stop_for_stage(
    session: Session,
    lead_id: uuid.UUID,
    stage: str,
    actor: str | None,
    now: datetime,
    catalog: SequenceOf[Sequence] | None = None,
) -> int:
    """Stop the lead's active and paused sequences when it moves to a closed stage; return how many stopped.

    The open follow-ups of their steps are marked done, as stop() does.
    """
    if stage not in CLOSED_STAGES:
        return 0
    enrollments = _enrollments(session, lead_id, ("active", "paused"))
    if not enrollments:
        return 0
    if catalog is None:
        catalog = load_catalog(session)
    closed = 0
    for enrollment in enrollments:
        _set_status(enrollment, "stopped", f"the lead moved to {stage}", now)
        closed += close_step_follow_ups(session, enrollment, _legacy_notes(enrollment, catalog), actor, now)
    _log(session, lead_id, f"Sequence stopped: the lead moved to {stage}{_closed_text(closed)}", actor, now)
    return len(enrollments)


def resume(
    session: Session,
    enrollment_id: uuid.UUID,
    actor: str | None,
    now: datetime,
    calendar: BusinessCalendar,
    catalog: SequenceOf[Sequence] | None = None,
) -> SequenceEnrollment:
    """Resume a paused enrolment; its next step waits its own delay from now, in the owner's business days."""
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status != "paused":
        raise SequenceError(f"the enrolment is {enrollment.status}, not paused, so it cannot be resumed")
    sequence = find_sequence(enrollment.sequence_key, load_catalog(session) if catalog is None else catalog)
    if enrollment.step_index >= len(sequence.steps):
        raise SequenceError(f"{sequence.label!r} has no step left after step {enrollment.step_index}; stop this enrolment")
    delay = sequence.steps[enrollment.step_index].delay_business_days
    enrollment.status = "active"
    enrollment.status_reason = ""
    step_calendar = owner_calendar(session, _lead(session, enrollment.lead_id), calendar)
    enrollment.next_step_at = business_days_after(step_calendar, now, delay)
    enrollment.updated_at = now
    _log(session, enrollment.lead_id, f"Sequence {sequence.label!r} resumed", actor, now)
    session.flush()
    return enrollment


def pause(session: Session, enrollment_id: uuid.UUID, actor: str | None, now: datetime) -> SequenceEnrollment:
    """Pause an active enrolment by hand; resume() plans its next step again."""
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status != "active":
        raise SequenceError(f"the enrolment is {enrollment.status}, not active, so it cannot be paused")
    _set_status(enrollment, "paused", f"paused by {actor or 'a user'}", now)
    _log(session, enrollment.lead_id, f"Sequence {enrollment.sequence_key!r} paused by hand", actor, now)
    session.flush()
    return enrollment


def stop(
    session: Session,
    enrollment_id: uuid.UUID,
    actor: str | None,
    now: datetime,
    catalog: SequenceOf[Sequence] | None = None,
) -> SequenceEnrollment:
    """Stop an active or paused enrolment for good, and close the open follow-ups its steps created.

    Closed follow-ups get completed_at and completed_by, so triage undo restores them.
    catalog defaults to the active playbook's sequences.
    """
    enrollment = _enrollment(session, enrollment_id)
    if enrollment.status not in ("active", "paused"):
        raise SequenceError(f"the enrolment is already {enrollment.status}")
    _set_status(enrollment, "stopped", f"stopped by {actor or 'a user'}", now)
    legacy_notes = _legacy_notes(enrollment, load_catalog(session) if catalog is None else catalog)
    closed = close_step_follow_ups(session, enrollment, legacy_notes, actor, now)
    _log(session, enrollment.lead_id, f"Sequence {enrollment.sequence_key!r} stopped by hand{_closed_text(closed)}", actor, now)
    session.flush()
    return enrollment


def _legacy_notes(enrollment: SequenceEnrollment, catalog: SequenceOf[Sequence]) -> tuple[str, ...]:
    """Return the notes that the enrolment's steps so far wrote, to find their follow-ups without enrollment_id."""
    sequence = _find_or_none(enrollment.sequence_key, catalog)
    if sequence is None:
        return ()
    return tuple(step_note(sequence, index) for index in range(min(enrollment.step_index, len(sequence.steps))))


def _closed_text(closed: int) -> str:
    if not closed:
        return ""
    return f"; closed {closed} open follow-up{'s' if closed != 1 else ''} of its steps"


def step_note(sequence: Sequence, index: int) -> str:
    """Return the follow-up note of a step, such as "New inbound lead, step 1 of 5 (email, template first_touch): ..."."""
    step = sequence.steps[index]
    channel = step.channel.value if step.template is None else f"{step.channel.value}, template {step.template}"
    note = f"{sequence.label}, step {index + 1} of {len(sequence.steps)} ({channel})"
    if step.note:
        note += f": {step.note}"
    return note


def next_step_at(session: Session) -> datetime | None:
    """Return the earliest next_step_at of all active enrolments, for arming the timer."""
    return session.scalar(
        select(SequenceEnrollment.next_step_at)
        .where(SequenceEnrollment.status == "active", SequenceEnrollment.next_step_at.is_not(None))
        .order_by(SequenceEnrollment.next_step_at)
        .limit(1)
    )


def _find_or_none(key: str, catalog: SequenceOf[Sequence]) -> Sequence | None:
    return next((sequence for sequence in catalog if sequence.key == key), None)


def _enrollment(session: Session, enrollment_id: uuid.UUID) -> SequenceEnrollment:
    enrollment = session.get(SequenceEnrollment, enrollment_id)
    if enrollment is None:
        raise SequenceError(f"sequence enrolment {enrollment_id} not found; refresh the lead")
    return enrollment


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
