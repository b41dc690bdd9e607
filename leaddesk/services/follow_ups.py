"""Follow-ups on a lead: plan, complete, snooze and reschedule, including repeating ones.

Every function takes now from the caller (a clock injected by the window, or a fixed
instant in tests), writes in the caller's session without committing, keeps
lead.next_follow_up_at at the earliest open follow-up and logs an Activity.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import RECURRENCES, Activity, ActivityKind, FollowUp, Lead
from leaddesk.services.local_time import (
    SNOOZE_LABELS,
    LocalDue,
    LocalTimeError,
    SnoozeOption,
    next_occurrence_after,
    snooze_target,
    zone,
)

logger = logging.getLogger(__name__)


class Keep(enum.Enum):
    """The default of reschedule's recurrence, which leaves the repeat rule as it is."""

    RECURRENCE = "keep"


class FollowUpError(Exception):
    """A follow-up action that cannot be done. The message explains why and what to do."""


@dataclass(frozen=True)
class FollowUpChange:
    """The result of one follow-up action."""

    lead_id: uuid.UUID
    follow_up_id: uuid.UUID
    action: str
    due_at: datetime | None
    activity_id: uuid.UUID | None = None
    # The next occurrence that completing a repeating follow-up created.
    next_follow_up_id: uuid.UUID | None = None


@dataclass(frozen=True)
class FollowUpPlan:
    """A planned follow-up as the dialog collects it: the local due time or date, note, repeat rule and owner.

    recurrence is one of RECURRENCES or None. owner_id None gives the follow-up to the lead's owner.
    """

    due: LocalDue
    note: str = ""
    recurrence: str | None = None
    owner_id: uuid.UUID | None = None


def local_due_for_instant(instant: datetime, zone_name: str) -> LocalDue:
    """Return the wall time in zone_name that an aware instant shows there."""
    if instant.tzinfo is None:
        raise LocalTimeError(f"due time {instant.isoformat()} is naive; attach a timezone")
    wall = instant.astimezone(zone(zone_name)).replace(tzinfo=None)
    return LocalDue.at(wall, zone_name)


def add_follow_up(
    session: Session,
    lead: Lead,
    due: LocalDue,
    note: str,
    now: datetime,
    recurrence: str | None = None,
    owner_id: uuid.UUID | None = None,
    enrollment_id: uuid.UUID | None = None,
) -> FollowUp:
    """Add an open follow-up row to lead and move lead.next_follow_up_at; log nothing.

    enrollment_id names the sequence enrolment whose step this follow-up is.
    """
    _check_recurrence(recurrence)
    follow_up = FollowUp(
        lead_id=lead.id,
        owner_id=owner_id if owner_id is not None else lead.owner_id,
        due_at=due.instant(),
        due_local=due.text(),
        time_zone=due.zone_name,
        all_day=due.all_day,
        recurrence=recurrence,
        note=note.strip(),
        enrollment_id=enrollment_id,
        created_at=now,
    )
    session.add(follow_up)
    session.flush()
    refresh_next_follow_up(session, lead)
    return follow_up


def schedule(
    session: Session,
    lead_id: uuid.UUID,
    due: LocalDue,
    note: str,
    actor: str | None,
    now: datetime,
    recurrence: str | None = None,
    owner_id: uuid.UUID | None = None,
) -> FollowUpChange:
    """Plan a follow-up at a local wall time (or date) and log it on the lead's timeline."""
    _require_aware(now)
    lead = _get_lead(session, lead_id)
    follow_up = add_follow_up(session, lead, due, note, now, recurrence, owner_id)
    lead.updated_by = actor

    summary = f"Follow-up due {describe_due(follow_up)}"
    if follow_up.note:
        summary += f": {follow_up.note}"
    activity = _log(session, lead, ActivityKind.FOLLOW_UP_SET, summary, actor, now)
    return _finish(session, "schedule", follow_up, activity)


def complete(session: Session, follow_up_id: uuid.UUID, actor: str | None, now: datetime) -> FollowUpChange:
    """Mark a follow-up done. A repeating one gets its next occurrence after now as a new open follow-up.

    Completing a follow-up that is already done changes nothing and logs nothing.
    """
    _require_aware(now)
    follow_up = _get_follow_up(session, follow_up_id)
    lead = _get_lead(session, follow_up.lead_id)
    if follow_up.completed_at is not None:
        return FollowUpChange(lead.id, follow_up.id, "complete", None)

    next_row = mark_done(session, follow_up, actor, now)
    refresh_next_follow_up(session, lead)
    lead.updated_by = actor

    summary = "Follow-up done" + (f": {follow_up.note}" if follow_up.note else "")
    if next_row is not None:
        summary += f"; next one due {describe_due(next_row)}"
    activity = _log(session, lead, ActivityKind.FOLLOW_UP_DONE, summary, actor, now)
    change = _finish(session, "complete", follow_up, activity)
    return FollowUpChange(
        change.lead_id,
        change.follow_up_id,
        change.action,
        next_row.due_at if next_row else None,
        change.activity_id,
        next_row.id if next_row else None,
    )


def mark_done(session: Session, follow_up: FollowUp, actor: str | None, now: datetime) -> FollowUp | None:
    """Set completed_at, and for a repeating follow-up add and return its next occurrence."""
    follow_up.completed_at = now
    follow_up.completed_by = actor
    if follow_up.recurrence is None:
        session.flush()
        return None

    current = LocalDue.parse(follow_up.due_local, follow_up.time_zone, follow_up.all_day)
    # The series keeps its wall time: a snooze moved only this occurrence.
    following = next_occurrence_after(current, follow_up.recurrence, now)
    next_row = FollowUp(
        lead_id=follow_up.lead_id,
        owner_id=follow_up.owner_id,
        due_at=following.instant(),
        due_local=following.text(),
        time_zone=following.zone_name,
        all_day=following.all_day,
        recurrence=follow_up.recurrence,
        note=follow_up.note,
        enrollment_id=follow_up.enrollment_id,
        created_at=now,
    )
    session.add(next_row)
    session.flush()
    return next_row


def snooze(
    session: Session,
    follow_up_id: uuid.UUID,
    until: SnoozeOption | datetime,
    actor: str | None,
    now: datetime,
) -> FollowUpChange:
    """Move an open follow-up's due instant to a snooze option or a custom instant after now.

    The stored wall time stays, so a repeating series continues at its usual time.
    """
    _require_aware(now)
    follow_up = _get_follow_up(session, follow_up_id)
    lead = _get_lead(session, follow_up.lead_id)
    if follow_up.completed_at is not None:
        raise FollowUpError(f"follow-up {follow_up_id} is already done; plan a new one instead of snoozing it")

    if isinstance(until, SnoozeOption):
        target = snooze_target(until, now, follow_up.time_zone)
        label = SNOOZE_LABELS[until]
    else:
        target = _require_aware(until).astimezone(timezone.utc)
        label = target.astimezone(zone(follow_up.time_zone)).strftime("%Y-%m-%d %H:%M")
    if target <= now:
        raise FollowUpError(
            f"snooze time {target.isoformat()} is not in the future; pick a time after {now.isoformat()}"
        )

    follow_up.snoozed_until = target
    follow_up.due_at = target
    session.flush()
    refresh_next_follow_up(session, lead)
    lead.updated_by = actor
    activity = _log(session, lead, ActivityKind.FOLLOW_UP_SNOOZED, f"Follow-up snoozed: {label}", actor, now)
    return _finish(session, "snooze", follow_up, activity)


def reschedule(
    session: Session,
    follow_up_id: uuid.UUID,
    due: LocalDue,
    actor: str | None,
    now: datetime,
    recurrence: str | None | Keep = Keep.RECURRENCE,
) -> FollowUpChange:
    """Give an open follow-up a new local due time, ending any snooze.

    Passing recurrence replaces the repeat rule (None stops repeating); leaving it out keeps it.
    """
    _require_aware(now)
    follow_up = _get_follow_up(session, follow_up_id)
    lead = _get_lead(session, follow_up.lead_id)
    if follow_up.completed_at is not None:
        raise FollowUpError(f"follow-up {follow_up_id} is already done; plan a new one instead of rescheduling it")
    if not isinstance(recurrence, Keep):
        _check_recurrence(recurrence)
        follow_up.recurrence = recurrence

    follow_up.due_local = due.text()
    follow_up.time_zone = due.zone_name
    follow_up.all_day = due.all_day
    follow_up.snoozed_until = None
    follow_up.due_at = due.instant()
    session.flush()
    refresh_next_follow_up(session, lead)
    lead.updated_by = actor
    activity = _log(
        session, lead, ActivityKind.FOLLOW_UP_SET, f"Follow-up moved to {describe_due(follow_up)}", actor, now
    )
    return _finish(session, "reschedule", follow_up, activity)


def describe_due(follow_up: FollowUp) -> str:
    """Return "2026-03-30 09:00 Europe/Berlin", "2026-03-30 (all day) UTC", with the repeat rule if any."""
    due = LocalDue.parse(follow_up.due_local, follow_up.time_zone, follow_up.all_day)
    text = f"{due.wall:%Y-%m-%d} (all day)" if due.all_day else f"{due.wall:%Y-%m-%d %H:%M}"
    text += f" {due.zone_name}"
    if follow_up.recurrence:
        text += f", repeats {follow_up.recurrence}"
    return text


def refresh_next_follow_up(session: Session, lead: Lead) -> None:
    statement = select(func.min(FollowUp.due_at)).where(
        FollowUp.lead_id == lead.id, FollowUp.completed_at.is_(None)
    )
    lead.next_follow_up_at = session.scalar(statement)


def _check_recurrence(recurrence: str | None) -> None:
    if recurrence is not None and recurrence not in RECURRENCES:
        raise FollowUpError(f"invalid recurrence {recurrence!r}; expected one of: {', '.join(RECURRENCES)}")


def _get_follow_up(session: Session, follow_up_id: uuid.UUID) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise FollowUpError(f"follow-up {follow_up_id} not found; it may have been deleted, so refresh the inbox")
    return follow_up


def _get_lead(session: Session, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise FollowUpError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")
    return lead


def _log(session: Session, lead: Lead, kind: ActivityKind, summary: str, actor: str | None, now: datetime) -> Activity:
    activity = Activity(lead_id=lead.id, kind=kind.value, occurred_at=now, summary=summary, actor=actor, created_at=now)
    session.add(activity)
    return activity


def _finish(session: Session, action: str, follow_up: FollowUp, activity: Activity) -> FollowUpChange:
    session.flush()
    logger.info("follow-up %s on lead %s: %s, due %s", follow_up.id, follow_up.lead_id, action, follow_up.due_at)
    return FollowUpChange(follow_up.lead_id, follow_up.id, action, follow_up.due_at, activity.id)


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise LocalTimeError(f"instant {instant.isoformat()} is naive; attach a timezone")
    return instant
