"""Wall-clock times in an IANA timezone: resolving them to instants, repeating them and snooze targets.

Follow-ups are planned in local time ("every weekday at 09:00 in Berlin"), so the
arithmetic here steps local dates and resolves each one to UTC on its own. Adding a
timedelta to an aware datetime would keep the UTC offset and slide the time by an hour
across a DST change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A date-only follow-up comes due at this local time, the start of a default business day.
ALL_DAY_DUE_TIME = time(9, 0)
# "Tomorrow" and "next Monday" snoozes land at this local time.
SNOOZE_MORNING = time(9, 0)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATE_FORMAT = "%Y-%m-%d"


class LocalTimeError(ValueError):
    """An invalid timezone name, wall time or recurrence. The message names the value and the fix."""


@dataclass(frozen=True)
class LocalDue:
    """A due time as the user typed it: a wall time (or a date) in an IANA timezone."""

    wall: datetime
    zone_name: str
    all_day: bool = False

    @classmethod
    def at(cls, wall: datetime, zone_name: str) -> LocalDue:
        if wall.tzinfo is not None:
            raise LocalTimeError(f"wall time {wall.isoformat()} has a UTC offset; pass the naive local time")
        zone(zone_name)
        return cls(wall.replace(second=0, microsecond=0), zone_name, all_day=False)

    @classmethod
    def on(cls, day: date, zone_name: str) -> LocalDue:
        zone(zone_name)
        return cls(datetime.combine(day, ALL_DAY_DUE_TIME), zone_name, all_day=True)

    @classmethod
    def parse(cls, text: str, zone_name: str, all_day: bool) -> LocalDue:
        """Read a stored due_local value ("2026-03-29T09:00" or "2026-03-29")."""
        try:
            if all_day:
                return cls.on(datetime.strptime(text, DATE_FORMAT).date(), zone_name)
            return cls.at(datetime.strptime(text, LOCAL_FORMAT), zone_name)
        except ValueError as error:
            if isinstance(error, LocalTimeError):
                raise
            expected = "YYYY-MM-DD" if all_day else "YYYY-MM-DDTHH:MM"
            raise LocalTimeError(f"invalid stored due time {text!r}; expected {expected}") from error

    def text(self) -> str:
        """Return the value stored in FollowUp.due_local."""
        return self.wall.strftime(DATE_FORMAT if self.all_day else LOCAL_FORMAT)

    def instant(self) -> datetime:
        return resolve_wall_time(self.wall, zone(self.zone_name))

    def with_day(self, day: date) -> LocalDue:
        return LocalDue(datetime.combine(day, self.wall.time()), self.zone_name, self.all_day)


def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name, or raise LocalTimeError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise LocalTimeError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin") from error


def resolve_wall_time(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive wall time in tz.

    A wall time that does not exist (skipped by a spring-forward change) moves forward by
    the length of the gap, so 02:30 on a day that jumps from 02:00 to 03:00 becomes 03:30.
    A wall time that exists twice (autumn) resolves to its first occurrence only, so a
    follow-up at 02:30 on that night fires once.
    """
    # fold=0 reads a skipped time with the offset in force before the gap, which moves it
    # forward by the gap, and picks the earlier of two repeated times.
    return wall.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


def is_skipped(wall: datetime, tz: ZoneInfo) -> bool:
    """Return True when the wall time does not exist in tz on that date."""
    round_trip = resolve_wall_time(wall, tz).astimezone(tz).replace(tzinfo=None)
    return round_trip != wall


def next_occurrence(due: LocalDue, recurrence: str) -> LocalDue:
    """Return the next local occurrence after due for a recurrence of RECURRENCES."""
    day = due.wall.date()
    if recurrence == "daily":
        return due.with_day(day + timedelta(days=1))
    if recurrence == "weekly":
        return due.with_day(day + timedelta(days=7))
    if recurrence == "weekdays":
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return due.with_day(day)
    raise LocalTimeError(f"unknown recurrence {recurrence!r}; use daily, weekdays or weekly")


def next_occurrence_after(due: LocalDue, recurrence: str, after: datetime) -> LocalDue:
    """Return the first occurrence after due whose instant is later than after.

    Completing a daily follow-up three days late schedules tomorrow's, not three past ones.
    """
    following = next_occurrence(due, recurrence)
    while following.instant() <= after:
        following = next_occurrence(following, recurrence)
    return following


class SnoozeOption(str, enum.Enum):
    TEN_MINUTES = "10min"
    ONE_HOUR = "1h"
    TOMORROW_MORNING = "tomorrow"
    NEXT_MONDAY = "monday"


SNOOZE_LABELS = {
    SnoozeOption.TEN_MINUTES: "10 minutes",
    SnoozeOption.ONE_HOUR: "1 hour",
    SnoozeOption.TOMORROW_MORNING: "Tomorrow 09:00",
    SnoozeOption.NEXT_MONDAY: "Next Monday 09:00",
}


def snooze_target(option: SnoozeOption, now: datetime, zone_name: str) -> datetime:
    """Return the UTC instant a snooze chosen at now ends, reading "tomorrow" and "Monday" in zone_name.

    On a Monday, "next Monday" is seven days later.
    """
    if now.tzinfo is None:
        raise LocalTimeError(f"now {now.isoformat()} is naive; attach a timezone")
    if option is SnoozeOption.TEN_MINUTES:
        return (now + timedelta(minutes=10)).astimezone(timezone.utc)
    if option is SnoozeOption.ONE_HOUR:
        return (now + timedelta(hours=1)).astimezone(timezone.utc)

    tz = zone(zone_name)
    today = now.astimezone(tz).date()
    if option is SnoozeOption.TOMORROW_MORNING:
        day = today + timedelta(days=1)
    else:
        day = today + timedelta(days=7 - today.weekday())
    return resolve_wall_time(datetime.combine(day, SNOOZE_MORNING), tz)
