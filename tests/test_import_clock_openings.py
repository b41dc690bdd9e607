"""ResponseClocks' next openings, remembered per local day, against the calendar's own scan."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.importing.clock import ResponseClocks
from leaddesk.services.playbook import ClockKind, Playbook
from leaddesk.services.sla import compute_response_clock

SPLIT_DAY = {weekday: ((time(9, 0), time(12, 0)), (time(13, 0), time(18, 0))) for weekday in range(5)}
# Saturday open until the playbook's "24:00", which ends at the next midnight.
SPLIT_DAY[5] = ((time(20, 0), time.max),)


def closed_instants(calendar: BusinessCalendar, days: int) -> list[datetime]:
    """Return every quarter hour of the days from 2025-03-28 at which the business is closed."""
    start = datetime(2025, 3, 28, tzinfo=timezone.utc)
    instants = [start + timedelta(minutes=15 * step) for step in range(days * 96)]
    return [instant for instant in instants if not calendar.is_open(instant)]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Pacific/Chatham"])
def test_remembered_openings_match_calendar(zone: str):
    calendar = BusinessCalendar(timezone_name=zone, weekly_hours=SPLIT_DAY, closed_dates=frozenset({date(2025, 4, 1)}))
    playbook = Playbook(calendar=calendar)
    clocks = ResponseClocks(playbook)
    # Twelve days across the spring DST change of Europe and the autumn one of Chatham.
    instants = closed_instants(calendar, 12)
    assert len(instants) > 500

    for instant in instants:
        for rule in playbook.segments:
            expected = compute_response_clock(rule, instant, playbook)
            assert clocks.deadlines(rule, instant) == (expected.due_at, expected.warn_at), (rule.key, instant)


def test_openings_remembered_once_per_span():
    calendar = BusinessCalendar(timezone_name="UTC", weekly_hours=SPLIT_DAY)
    clocks = ResponseClocks(Playbook(calendar=calendar))
    rule = next(rule for rule in clocks.playbook.segments if rule.clock is ClockKind.BUSINESS_HOURS)
    # Tuesday 2025-04-01: closed before 09:00, 12:00 to 13:00 and after 18:00.
    for hour, minute in ((0, 0), (7, 30), (8, 59), (12, 0), (12, 45), (18, 0), (23, 59)):
        clocks.deadlines(rule, datetime(2025, 4, 1, hour, minute, tzinfo=timezone.utc))

    assert clocks._openings == {
        (date(2025, 4, 1), 0): datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc),
        (date(2025, 4, 1), 1): datetime(2025, 4, 1, 13, 0, tzinfo=timezone.utc),
        (date(2025, 4, 1), 2): datetime(2025, 4, 2, 9, 0, tzinfo=timezone.utc),
    }
