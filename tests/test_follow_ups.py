"""Follow-ups in local time: DST rules, repeats, snooze, reschedule, on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, Rep
from leaddesk.services import follow_ups
from leaddesk.services.follow_ups import FollowUpError
from leaddesk.services.local_time import (
    LocalDue,
    LocalTimeError,
    SnoozeOption,
    is_skipped,
    next_occurrence,
    resolve_wall_time,
    snooze_target,
)


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


BERLIN = "Europe/Berlin"
UTC = timezone.utc
# Friday 2026-03-27 17:00 in Berlin (CET, UTC+1). Berlin moves to CEST (UTC+2) on Sunday 29 March.
NOW = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- Wall time rules ------------------------------------------------------------------------


def test_daily_nine_across_spring_change():
    due = LocalDue.at(datetime(2026, 3, 28, 9, 0), BERLIN)
    following = next_occurrence(due, "daily")

    assert due.instant() == utc(2026, 3, 28, 8, 0)
    assert following.text() == "2026-03-29T09:00"
    assert following.instant() == utc(2026, 3, 29, 7, 0)


def test_daily_nine_across_autumn_change():
    due = LocalDue.at(datetime(2026, 10, 24, 9, 0), BERLIN)
    following = next_occurrence(due, "daily")

    assert due.instant() == utc(2026, 10, 24, 7, 0)
    assert following.instant() == utc(2026, 10, 25, 8, 0)


def test_skipped_time_moves_forward_by_gap():
    wall = datetime(2026, 3, 29, 2, 30)

    assert is_skipped(wall, ZoneInfo(BERLIN))
    assert resolve_wall_time(wall, ZoneInfo(BERLIN)) == utc(2026, 3, 29, 1, 30)
    assert resolve_wall_time(wall, ZoneInfo(BERLIN)).astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") == "03:30"


def test_repeated_time_resolves_to_first():
    wall = datetime(2026, 10, 25, 2, 30)

    assert not is_skipped(wall, ZoneInfo(BERLIN))
    assert resolve_wall_time(wall, ZoneInfo(BERLIN)) == utc(2026, 10, 25, 0, 30)


def test_daily_series_fires_once_on_repeated_hour():
    due = LocalDue.at(datetime(2026, 10, 24, 2, 30), BERLIN)
    instants = []
    for _ in range(3):
        instants.append(due.instant())
        due = next_occurrence(due, "daily")

    assert instants == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_new_york_spring_change_skipped_hour():
    # New York skips 02:00-03:00 on Sunday 8 March 2026 (EST UTC-5 to EDT UTC-4).
    due = LocalDue.at(datetime(2026, 3, 8, 2, 15), "America/New_York")

    assert due.instant() == utc(2026, 3, 8, 7, 15)
    assert due.instant().astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "03:15"


def test_weekdays_skip_weekend():
    friday = LocalDue.at(datetime(2026, 3, 27, 9, 0), BERLIN)

    assert next_occurrence(friday, "weekdays").text() == "2026-03-30T09:00"


def test_date_only_due_at_nine_local():
    due = LocalDue.on(date(2026, 3, 30), BERLIN)

    assert due.text() == "2026-03-30"
    assert due.instant() == utc(2026, 3, 30, 7, 0)


def test_invalid_values_name_the_value():
    with pytest.raises(LocalTimeError, match="unknown timezone 'Mars/Olympus'"):
        LocalDue.at(datetime(2026, 3, 30, 9, 0), "Mars/Olympus")
    with pytest.raises(LocalTimeError, match="unknown recurrence 'hourly'"):
        next_occurrence(LocalDue.at(datetime(2026, 3, 30, 9, 0), BERLIN), "hourly")
    with pytest.raises(LocalTimeError, match="has a UTC offset"):
        LocalDue.at(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), BERLIN)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (SnoozeOption.TEN_MINUTES, utc(2026, 3, 27, 16, 10)),
        (SnoozeOption.ONE_HOUR, utc(2026, 3, 27, 17, 0)),
        # Saturday 09:00 CET.
        (SnoozeOption.TOMORROW_MORNING, utc(2026, 3, 28, 8, 0)),
        # Monday 09:00 CEST, after the change.
        (SnoozeOption.NEXT_MONDAY, utc(2026, 3, 30, 7, 0)),
    ],
)
def test_snooze_targets(option, expected):
    assert snooze_target(option, NOW, BERLIN) == expected


def test_next_monday_from_monday():
    monday = utc(2026, 3, 30, 10, 0)

    assert snooze_target(SnoozeOption.NEXT_MONDAY, monday, BERLIN) == utc(2026, 4, 6, 7, 0)


# --- Stored follow-ups ----------------------------------------------------------------------


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    with database.session() as session:
        rep = Rep(name="Ana")
        session.add(rep)
        session.flush()
        lead = Lead(first_name="Jo", last_name="Doe", owner_id=rep.id, received_at=NOW - timedelta(days=1))
        session.add(lead)
        session.flush()
        return lead.id


def open_follow_ups(database, lead_id) -> list[FollowUp]:
    with database.session() as session:
        statement = (
            select(FollowUp)
            .where(FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None))
            .order_by(FollowUp.due_at)
        )
        return list(session.scalars(statement))


def test_schedule_stores_wall_time_and_zone(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 30, 9, 0), BERLIN)
    with database.session() as session:
        change = follow_ups.schedule(session, lead_id, due, " call back ", "ana", NOW, recurrence="daily")

    stored = open_follow_ups(database, lead_id)
    assert [row.id for row in stored] == [change.follow_up_id]
    assert stored[0].due_local == "2026-03-30T09:00"
    assert stored[0].time_zone == BERLIN
    assert stored[0].due_at == utc(2026, 3, 30, 7, 0)
    assert stored[0].note == "call back"
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.next_follow_up_at == utc(2026, 3, 30, 7, 0)
        activity = session.get(Activity, change.activity_id)
        assert activity.summary == "Follow-up due 2026-03-30 09:00 Europe/Berlin, repeats daily: call back"


def test_complete_repeating_adds_next_occurrence(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 28, 9, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "standup", "ana", NOW, recurrence="daily")
    with database.session() as session:
        done = follow_ups.complete(session, first.follow_up_id, "ana", utc(2026, 3, 28, 8, 5))

    stored = open_follow_ups(database, lead_id)
    assert [row.id for row in stored] == [done.next_follow_up_id]
    assert stored[0].due_local == "2026-03-29T09:00"
    assert stored[0].due_at == utc(2026, 3, 29, 7, 0)
    assert stored[0].recurrence == "daily"
    with database.session() as session:
        old = session.get(FollowUp, first.follow_up_id)
        assert old.completed_at == utc(2026, 3, 28, 8, 5)
        assert old.completed_by == "ana"


def test_complete_late_skips_missed_occurrences(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 28, 9, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW, recurrence="daily")
    with database.session() as session:
        follow_ups.complete(session, first.follow_up_id, "ana", utc(2026, 3, 31, 12, 0))

    assert [row.due_local for row in open_follow_ups(database, lead_id)] == ["2026-04-01T09:00"]


def test_complete_twice_changes_nothing(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 28, 9, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW, recurrence="daily")
    with database.session() as session:
        follow_ups.complete(session, first.follow_up_id, "ana", utc(2026, 3, 28, 9, 0))
    with database.session() as session:
        again = follow_ups.complete(session, first.follow_up_id, "ana", utc(2026, 3, 28, 9, 1))

    assert again.activity_id is None
    assert len(open_follow_ups(database, lead_id)) == 1


def test_snooze_keeps_series_wall_time(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 27, 17, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW, recurrence="daily")
    with database.session() as session:
        snoozed = follow_ups.snooze(session, first.follow_up_id, SnoozeOption.ONE_HOUR, "ana", NOW)

    assert snoozed.due_at == utc(2026, 3, 27, 17, 0)
    stored = open_follow_ups(database, lead_id)[0]
    assert stored.due_local == "2026-03-27T17:00"
    assert stored.snoozed_until == utc(2026, 3, 27, 17, 0)
    with database.session() as session:
        assert session.get(Lead, lead_id).next_follow_up_at == utc(2026, 3, 27, 17, 0)
        done = follow_ups.complete(session, first.follow_up_id, "ana", utc(2026, 3, 27, 17, 1))
        # Saturday 17:00 CET, the series' usual time, not an hour after it.
        assert done.due_at == utc(2026, 3, 28, 16, 0)


def test_snooze_custom_must_be_future(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 27, 17, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW)
    with database.session() as session:
        with pytest.raises(FollowUpError, match="not in the future"):
            follow_ups.snooze(session, first.follow_up_id, NOW - timedelta(minutes=1), "ana", NOW)
        custom = follow_ups.snooze(session, first.follow_up_id, utc(2026, 4, 2, 13, 0), "ana", NOW)

    assert custom.due_at == utc(2026, 4, 2, 13, 0)


def test_reschedule_ends_snooze(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 27, 17, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW)
        follow_ups.snooze(session, first.follow_up_id, SnoozeOption.TEN_MINUTES, "ana", NOW)
    new_due = LocalDue.on(date(2026, 4, 1), "America/New_York")
    with database.session() as session:
        moved = follow_ups.reschedule(session, first.follow_up_id, new_due, "ana", NOW, recurrence="weekly")

    stored = open_follow_ups(database, lead_id)[0]
    assert moved.due_at == utc(2026, 4, 1, 13, 0)
    assert stored.snoozed_until is None
    assert stored.all_day is True
    assert stored.due_local == "2026-04-01"
    assert stored.recurrence == "weekly"


def test_done_follow_up_cannot_be_snoozed(database, lead_id):
    due = LocalDue.at(datetime(2026, 3, 27, 17, 0), BERLIN)
    with database.session() as session:
        first = follow_ups.schedule(session, lead_id, due, "", "ana", NOW)
        follow_ups.complete(session, first.follow_up_id, "ana", NOW)
    with database.session() as session:
        with pytest.raises(FollowUpError, match="already done"):
            follow_ups.snooze(session, first.follow_up_id, SnoozeOption.ONE_HOUR, "ana", NOW)
        with pytest.raises(FollowUpError, match="invalid recurrence 'hourly'"):
            follow_ups.schedule(session, lead_id, due, "", "ana", NOW, recurrence="hourly")
        with pytest.raises(FollowUpError, match="not found"):
            follow_ups.complete(session, uuid.uuid4(), "ana", NOW)


def test_bare_instant_row_gets_utc_wall_time(database, lead_id):
    with database.session() as session:
        session.add(FollowUp(lead_id=lead_id, due_at=utc(2026, 3, 30, 7, 45), note="old style"))

    stored = open_follow_ups(database, lead_id)[0]
    assert stored.due_local == "2026-03-30T07:45"
    assert stored.time_zone == "UTC"
