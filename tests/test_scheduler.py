"""Scheduler with an injected clock: due, snooze, DST repeats, sleep, closed app, two windows, quiet hours."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from leaddesk.models import Activity, Lead, NotificationReceipt, Rep
from leaddesk.services import follow_ups, scheduler
from leaddesk.services.clock_watch import ClockWatch
from leaddesk.services.local_time import LocalDue, SnoozeOption
from leaddesk.services.notifications.preferences import NotifyPreferences, Scope, load_preferences, save_preferences
from leaddesk.services.scheduler import EventKind, arm_delay

UTC = timezone.utc
BERLIN = "Europe/Berlin"
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
TEAM = NotifyPreferences(user="ana", zone_name=BERLIN)


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


@pytest.fixture
def reps(database) -> dict[str, uuid.UUID]:
    with database.session() as session:
        ana, ben = Rep(name="Ana"), Rep(name="Ben")
        session.add_all([ana, ben])
        session.flush()
        return {"Ana": ana.id, "Ben": ben.id}


def add_lead(database, name: str, owner_id: uuid.UUID | None = None, **fields) -> uuid.UUID:
    with database.session() as session:
        lead = Lead(full_name=name, owner_id=owner_id, received_at=T0 - timedelta(days=1), **fields)
        session.add(lead)
        session.flush()
        return lead.id


def plan(database, lead_id: uuid.UUID, at: datetime, note: str = "", recurrence: str | None = None) -> uuid.UUID:
    due = LocalDue.at(at.astimezone(follow_ups.zone(BERLIN)).replace(tzinfo=None), BERLIN)
    with database.session() as session:
        return follow_ups.schedule(session, lead_id, due, note, "ana", T0, recurrence=recurrence).follow_up_id


def run_check(database, now: datetime, preferences: NotifyPreferences = TEAM) -> scheduler.CheckResult:
    with database.session() as session:
        return scheduler.check(session, preferences, now)


def test_follow_up_due_notifies_once(database, reps):
    lead_id = add_lead(database, "Jo Doe", reps["Ana"])
    follow_up_id = plan(database, lead_id, T0 + minutes(30), note="send the deck")

    first = run_check(database, T0)
    due = run_check(database, T0 + minutes(30))
    again = run_check(database, T0 + minutes(31))

    assert first.notification is None
    assert first.next_wake == T0 + minutes(30)
    assert due.notification.title == "Follow-up due: Jo Doe"
    assert due.notification.body == "send the deck"
    assert due.notification.follow_up_id == follow_up_id
    assert [action for action, _label in due.notification.actions] == ["open", "snooze", "done"]
    assert again.notification is None
    assert again.next_wake is None


def test_snooze_notifies_again_at_new_time(database, reps):
    lead_id = add_lead(database, "Jo Doe", reps["Ana"])
    follow_up_id = plan(database, lead_id, T0 + minutes(30))
    run_check(database, T0)
    run_check(database, T0 + minutes(30))

    with database.session() as session:
        follow_ups.snooze(session, follow_up_id, SnoozeOption.TEN_MINUTES, "ana", T0 + minutes(31))
    armed = run_check(database, T0 + minutes(31))
    fired = run_check(database, T0 + minutes(41))

    assert armed.notification is None
    assert armed.next_wake == T0 + minutes(41)
    assert fired.notification.title == "Follow-up due: Jo Doe"


@pytest.mark.parametrize(
    ("start", "expected_utc_hours"),
    [
        # Berlin moves to CEST on 29 March 2026: 09:00 is 08:00 UTC, then 07:00 UTC.
        (datetime(2026, 3, 27, 9, 0), [8, 8, 7, 7]),
        # Berlin moves back to CET on 25 October 2026: 09:00 is 07:00 UTC, then 08:00 UTC.
        (datetime(2026, 10, 23, 9, 0), [7, 7, 8, 8]),
    ],
)
def test_daily_repeat_across_dst(database, reps, start, expected_utc_hours):
    lead_id = add_lead(database, "Jo Doe", reps["Ana"])
    due = LocalDue.at(start, BERLIN)
    begin = due.instant() - timedelta(hours=1)
    with database.session() as session:
        follow_ups.schedule(session, lead_id, due, "standup", "ana", begin, recurrence="daily")

    now = begin
    run_check(database, now)
    fired_at = []
    for _ in range(4):
        result = run_check(database, now)
        now = result.next_wake
        fired = run_check(database, now)
        assert fired.notification.title == "Follow-up due: Jo Doe"
        fired_at.append(now)
        with database.session() as session:
            follow_ups.complete(session, fired.events[0].follow_up_id, "ana", now + minutes(1))

    assert [instant.hour for instant in fired_at] == expected_utc_hours
    assert [instant.astimezone(follow_ups.zone(BERLIN)).hour for instant in fired_at] == [9, 9, 9, 9]


def test_sleep_of_95_minutes_groups_once(database, reps):
    names = ["Jo Doe", "Mia Chen", "Lu Park"]
    for offset, name in zip((10, 40, 80), names):
        plan(database, add_lead(database, name, reps["Ana"]), T0 + minutes(offset))
    run_check(database, T0)

    woke = run_check(database, T0 + minutes(95))
    second_window = run_check(database, T0 + minutes(95))
    later = run_check(database, T0 + minutes(96))

    assert woke.notification.title == "3 follow-ups came due while you were away"
    assert woke.notification.body == "Jo Doe, Mia Chen, Lu Park"
    assert len(woke.events) == 3
    assert second_window.notification is None
    assert later.notification is None
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(NotificationReceipt)) == 3


def test_closed_app_catches_up_on_start(reopen_database, reps, database):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(20))
    plan(database, add_lead(database, "Mia Chen", reps["Ana"]), T0 + minutes(50))
    run_check(database, T0)
    database.dispose()

    reopened = reopen_database()
    with reopened.session() as session:
        result = scheduler.check(session, TEAM, T0 + timedelta(hours=3))

    assert result.notification.title == "2 follow-ups came due while you were away"
    assert result.notification.lead_id is None


def test_first_check_ever_skips_old_events(database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 - timedelta(days=3))

    result = run_check(database, T0)

    assert result.notification is None
    assert result.events == ()


def test_two_windows_share_one_receipt(reopen_database, database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(5))
    run_check(database, T0)
    other_window = reopen_database()
    try:
        with database.session() as first, other_window.session() as second:
            shown_first = scheduler.check(first, TEAM, T0 + minutes(5))
            first.commit()
            shown_second = scheduler.check(second, TEAM, T0 + minutes(5))
    finally:
        other_window.dispose()

    assert shown_first.notification is not None
    assert shown_second.notification is None


def test_team_members_each_notified(database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(5))
    plan(database, add_lead(database, "Mia Chen", reps["Ben"]), T0 + minutes(5))
    ben_team = NotifyPreferences(user="ben", zone_name=BERLIN)
    ana_mine = NotifyPreferences(user="ana", scope=Scope.MINE, rep_name="Ana", zone_name=BERLIN)
    for preferences in (ana_mine, ben_team):
        run_check(database, T0, preferences)

    ana = run_check(database, T0 + minutes(5), ana_mine)
    ben = run_check(database, T0 + minutes(5), ben_team)

    assert [event.lead_name for event in ana.events] == ["Jo Doe"]
    assert ana.notification.title == "Follow-up due: Jo Doe"
    assert sorted(event.lead_name for event in ben.events) == ["Jo Doe", "Mia Chen"]
    assert ben.notification.title == "Due now: 2 follow-ups"
    with database.session() as session:
        recipients = session.scalars(select(NotificationReceipt.recipient).order_by(NotificationReceipt.recipient))
        assert list(recipients) == ["ana", "ben", "ben"]


def test_mine_matches_rep_name_in_any_case(database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(5))
    plan(database, add_lead(database, "Mia Chen", reps["Ben"]), T0 + minutes(5))
    ana_lower = NotifyPreferences(user="ana", scope=Scope.MINE, rep_name="ana", zone_name=BERLIN)
    run_check(database, T0, ana_lower)

    events = run_check(database, T0 + minutes(5), ana_lower).events

    assert [event.lead_name for event in events] == ["Jo Doe"]


def test_mine_without_rep_matches_nothing(database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(5))
    nobody = NotifyPreferences(user="cy", scope=Scope.MINE, zone_name=BERLIN)
    run_check(database, T0, nobody)

    assert run_check(database, T0 + minutes(5), nobody).events == ()


def test_quiet_hours_hold_events_until_end(database, reps):
    # 22:00 to 07:00 in Berlin (CEST, UTC+2 in May).
    quiet = NotifyPreferences(user="ana", quiet_start=time(22, 0), quiet_end=time(7, 0), zone_name=BERLIN)
    evening = datetime(2026, 5, 4, 19, 0, tzinfo=UTC)
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), evening + minutes(60))
    run_check(database, evening, quiet)

    during = run_check(database, evening + minutes(60), quiet)
    morning = run_check(database, during.next_wake, quiet)

    assert during.notification is None
    assert during.quiet_until == datetime(2026, 5, 5, 5, 0, tzinfo=UTC)
    assert during.next_wake == datetime(2026, 5, 5, 5, 0, tzinfo=UTC)
    assert morning.notification.title == "1 follow-up came due while you were away"


def test_sla_warning_and_breach(database, reps):
    lead_id = add_lead(
        database,
        "Jo Doe",
        reps["Ana"],
        response_warn_at=T0 + minutes(45),
        response_due_at=T0 + minutes(60),
    )
    run_check(database, T0)

    warning = run_check(database, T0 + minutes(45))
    breach = run_check(database, T0 + minutes(60))

    assert [event.kind for event in warning.events] == [EventKind.SLA_WARNING]
    assert warning.notification.title == "Respond soon: Jo Doe"
    assert breach.notification.title == "Response deadline missed: Jo Doe"
    assert breach.notification.urgent is True
    assert breach.notification.lead_id == lead_id


def test_contacted_lead_raises_no_sla_event(database, reps):
    add_lead(
        database,
        "Jo Doe",
        reps["Ana"],
        response_due_at=T0 + minutes(60),
        first_contacted_at=T0 + minutes(1),
    )
    run_check(database, T0)

    assert run_check(database, T0 + minutes(60)).events == ()


def test_mixed_group_title(database, reps):
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(10))
    add_lead(database, "Mia Chen", reps["Ana"], response_due_at=T0 + minutes(20), response_warn_at=T0 + minutes(15))
    run_check(database, T0)

    result = run_check(database, T0 + minutes(30))

    assert result.notification.title == "1 follow-up, 1 deadline warning and 1 missed deadline came due while you were away"
    assert result.notification.body == "Jo Doe, Mia Chen"


def test_preferences_round_trip(database):
    expected = NotifyPreferences(
        user="ana", scope=Scope.MINE, rep_name="Ana", quiet_start=time(22, 0), quiet_end=time(7, 30), zone_name=BERLIN
    )
    with database.session() as session:
        save_preferences(session, expected)
    with database.session() as session:
        assert load_preferences(session, "ana", "UTC") == expected
        assert load_preferences(session, "ben", "UTC") == NotifyPreferences(user="ben", zone_name="UTC")


def test_arm_delay_bounds():
    assert arm_delay(T0 + minutes(5), T0, timedelta(hours=1)) == minutes(5)
    assert arm_delay(T0 - minutes(5), T0, timedelta(hours=1)) == timedelta(0)
    assert arm_delay(T0 + timedelta(days=40), T0, timedelta(hours=1)) == timedelta(hours=1)
    assert arm_delay(None, T0, timedelta(hours=1)) == timedelta(hours=1)


class FakeClocks:
    def __init__(self) -> None:
        self.wall = T0
        self.monotonic = 1000.0
        self.zone = BERLIN

    def advance(self, wall: timedelta, monotonic: timedelta) -> None:
        self.wall += wall
        self.monotonic += monotonic.total_seconds()


def make_watch(clocks: FakeClocks) -> ClockWatch:
    return ClockWatch(lambda: clocks.wall, lambda: clocks.zone, lambda: clocks.monotonic)


def test_clock_watch_sees_sleep():
    clocks = FakeClocks()
    watch = make_watch(clocks)

    clocks.advance(minutes(1), minutes(1))
    steady = watch.observe()
    clocks.advance(minutes(96), minutes(1))
    slept = watch.observe()

    assert steady is None
    assert slept.jump == minutes(95)
    assert slept.zone_changed is False


def test_clock_watch_sees_backward_jump_and_zone_change():
    clocks = FakeClocks()
    watch = make_watch(clocks)

    clocks.advance(-minutes(10), minutes(1))
    backwards = watch.observe()
    clocks.zone = "America/New_York"
    clocks.advance(minutes(1), minutes(1))
    moved = watch.observe()

    assert backwards.jump == -minutes(11)
    assert moved.jump == timedelta(0)
    assert moved.zone_changed is True
    assert (moved.old_zone, moved.new_zone) == (BERLIN, "America/New_York")


def test_receipt_stops_racing_window(reopen_database, database, reps):
    # Both windows read the events before either records a receipt, as two checks at the same second do.
    plan(database, add_lead(database, "Jo Doe", reps["Ana"]), T0 + minutes(5))
    now = T0 + minutes(5)
    other_window = reopen_database()
    try:
        with database.session() as first, other_window.session() as second:
            seen_first = scheduler.events_between(first, TEAM, T0, now)
            seen_second = scheduler.events_between(second, TEAM, T0, now)
            claimed_first = scheduler.claim(first, seen_first, "ana", now)
            first.commit()
            claimed_second = scheduler.claim(second, seen_second, "ana", now)
    finally:
        other_window.dispose()

    assert len(seen_second) == 1
    assert [event.lead_name for event in claimed_first] == ["Jo Doe"]
    assert claimed_second == []


def test_logged_escalation_notifies_owner(database, reps):
    lead_id = add_lead(database, "Jo Doe", reps["Ana"])
    run_check(database, T0)
    summary = "Reminder to Ana (at 50% of the SLA): respond to this lead, overdue by 2m"
    with database.session() as session:
        session.add(Activity(lead_id=lead_id, kind="escalation", occurred_at=T0 + minutes(3), summary=summary))
    ben_mine = NotifyPreferences(user="ben", scope=Scope.MINE, rep_name="Ben", zone_name=BERLIN)
    run_check(database, T0, ben_mine)

    shown = run_check(database, T0 + minutes(3))
    ben = run_check(database, T0 + minutes(3), ben_mine)
    again = run_check(database, T0 + minutes(4))

    assert shown.notification.title == "Escalated: Jo Doe"
    assert shown.notification.body == summary
    assert shown.notification.urgent is True
    assert ben.events == ()
    assert again.events == ()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"full_name": "Jo Doe", "first_name": "J"}, "Jo Doe"),
        ({"first_name": "Jo", "last_name": "Doe"}, "Jo Doe"),
        ({"email": "jo@example.com", "company": "Acme"}, "jo@example.com"),
        ({"company": "Acme"}, "Acme"),
        ({}, "(no name)"),
    ],
)
def test_event_names_match_display_name(database, fields, expected):
    with database.session() as session:
        session.add(Lead(received_at=T0, response_due_at=T0 + minutes(5), **fields))
    run_check(database, T0)

    events = run_check(database, T0 + minutes(5)).events

    assert [event.lead_name for event in events] == [expected]
    assert Lead(**fields).display_name == expected
