"""When the next reminder is due, and which due events a user has not been shown yet.

The window arms one timer for next_wake() and calls check() when it fires, when the data
changes and when the wall clock jumps (sleep, clock change, timezone change). check()
shows every event that fell due since the user's last check in one notification, and
records each (event, user) pair in notification_receipts. The primary key of that table
lets only one window (or one process on a shared database file) claim a pair, so no
event reaches the same user twice.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from leaddesk.models import Activity, FollowUp, Lead, NotificationReceipt, Rep, Setting
from leaddesk.services import sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.follow_up_state import (
    MAX_REMINDER_DELAY,
    date_only_condition,
    local_midnight,
    local_today,
    reminder_at,
)
from leaddesk.services.notifications.notifier import Notification
from leaddesk.services.notifications.preferences import NotifyPreferences, Scope
from leaddesk.services.notifications.summary import summarize

logger = logging.getLogger(__name__)

# Stages in which a lead still waits for its first response and can breach its deadline.
OPEN_STAGES = ("new", "contacted", "qualified")


# The columns Lead.display_name reads, in its order of preference.
NAME_COLUMNS = (Lead.full_name, Lead.first_name, Lead.last_name, Lead.email, Lead.company, Lead.phone)


def _display_name(
    full_name: str | None, first: str | None, last: str | None, email: str | None, company: str | None, phone: str | None
) -> str:
    """Return Lead.display_name from the columns alone; building a Lead per row costs 75 us each."""
    if full_name:
        return full_name
    joined = " ".join(part for part in (first, last) if part)
    return joined or email or company or phone or "(no name)"


class EventKind(str, enum.Enum):
    FOLLOW_UP_DUE = "follow_up"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    # An escalation step that leaddesk.services.escalation ran and logged on the timeline.
    ESCALATION = "escalation"


@dataclass(frozen=True)
class DueEvent:
    """One moment a user should hear about: a follow-up coming due or a response deadline nearing or passing."""

    kind: EventKind
    at: datetime
    lead_id: uuid.UUID
    lead_name: str
    follow_up_id: uuid.UUID | None = None
    note: str = ""

    @property
    def key(self) -> str:
        """Return the receipt key. It contains the instant, so a snoozed follow-up notifies again at its new time."""
        subject = self.follow_up_id or self.lead_id
        if self.kind is EventKind.ESCALATION:
            # A lead's ladder may run two steps in one pass, at the same instant.
            subject = f"{subject}:{self.note}"
        return f"{self.kind.value}:{subject}:{self.at.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S}"


@dataclass(frozen=True)
class CheckResult:
    """The events one check claimed, their notification and the instant of the next check (None: nothing is scheduled)."""

    events: tuple[DueEvent, ...]
    notification: Notification | None
    next_wake: datetime | None
    quiet_until: datetime | None = None


def events_between(
    session: Session, preferences: NotifyPreferences, after: datetime | None, until: datetime | None
) -> list[DueEvent]:
    """Return the events in scope with after < at <= until, oldest first. None leaves a bound open."""
    events = _follow_up_events(session, preferences, after, until)
    events += _sla_events(session, preferences, after, until)
    events += _escalation_events(session, preferences, after, until)
    events.sort(key=lambda event: (event.at, event.kind.value, event.lead_name))
    return events


def _window(column, after: datetime | None, until: datetime | None):
    conditions = []
    if after is not None:
        conditions.append(column > after)
    if until is not None:
        conditions.append(column <= until)
    return and_(*conditions) if conditions else True


def _scope_filter(preferences: NotifyPreferences, owner_column):
    if preferences.scope is Scope.TEAM:
        return True
    if not preferences.rep_name:
        return False
    # Rep names match without regard to case, as the "My ..." inbox views match them.
    rep_ids = select(Rep.id).where(func.lower(Rep.name) == preferences.rep_name.lower())
    return owner_column.in_(rep_ids)


def _follow_up_events(
    session: Session, preferences: NotifyPreferences, after: datetime | None, until: datetime | None
) -> list[DueEvent]:
    due_window = _window(FollowUp.due_at, after, until)
    if after is not None:
        # A date-only follow-up is reminded at reminder_at, which may be later than due_at,
        # so one whose due_at is at or before after still falls in this window when its
        # date starts after the user's local date at after.
        after_day = local_today(after, preferences.zone_name).isoformat()
        held_back = and_(
            date_only_condition(),
            FollowUp.due_local > after_day,
            _window(FollowUp.due_at, after - MAX_REMINDER_DELAY, until),
        )
        due_window = or_(due_window, held_back)
    statement = (
        select(FollowUp, Lead)
        .join(Lead, Lead.id == FollowUp.lead_id)
        .where(FollowUp.completed_at.is_(None), Lead.deleted_at.is_(None), due_window, _follow_up_scope(preferences))
    )
    events = []
    for follow_up, lead in session.execute(statement):
        at = reminder_at(follow_up, preferences.zone_name)
        if (after is None or at > after) and (until is None or at <= until):
            events.append(DueEvent(EventKind.FOLLOW_UP_DUE, at, lead.id, lead.display_name, follow_up.id, follow_up.note))
    return events


def _follow_up_scope(preferences: NotifyPreferences):
    # A follow-up without an owner belongs to the lead's owner.
    return or_(
        _scope_filter(preferences, FollowUp.owner_id),
        and_(FollowUp.owner_id.is_(None), _scope_filter(preferences, Lead.owner_id)),
    )


def _sla_events(
    session: Session, preferences: NotifyPreferences, after: datetime | None, until: datetime | None
) -> list[DueEvent]:
    waiting = and_(
        Lead.first_contacted_at.is_(None),
        Lead.deleted_at.is_(None),
        Lead.stage.in_(OPEN_STAGES),
        _scope_filter(preferences, Lead.owner_id),
    )
    events = []
    for kind, column in ((EventKind.SLA_WARNING, Lead.response_warn_at), (EventKind.SLA_BREACH, Lead.response_due_at)):
        # Only the columns of the name, because a catch-up may cover thousands of leads.
        statement = select(Lead.id, column, *NAME_COLUMNS).where(waiting, column.is_not(None), _window(column, after, until))
        for lead_id, at, *name_parts in session.execute(statement):
            events.append(DueEvent(kind, at, lead_id, _display_name(*name_parts)))
    return events


def _escalation_events(
    session: Session, preferences: NotifyPreferences, after: datetime | None, until: datetime | None
) -> list[DueEvent]:
    # Escalations are logged when they run, so they are only ever in the past and never arm the timer.
    if until is None:
        return []
    statement = (
        select(Activity, Lead)
        .join(Lead, Lead.id == Activity.lead_id)
        .where(
            Activity.kind == EventKind.ESCALATION.value,
            Lead.deleted_at.is_(None),
            _window(Activity.occurred_at, after, until),
            _scope_filter(preferences, Lead.owner_id),
        )
    )
    return [
        DueEvent(EventKind.ESCALATION, activity.occurred_at, lead.id, lead.display_name, note=activity.summary)
        for activity, lead in session.execute(statement)
    ]


def next_event_at(session: Session, preferences: NotifyPreferences, now: datetime) -> datetime | None:
    """Return the instant of the earliest event in scope after now, or None.

    Each source is one MIN() query on an indexed column, so arming costs the same for ten
    leads or a hundred thousand.
    """
    open_follow_ups = and_(FollowUp.completed_at.is_(None), Lead.deleted_at.is_(None), _follow_up_scope(preferences))
    follow_up_at = session.scalar(
        select(func.min(FollowUp.due_at)).join(Lead, Lead.id == FollowUp.lead_id).where(open_follow_ups, FollowUp.due_at > now)
    )
    candidates = [follow_up_at]
    # A date-only follow-up whose due_at has passed before its date began for the user is
    # reminded at the user's local midnight (see reminder_at). A date-only one with a later
    # due_at may wake the timer early through the query above, and that check claims nothing.
    held_back_day = session.scalar(
        select(func.min(FollowUp.due_local))
        .join(Lead, Lead.id == FollowUp.lead_id)
        .where(
            open_follow_ups,
            date_only_condition(),
            FollowUp.due_at <= now,
            FollowUp.due_at > now - MAX_REMINDER_DELAY,
            FollowUp.due_local > local_today(now, preferences.zone_name).isoformat(),
        )
    )
    if held_back_day is not None:
        candidates.append(local_midnight(date.fromisoformat(held_back_day), preferences.zone_name))
    waiting = and_(
        Lead.first_contacted_at.is_(None),
        Lead.deleted_at.is_(None),
        Lead.stage.in_(OPEN_STAGES),
        _scope_filter(preferences, Lead.owner_id),
    )
    for column in (Lead.response_warn_at, Lead.response_due_at):
        candidates.append(session.scalar(select(func.min(column)).where(waiting, column > now)))
    instants = [value for value in candidates if value is not None]
    return min(instants) if instants else None


def claim(session: Session, events: list[DueEvent], user: str, now: datetime) -> list[DueEvent]:
    """Record that user was shown each event, and return only those no one had claimed for user before.

    INSERT ... ON CONFLICT DO NOTHING RETURNING returns exactly the rows this call
    inserted, even when another window inserts at the same time.
    """
    by_key = {event.key: event for event in events}
    if not by_key:
        return []
    rows = [{"event_key": key, "recipient": user, "notified_at": now} for key in by_key]
    table = NotificationReceipt.__table__
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql_insert(table).on_conflict_do_nothing().returning(table.c.event_key)
        inserted = set(session.scalars(statement, rows))
    elif sqlite3.sqlite_version_info >= (3, 35):
        # SQLAlchemy batches the rows into multi-row statements ("insertmanyvalues").
        statement = sqlite_insert(table).on_conflict_do_nothing().returning(table.c.event_key)
        inserted = set(session.scalars(statement, rows))
    else:
        # SQLite before 3.35 has no RETURNING, so each row is its own statement.
        inserted = set()
        for row in rows:
            if session.execute(sqlite_insert(table).values(row).on_conflict_do_nothing()).rowcount == 1:
                inserted.add(row["event_key"])
    return [event for key, event in by_key.items() if key in inserted]


def _watermark_key(user: str) -> str:
    return f"notify:{user}:checked_until"


def last_checked(session: Session, user: str) -> datetime | None:
    setting = session.get(Setting, _watermark_key(user))
    if setting is None:
        return None
    return datetime.fromisoformat(setting.value)


def check(
    session: Session, preferences: NotifyPreferences, now: datetime, calendar: BusinessCalendar | None = None
) -> CheckResult:
    """Claim the events that fell due since the user's last check and build one notification for them.

    On a user's first check ever, only events due from now on count, so a new install
    does not show months of old deadlines. During quiet hours nothing is claimed and the
    next wake is the end of the quiet hours, when the waiting events come as one group.
    With a calendar, due sequence steps become follow-ups first, and the next step
    counts for the next wake.
    """
    if now.tzinfo is None:
        raise ValueError(f"now {now.isoformat()} is naive; attach a timezone")
    if calendar is None:
        return _check(session, preferences, now)
    sequences.advance(session, now, calendar)
    result = _check(session, preferences, now)
    step_at = sequences.next_step_at(session)
    if step_at is not None and (result.next_wake is None or step_at < result.next_wake):
        result = replace(result, next_wake=step_at)
    return result


def _check(session: Session, preferences: NotifyPreferences, now: datetime) -> CheckResult:
    quiet_until = preferences.quiet_until(now)
    if quiet_until is not None:
        upcoming = next_event_at(session, preferences, now)
        return CheckResult((), None, quiet_until if upcoming is None else max(upcoming, quiet_until), quiet_until)

    since = last_checked(session, preferences.user)
    due = events_between(session, preferences, since, now) if since is not None else []
    claimed = claim(session, due, preferences.user, now)
    session.merge(Setting(key=_watermark_key(preferences.user), value=now.astimezone(timezone.utc).isoformat()))
    session.flush()

    notification = summarize(claimed, now) if claimed else None
    if claimed:
        logger.info("showing %d due event(s) to %s", len(claimed), preferences.user)
    return CheckResult(tuple(claimed), notification, next_event_at(session, preferences, now))


def arm_delay(next_wake: datetime | None, now: datetime, maximum: timedelta) -> timedelta:
    """Return how long a timer should wait for next_wake, at most maximum and never negative."""
    if next_wake is None:
        return maximum
    return min(max(next_wake - now, timedelta(0)), maximum)
