"""The response clock on business calendars: weekends, evenings, DST changes, segments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leaddesk.models import Lead
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook import Playbook
from leaddesk.services.sla import ResponseState, format_remaining, response_state, start_response_clock

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
