"""Next-best-action: channel, time and reasons, never outside the lead's local waking hours."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaddesk.models import Activity, Lead
from leaddesk.services import next_best_action, sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.lead_timezone import lead_zone
from leaddesk.services.next_best_action import CALL_END, CALL_START, WAKING_END, WAKING_START, next_allowed_time
from leaddesk.services.sequences import Channel

UTC = timezone.utc
# Monday 4 May 2026 18:00 UTC: 03:00 on Tuesday in Tokyo, 20:00 in Berlin, 14:00 in New York.
NOW = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)
ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Kiritimati", "America/Adak"]


def add_lead(database, **fields) -> uuid.UUID:
    with database.session() as session:
        lead = Lead(received_at=NOW - timedelta(hours=1), **fields)
        session.add(lead)
        session.flush()
        return lead.id


def suggest(database, lead_id, now=NOW):
    with database.session() as session:
        return next_best_action.suggest(session, lead_id, now, "Europe/Berlin")


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    zone_name=st.sampled_from(ZONES),
    channel=st.sampled_from([Channel.CALL, Channel.EMAIL]),
)
def test_time_never_outside_waking_hours(now, zone_name, channel):
    zone = ZoneInfo(zone_name)
    at = next_allowed_time(now, zone, channel)
    local = at.astimezone(zone).time().replace(tzinfo=None)

    assert at >= now
    assert WAKING_START <= local < WAKING_END
    if channel is Channel.CALL:
        assert CALL_START <= local < CALL_END
        assert at.astimezone(zone).weekday() < 5


def test_overdue_lead_in_tokyo_waits_for_morning(database):
    lead_id = add_lead(
        database,
        full_name="Kenji Sato",
        phone="+81 3 5550 0101",
        response_due_at=NOW - timedelta(minutes=12),
    )

    suggestion = suggest(database, lead_id)

    assert suggestion.channel is Channel.CALL
    assert suggestion.lead_zone == "Asia/Tokyo"
    # Tuesday 09:00 in Tokyo (UTC+9).
    assert suggestion.at == datetime(2026, 5, 5, 0, 0, tzinfo=UTC)
    assert suggestion.reasons == (
        "The lead's timezone is Asia/Tokyo (from the phone number).",
        "The response deadline passed 12 min ago and nobody has contacted the lead.",
        "A first call answers fastest; the lead has a phone number.",
        "It is Tue 03:00 for the lead, so wait until Tue 09:00 their time.",
    )


def test_no_phone_first_touch_is_email_now(database):
    lead_id = add_lead(
        database, full_name="Ana Ruiz", country="US", city="Boston", response_due_at=NOW + timedelta(minutes=20)
    )

    suggestion = suggest(database, lead_id)

    assert suggestion.channel is Channel.EMAIL
    assert suggestion.template_key == "first_touch"
    assert suggestion.lead_zone == "America/New_York"
    assert suggestion.at == NOW
    assert suggestion.reasons[0] == "The lead's timezone is America/New_York (from the city or region (Boston, US))."
    assert suggestion.reasons[-1] == "It is 14:00 for the lead, inside their waking hours."


def test_closed_lead_gets_nothing(database):
    lead_id = add_lead(database, full_name="Won Wendy", stage="won")

    suggestion = suggest(database, lead_id)

    assert suggestion.channel is None
    assert suggestion.at is None
    assert suggestion.reasons[-1] == "The lead is won, so no outreach is suggested."


def test_sequence_step_sets_channel(database):
    lead_id = add_lead(database, full_name="Jo Doe", phone="+49 30 1234567", first_contacted_at=NOW - timedelta(days=1))
    calendar = BusinessCalendar(timezone_name="Europe/Berlin")
    with database.session() as session:
        enrollment = sequences.enroll(session, lead_id, "new_inbound", "ana", NOW - timedelta(days=3), calendar)
        # Enrolled on Friday evening, so the first step waits for Monday's opening.
        sequences.advance(session, enrollment.next_step_at, calendar)

    suggestion = suggest(database, lead_id, now=datetime(2026, 5, 5, 8, 0, tzinfo=UTC))

    assert suggestion.channel is Channel.CALL
    assert suggestion.reasons[1] == "Step 2 of 5 of 'New inbound lead' is due: call."
    assert suggestion.at == datetime(2026, 5, 5, 8, 0, tzinfo=UTC)


def test_channel_from_similar_leads(database):
    with database.session() as session:
        for index in range(6):
            called = Lead(full_name=f"Called {index}", segment="mid_market", received_at=NOW)
            mailed = Lead(full_name=f"Mailed {index}", segment="mid_market", received_at=NOW)
            session.add_all([called, mailed])
            session.flush()
            outcome = "connected" if index < 4 else "no_answer"
            session.add(Activity(lead_id=called.id, kind="call", outcome=outcome, occurred_at=NOW, summary=""))
            session.add(Activity(lead_id=mailed.id, kind="email", occurred_at=NOW, summary=""))
            if index == 0:
                session.add(Activity(lead_id=mailed.id, kind="reply", occurred_at=NOW, summary=""))
    lead_id = add_lead(
        database, full_name="Mia Chen", segment="mid_market", phone="+1 212 555 0100", first_contacted_at=NOW
    )

    suggestion = suggest(database, lead_id)

    assert suggestion.channel is Channel.CALL
    assert suggestion.reasons[1] == "In segment 'mid_market', calls reached 4 of 6; emails reached 1 of 6 similar leads, so call."


def test_deadline_reason_units(database):
    lead_id = add_lead(database, full_name="Late Lou", response_due_at=NOW - timedelta(hours=13, minutes=54))

    assert suggest(database, lead_id).reasons[1] == (
        "The response deadline passed 13 h 54 min ago and nobody has contacted the lead."
    )


def test_zone_falls_back_to_team():
    lead = Lead(full_name="No Clue")

    zone = lead_zone(lead, "Europe/Berlin")

    assert (zone.name, zone.source) == ("Europe/Berlin", "unknown, so the team's timezone is used")


def test_missing_lead_rejected(database):
    with pytest.raises(ValueError, match="not found"):
        suggest(database, uuid.uuid4())


def test_waking_window_bounds():
    berlin = ZoneInfo("Europe/Berlin")
    # 20:00 in Berlin is past the waking window, so email waits for 08:00 the next day.
    assert next_allowed_time(NOW, berlin, Channel.EMAIL) == datetime(2026, 5, 5, 6, 0, tzinfo=UTC)


def test_email_step_suggests_its_template(database):
    lead_id = add_lead(database, full_name="Jo Doe", phone="+49 30 1234567", first_contacted_at=NOW - timedelta(days=1))
    calendar = BusinessCalendar(timezone_name="Europe/Berlin")
    with database.session() as session:
        # Not advanced, so the first step (an email with the first_touch template) is due.
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW - timedelta(days=3), calendar)

    suggestion = suggest(database, lead_id, now=datetime(2026, 5, 5, 8, 0, tzinfo=UTC))

    assert suggestion.channel is Channel.EMAIL
    assert suggestion.template_key == "first_touch"


def test_night_deadline_emails_now(database):
    # Saturday 9 May 2026, 05:00 in Berlin; the first reply is due in 19 minutes.
    now = datetime(2026, 5, 9, 3, 0, tzinfo=UTC)
    lead_id = add_lead(database, full_name="Nora Night", phone="+49 30 1234567", response_due_at=now + timedelta(minutes=19))

    suggestion = suggest(database, lead_id, now=now)

    assert suggestion.channel is Channel.EMAIL
    assert suggestion.at == now
    assert suggestion.template_key == "first_touch"
    assert suggestion.reasons[-1] == (
        "A call at Mon 09:00 their time would miss the response deadline (Sat 05:19), so email now "
        "(Sat 05:00 their time): an email waits in the inbox and does not disturb, unlike a call."
    )


def test_weekend_deadline_emails_at_waking(database):
    # Saturday 9 May 2026, 06:00 in Berlin; the first reply is due at 09:00, before Monday's calling hours.
    now = datetime(2026, 5, 9, 4, 0, tzinfo=UTC)
    lead_id = add_lead(database, full_name="Wes Weekend", phone="+49 30 1234567", response_due_at=now + timedelta(hours=3))

    suggestion = suggest(database, lead_id, now=now)

    assert suggestion.channel is Channel.EMAIL
    assert suggestion.at == datetime(2026, 5, 9, 6, 0, tzinfo=UTC)
    assert suggestion.reasons[-1].endswith("so email at Sat 08:00, which meets it.")


def test_weekday_deadline_keeps_call(database):
    # Monday 4 May 2026, 10:00 in Berlin; a call now meets the deadline.
    now = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    lead_id = add_lead(database, full_name="Cal Now", phone="+49 30 1234567", response_due_at=now + timedelta(minutes=19))

    suggestion = suggest(database, lead_id, now=now)

    assert suggestion.channel is Channel.CALL
    assert suggestion.at == now
