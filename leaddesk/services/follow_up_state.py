"""Whether a follow-up is upcoming, due today or overdue, judged by the user's local date.

A date-only follow-up is due today for the whole of its date in the user's timezone and
overdue from the next local midnight, although its reminder fires at 09:00 on that date
in the follow-up's own timezone (see reminder_at). A timed follow-up, and a snoozed date-only one, is overdue from its due instant
on, and due today while that instant is still ahead on the user's local date.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_

from leaddesk.models import FollowUp
from leaddesk.services.local_time import DATE_FORMAT, LocalTimeError, resolve_wall_time, zone

# reminder_at is later than due_at by at most 17 hours: UTC offsets span 26 hours (UTC-12
# to UTC+14), less the 9 hours from midnight to the 09:00 reminder. Queries use this bound
# so that they scan only recent due_at values on its index.
MAX_REMINDER_DELAY = timedelta(days=1)


class FollowUpState(str, enum.Enum):
    UPCOMING = "upcoming"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


def local_today(now: datetime, zone_name: str | None = None) -> date:
    """Return the user's local date at now, in zone_name, or in the machine's timezone when zone_name is None."""
    if now.tzinfo is None:
        raise LocalTimeError(f"now {now.isoformat()} is naive; attach a timezone")
    if zone_name is None:
        return now.astimezone().date()
    return now.astimezone(zone(zone_name)).date()


def is_date_only(follow_up: FollowUp) -> bool:
    """Return True for an all-day follow-up without an active snooze, which is judged by its date."""
    return bool(follow_up.all_day) and follow_up.snoozed_until is None


def date_only_condition() -> ColumnElement[bool]:
    """Return the SQL form of is_date_only."""
    return and_(FollowUp.all_day.is_(True), FollowUp.snoozed_until.is_(None))


def due_condition(now: datetime, today: date) -> ColumnElement[bool]:
    """Return the SQL condition that a follow-up is open and due at now, as the inbox's follow-up group reads it.

    A timed or snoozed follow-up is due from its due instant on, and a date-only one from
    the start of its date on the user's local date today.
    """
    # Dates are stored as "YYYY-MM-DD", so text order is date order.
    timed_due = and_(~date_only_condition(), FollowUp.due_at <= now)
    date_due = and_(date_only_condition(), FollowUp.due_local <= today.isoformat())
    return and_(FollowUp.completed_at.is_(None), or_(timed_due, date_due))


def due_date(follow_up: FollowUp) -> date:
    """Return the stored date of an all-day follow-up, or raise LocalTimeError naming the bad value."""
    try:
        return datetime.strptime(follow_up.due_local, DATE_FORMAT).date()
    except ValueError as error:
        raise LocalTimeError(
            f"follow-up {follow_up.id} has invalid date {follow_up.due_local!r}; expected YYYY-MM-DD, "
            "so reschedule it to a valid date"
        ) from error


def follow_up_state(follow_up: FollowUp, now: datetime, zone_name: str | None = None) -> FollowUpState:
    """Return the state of an open follow-up at now for a user in zone_name (None: the machine's timezone)."""
    today = local_today(now, zone_name)
    if is_date_only(follow_up):
        day = due_date(follow_up)
        if day < today:
            return FollowUpState.OVERDUE
        if day == today:
            return FollowUpState.DUE_TODAY
        return FollowUpState.UPCOMING

    if follow_up.due_at <= now:
        return FollowUpState.OVERDUE
    if local_today(follow_up.due_at, zone_name) == today:
        return FollowUpState.DUE_TODAY
    return FollowUpState.UPCOMING


def local_midnight(day: date, zone_name: str) -> datetime:
    """Return the UTC instant at which day begins in zone_name (the first existing wall time on that date)."""
    return resolve_wall_time(datetime.combine(day, time(0, 0)), zone(zone_name))


def reminder_at(follow_up: FollowUp, zone_name: str) -> datetime:
    """Return when the user in zone_name is reminded of an open follow-up.

    That is due_at, except that a date-only follow-up planned in a timezone ahead of the
    user's waits for the start of its date in zone_name. Otherwise its 09:00 would remind
    the user on the day before, while follow_up_state still returns UPCOMING.
    """
    if not is_date_only(follow_up):
        return follow_up.due_at
    return max(follow_up.due_at, local_midnight(due_date(follow_up), zone_name))
