"""Business hours in a team's timezone, and time arithmetic that counts only open hours.

All arithmetic runs on UTC instants. Python subtracts two aware datetimes that share a
tzinfo by wall time, which is wrong across a DST change, so local times are only used to
find each day's opening and closing and are converted to UTC at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

# Calendars with no open hour at all would loop forever; ten years of closed days is an error.
MAX_DAYS_SCANNED = 3660

WorkingHours = tuple[tuple[time, time], ...]

MONDAY_TO_FRIDAY_9_TO_6: Mapping[int, WorkingHours] = {
    weekday: ((time(9, 0), time(18, 0)),) for weekday in range(5)
}


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours (weekday 0 = Monday) in an IANA timezone, minus holidays and closed dates.

    holiday_country and holiday_subdivision name a country and region as the holidays
    package spells them ("US" and "CA", "DE" and "BY"). Its public holidays are closed all day.
    """

    timezone_name: str = "UTC"
    weekly_hours: Mapping[int, WorkingHours] = field(default_factory=lambda: dict(MONDAY_TO_FRIDAY_9_TO_6))
    closed_dates: frozenset[date] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    # Open intervals per local date; the calendar is immutable, so they never go stale.
    _interval_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _holiday_table: dict[str, holidays.HolidayBase] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    def local_date(self, instant: datetime) -> date:
        return _require_aware(instant).astimezone(self.zone).date()

    def open_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Return the day's open intervals as UTC instants, in order."""
        cached = self._interval_cache.get(day)
        if cached is not None:
            return cached
        intervals = tuple(self._compute_open_intervals(day))
        self._interval_cache[day] = intervals
        return intervals

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the public holiday or "closed date" on day, or None on an ordinary day."""
        if day in self.closed_dates:
            return "closed date"
        if self.holiday_country is None:
            return None
        return self._public_holidays().get(day)

    def _public_holidays(self) -> holidays.HolidayBase:
        found = self._holiday_table.get("table")
        if found is None:
            # The table fills in each year on first lookup of a date in it.
            found = holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            self._holiday_table["table"] = found
        return found

    def _compute_open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if self.holiday_name(day) is not None:
            return []
        intervals = []
        for opens, closes in self.weekly_hours.get(day.weekday(), ()):
            start = datetime.combine(day, opens, tzinfo=self.zone).astimezone(timezone.utc)
            # A closing of time.max is the playbook's "24:00": the interval ends at the next midnight.
            closing_day, closing_time = (day + timedelta(days=1), time(0)) if closes == time.max else (day, closes)
            end = datetime.combine(closing_day, closing_time, tzinfo=self.zone).astimezone(timezone.utc)
            if end > start:
                intervals.append((start, end))
        return intervals

    def is_business_day(self, day: date) -> bool:
        return bool(self.open_intervals(day))

    def is_open(self, instant: datetime) -> bool:
        """Return whether instant falls inside an open interval (the closing instant itself is closed)."""
        instant = _require_aware(instant).astimezone(timezone.utc)
        day = self.local_date(instant)
        return any(start <= instant < end for start, end in self.open_intervals(day))

    def _intervals_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the open intervals that end after instant, clipped to start no earlier than it."""
        instant = _require_aware(instant).astimezone(timezone.utc)
        # Start a day early: in a zone west of UTC, the local day of an instant can begin before it.
        day = self.local_date(instant) - timedelta(days=1)
        for _ in range(MAX_DAYS_SCANNED):
            for start, end in self.open_intervals(day):
                if end > instant:
                    yield max(start, instant), end
            day += timedelta(days=1)
        raise ValueError(
            f"the business calendar in {self.timezone_name} has no open hours in {MAX_DAYS_SCANNED} days; "
            "add opening hours to the playbook"
        )

    def next_opening(self, instant: datetime) -> datetime:
        """Return instant if the business is open then, else the next opening."""
        start, _end = next(self._intervals_from(instant))
        return start

    def add_business_time(self, instant: datetime, budget: timedelta) -> datetime:
        """Return the instant at which budget of open time has passed since instant.

        A budget that runs out exactly at closing time is due at closing time, not at the
        next opening.
        """
        if budget < timedelta(0):
            raise ValueError(f"a business-time budget cannot be negative, got {budget}")
        remaining = budget
        for start, end in self._intervals_from(instant):
            available = end - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from raises when it runs out of days")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the open time between two instants (zero if end is not after start)."""
        start = _require_aware(start).astimezone(timezone.utc)
        end = _require_aware(end).astimezone(timezone.utc)
        total = timedelta(0)
        if end <= start:
            return total
        for interval_start, interval_end in self._intervals_from(start):
            if interval_start >= end:
                break
            total += min(interval_end, end) - interval_start
        return total

    def end_of_next_business_day(self, instant: datetime) -> datetime:
        """Return the closing time of the business day after the one that end_of_business_day picks."""
        first_start, _first_end = next(self._intervals_from(instant))
        day = self.local_date(first_start) + timedelta(days=1)
        for _ in range(MAX_DAYS_SCANNED):
            intervals = self.open_intervals(day)
            if intervals:
                return intervals[-1][1]
            day += timedelta(days=1)
        raise ValueError(
            f"the business calendar in {self.timezone_name} has no open hours in {MAX_DAYS_SCANNED} days; "
            "add opening hours to the playbook"
        )

    def end_of_business_day(self, instant: datetime) -> datetime:
        """Return the closing time of the business day that instant falls in.

        Before opening on a business day, that is the same day's closing. After the last
        closing, on a weekend or on a closed date, it is the closing of the next business day.
        """
        first_start, _first_end = next(self._intervals_from(instant))
        day = self.local_date(first_start)
        return self.open_intervals(day)[-1][1]


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()} is ambiguous; attach a timezone")
    return instant
