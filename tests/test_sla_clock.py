"""The response clock on business calendars: weekends, evenings, DST changes, segments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leaddesk.models import Lead
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook import Playbook, parse_playbook, shipped_playbook_text
from leaddesk.services.sla import (
    ResponseState,
    format_remaining,
    response_state,
    speed_to_lead,
    start_response_clock,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _playbook(zone: str = "Europe/Berlin") -> Playbook:
    return Playbook(calendar=BusinessCalendar(timezone_name=zone))


def _lead(received_at: datetime, employees: int | None = None, source: str | None = None) -> Lead:
    return Lead(received_at=received_at, employee_count=employees, source=source, segment="general")


def test_mid_market_form_friday_evening_due_monday() -> None:
    friday_evening = datetime(2026, 12, 4, 17, 55, tzinfo=BERLIN)
    lead = _lead(friday_evening, employees=300, source="Website form")

    start_response_clock(lead, _playbook())

    assert lead.segment == "mid_market_form"
    assert lead.response_due_at == datetime(2026, 12, 7, 9, 10, tzinfo=BERLIN)
    # 75 % of 15 business minutes is 11 min 15 s: 5 min on Friday, 6 min 15 s on Monday.
    assert lead.response_warn_at == datetime(2026, 12, 7, 9, 6, 15, tzinfo=BERLIN)


def test_mid_market_form_saturday_starts_monday() -> None:
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=BERLIN)
    lead = _lead(saturday, employees=300, source="Contact form")

    start_response_clock(lead, _playbook())

    assert lead.response_due_at == datetime(2026, 12, 7, 9, 15, tzinfo=BERLIN)


def test_budget_ending_at_closing_is_due_at_closing() -> None:
    calendar = BusinessCalendar(timezone_name="Europe/Berlin")
    start = datetime(2026, 12, 4, 17, 45, tzinfo=BERLIN)

    due = calendar.add_business_time(start, timedelta(minutes=15))

    assert due == datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)


def test_general_visitor_evening_due_next_business_day() -> None:
    thursday_evening = datetime(2026, 12, 3, 19, 30, tzinfo=BERLIN)
    lead = _lead(thursday_evening, source="Website visit")

    start_response_clock(lead, _playbook())

    assert lead.segment == "general"
    assert lead.response_due_at == datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)


def test_general_visitor_morning_due_same_day() -> None:
    morning = datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    lead = _lead(morning)

    start_response_clock(lead, _playbook())

    assert lead.response_due_at == datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)
    assert lead.response_warn_at == datetime(2026, 12, 3, 16, 0, tzinfo=BERLIN)


def test_general_visitor_before_opening_due_same_day() -> None:
    early = datetime(2026, 12, 3, 7, 0, tzinfo=BERLIN)
    lead = _lead(early)

    start_response_clock(lead, _playbook())

    assert lead.response_due_at == datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)


def test_general_visitor_friday_night_due_monday() -> None:
    friday_night = datetime(2026, 12, 4, 23, 0, tzinfo=BERLIN)
    lead = _lead(friday_night)

    start_response_clock(lead, _playbook())

    assert lead.response_due_at == datetime(2026, 12, 7, 18, 0, tzinfo=BERLIN)


def test_enterprise_demo_runs_around_the_clock() -> None:
    sunday_night = datetime(2026, 12, 6, 3, 0, tzinfo=BERLIN)
    lead = _lead(sunday_night, employees=5000, source="Demo request")

    start_response_clock(lead, _playbook())

    assert lead.segment == "enterprise_demo"
    assert lead.response_due_at == sunday_night + timedelta(minutes=5)


def test_outbound_reply_thirty_minutes() -> None:
    received = datetime(2026, 12, 5, 12, 0, tzinfo=BERLIN)
    lead = _lead(received, source="Replied to outbound")

    start_response_clock(lead, _playbook())

    assert lead.segment == "outbound_reply"
    assert lead.response_due_at == received + timedelta(minutes=30)


def test_spring_forward_keeps_local_opening_hours() -> None:
    # US clocks moved from 02:00 EST to 03:00 EDT on Sunday 2026-03-08.
    friday_late = datetime(2026, 3, 6, 17, 50, tzinfo=NEW_YORK)
    lead = _lead(friday_late, employees=200, source="Web form")

    start_response_clock(lead, _playbook("America/New_York"))

    due_local = lead.response_due_at.astimezone(NEW_YORK)
    assert due_local.replace(tzinfo=None) == datetime(2026, 3, 9, 9, 5)
    assert lead.response_due_at.astimezone(timezone.utc) == datetime(2026, 3, 9, 13, 5, tzinfo=timezone.utc)


def test_fall_back_keeps_local_opening_hours() -> None:
    # Berlin clocks moved from 03:00 CEST back to 02:00 CET on Sunday 2026-10-25.
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    lead = _lead(saturday, employees=200, source="Web form")

    start_response_clock(lead, _playbook())

    assert lead.response_due_at.astimezone(timezone.utc) == datetime(2026, 10, 26, 8, 15, tzinfo=timezone.utc)


def test_business_time_between_spans_weekend() -> None:
    calendar = BusinessCalendar(timezone_name="Europe/Berlin")
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN)
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)

    assert calendar.business_time_between(friday, monday) == timedelta(hours=2)


def test_closed_calendar_raises_clear_error() -> None:
    calendar = BusinessCalendar(timezone_name="UTC", weekly_hours={})

    with pytest.raises(ValueError, match="no open hours"):
        calendar.add_business_time(datetime(2026, 1, 1, tzinfo=timezone.utc), timedelta(minutes=1))


def test_naive_datetime_rejected() -> None:
    calendar = BusinessCalendar(timezone_name="UTC")

    with pytest.raises(ValueError, match="naive datetime"):
        calendar.next_opening(datetime(2026, 1, 1, 10, 0))


def test_historical_lead_has_no_clock() -> None:
    lead = _lead(datetime(2020, 1, 6, 10, 0, tzinfo=BERLIN), employees=5000, source="Demo request")

    start_response_clock(lead, _playbook(), historical=True)

    assert lead.segment == "enterprise_demo"
    assert lead.response_due_at is None


def test_response_states() -> None:
    due = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    warn = due - timedelta(minutes=5)

    assert response_state(None, due, warn, due - timedelta(minutes=10)) is ResponseState.WAITING
    assert response_state(None, due, warn, due - timedelta(minutes=1)) is ResponseState.DUE_SOON
    assert response_state(None, due, warn, due) is ResponseState.OVERDUE
    assert response_state(due, due, warn, due + timedelta(hours=1)) is ResponseState.CONTACTED
    assert response_state(None, None, None, due) is ResponseState.WAITING


def test_format_remaining() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    assert format_remaining(now + timedelta(minutes=4, seconds=10), now) == "due in 4m 10s"
    assert format_remaining(now - timedelta(hours=2, minutes=5), now) == "overdue by 2h 5m"
    assert format_remaining(now + timedelta(days=3, hours=1, minutes=2), now) == "due in 3d 1h"


PART_TIME = {0: ((time(9), time(13)),), 2: ((time(9), time(13)),), 4: ((time(9), time(13)),)}
SPLIT_SHIFT = {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)}
# Open 01:00-05:00 every day, so the window spans the 02:00/03:00 DST changes of Europe/Berlin.
NIGHT_SHIFT = {day: ((time(1), time(5)),) for day in range(7)}


def _local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


ADD_BUSINESS_TIME_CASES = [
    # (case, calendar, start, budget, expected due)
    ("part-time Tuesday waits for Wednesday", BusinessCalendar("Europe/Berlin", PART_TIME),
     _local(BERLIN, 2026, 12, 8, 10, 0), timedelta(minutes=15), _local(BERLIN, 2026, 12, 9, 9, 15)),
    ("part-time Friday 12:50 runs into Monday", BusinessCalendar("Europe/Berlin", PART_TIME),
     _local(BERLIN, 2026, 12, 11, 12, 50), timedelta(minutes=15), _local(BERLIN, 2026, 12, 14, 9, 5)),
    ("split shift skips lunch", BusinessCalendar("Europe/Berlin", SPLIT_SHIFT),
     _local(BERLIN, 2026, 12, 8, 11, 50), timedelta(minutes=15), _local(BERLIN, 2026, 12, 8, 13, 5)),
    ("arrival before opening", BusinessCalendar("Europe/Berlin"),
     _local(BERLIN, 2026, 12, 8, 7, 0), timedelta(minutes=15), _local(BERLIN, 2026, 12, 8, 9, 15)),
    ("arrival exactly at closing", BusinessCalendar("Europe/Berlin"),
     _local(BERLIN, 2026, 12, 8, 18, 0), timedelta(minutes=15), _local(BERLIN, 2026, 12, 9, 9, 15)),
    ("budget ends exactly at closing", BusinessCalendar("Europe/Berlin"),
     _local(BERLIN, 2026, 12, 8, 17, 0), timedelta(hours=1), _local(BERLIN, 2026, 12, 8, 18, 0)),
    ("arrival on a Sunday", BusinessCalendar("Europe/Berlin"),
     _local(BERLIN, 2026, 12, 6, 15, 0), timedelta(minutes=15), _local(BERLIN, 2026, 12, 7, 9, 15)),
    ("Thanksgiving is closed", BusinessCalendar("America/New_York", holiday_country="US"),
     _local(NEW_YORK, 2026, 11, 25, 17, 55), timedelta(minutes=15), _local(NEW_YORK, 2026, 11, 27, 9, 10)),
    ("California also closes the day after", BusinessCalendar("America/New_York", holiday_country="US", holiday_subdivision="CA"),
     _local(NEW_YORK, 2026, 11, 25, 17, 55), timedelta(minutes=15), _local(NEW_YORK, 2026, 11, 30, 9, 10)),
    ("extra closed date", BusinessCalendar("Europe/Berlin", closed_dates=frozenset({date(2026, 12, 24)})),
     _local(BERLIN, 2026, 12, 23, 17, 55), timedelta(minutes=15), _local(BERLIN, 2026, 12, 25, 9, 10)),
    ("Christmas in Germany", BusinessCalendar("Europe/Berlin", holiday_country="DE", closed_dates=frozenset({date(2026, 12, 24)})),
     _local(BERLIN, 2026, 12, 23, 17, 55), timedelta(minutes=15), _local(BERLIN, 2026, 12, 28, 9, 10)),
    # 2026-03-29 has no 02:00-03:00 in Berlin, so 01:00-05:00 contains three real hours.
    ("spring forward shortens the night shift", BusinessCalendar("Europe/Berlin", NIGHT_SHIFT),
     _local(BERLIN, 2026, 3, 29, 1, 0), timedelta(hours=3), _local(BERLIN, 2026, 3, 29, 5, 0)),
    # 2026-10-25 repeats 02:00-03:00 in Berlin, so 01:00-05:00 contains five real hours.
    ("fall back lengthens the night shift", BusinessCalendar("Europe/Berlin", NIGHT_SHIFT),
     _local(BERLIN, 2026, 10, 25, 1, 0), timedelta(hours=4), datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)),
]


@pytest.mark.parametrize("case, calendar, start, budget, expected", ADD_BUSINESS_TIME_CASES, ids=[c[0] for c in ADD_BUSINESS_TIME_CASES])
def test_add_business_time_cases(case, calendar, start, budget, expected) -> None:
    due = calendar.add_business_time(start, budget)

    assert due.astimezone(timezone.utc) == expected.astimezone(timezone.utc)


def test_dst_changes_both_ways_in_wall_time() -> None:
    calendar = BusinessCalendar("Europe/Berlin", NIGHT_SHIFT)

    spring_day = calendar.business_time_between(_local(BERLIN, 2026, 3, 29, 0, 0), _local(BERLIN, 2026, 3, 29, 12, 0))
    autumn_day = calendar.business_time_between(_local(BERLIN, 2026, 10, 25, 0, 0), _local(BERLIN, 2026, 10, 25, 12, 0))

    assert spring_day == timedelta(hours=3)
    assert autumn_day == timedelta(hours=5)


def test_dst_week_weekday_opening_stays_nine_local() -> None:
    calendar = BusinessCalendar("Europe/Berlin")

    friday = _local(BERLIN, 2026, 3, 27, 17, 0)
    monday = _local(BERLIN, 2026, 3, 30, 10, 0)

    assert calendar.next_opening(_local(BERLIN, 2026, 3, 28, 12, 0)) == datetime(2026, 3, 30, 7, 0, tzinfo=timezone.utc)
    assert calendar.business_time_between(friday, monday) == timedelta(hours=2)


def test_holiday_name_reports_source() -> None:
    calendar = BusinessCalendar("America/New_York", holiday_country="US", closed_dates=frozenset({date(2026, 12, 24)}))

    assert calendar.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert calendar.holiday_name(date(2026, 12, 24)) == "closed date"
    assert calendar.holiday_name(date(2026, 12, 23)) is None


def _segment_playbook(respond_within: str, zone: str = "Europe/Berlin", holidays: str = "") -> Playbook:
    text = shipped_playbook_text().replace('respond_within = "same business day"', f'respond_within = "{respond_within}"')
    if holidays:
        text = text.replace('# holidays = "DE"', f'holidays = "{holidays}"')
    return parse_playbook(text, default_timezone=zone)


SAME_AND_NEXT_DAY_CASES = [
    ("same day, morning", "same business day", _local(BERLIN, 2026, 12, 9, 10, 0), _local(BERLIN, 2026, 12, 9, 18, 0)),
    ("same day, after hours", "same business day", _local(BERLIN, 2026, 12, 9, 19, 0), _local(BERLIN, 2026, 12, 10, 18, 0)),
    ("same day, Friday after hours", "same business day", _local(BERLIN, 2026, 12, 11, 18, 0), _local(BERLIN, 2026, 12, 14, 18, 0)),
    ("same day, eve of Christmas holidays", "same business day", _local(BERLIN, 2026, 12, 24, 19, 0), _local(BERLIN, 2026, 12, 28, 18, 0)),
    ("next day, morning", "next business day", _local(BERLIN, 2026, 12, 9, 10, 0), _local(BERLIN, 2026, 12, 10, 18, 0)),
    ("next day, Friday evening", "next business day", _local(BERLIN, 2026, 12, 11, 19, 0), _local(BERLIN, 2026, 12, 15, 18, 0)),
    ("next day, before Christmas", "next business day", _local(BERLIN, 2026, 12, 23, 10, 0), _local(BERLIN, 2026, 12, 24, 18, 0)),
    ("next day, on Christmas Eve", "next business day", _local(BERLIN, 2026, 12, 24, 10, 0), _local(BERLIN, 2026, 12, 28, 18, 0)),
]


@pytest.mark.parametrize("case, respond_within, received, expected", SAME_AND_NEXT_DAY_CASES, ids=[c[0] for c in SAME_AND_NEXT_DAY_CASES])
def test_same_and_next_business_day(case, respond_within, received, expected) -> None:
    playbook = _segment_playbook(respond_within, holidays="DE")
    lead = _lead(received, source="Website visit")

    start_response_clock(lead, playbook)

    assert lead.segment == "general"
    assert lead.response_due_at == expected


def test_speed_to_lead_wall_and_business_time() -> None:
    calendar = BusinessCalendar("Europe/Berlin")
    received = _local(BERLIN, 2026, 12, 11, 17, 30)
    contacted = _local(BERLIN, 2026, 12, 14, 9, 15)

    speed = speed_to_lead(received, contacted, calendar)

    assert speed.wall == timedelta(days=2, hours=15, minutes=45)
    assert speed.business == timedelta(minutes=45)


def test_format_remaining_at_deadline_is_overdue() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    assert format_remaining(now, now) == "overdue by 0s"
