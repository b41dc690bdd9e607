"""Date-only follow-ups judged by the user's local date: state, inbox group and reminders, with an injected clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leaddesk.models import FollowUp, Lead
from leaddesk.services import follow_ups, inbox, scheduler
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.follow_up_state import FollowUpState, follow_up_state, reminder_at
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.local_time import LocalDue, SnoozeOption
from leaddesk.services.notifications.preferences import NotifyPreferences
from leaddesk.services.scheduler import EventKind

UTC = timezone.utc
AUCKLAND = "Pacific/Auckland"
LOS_ANGELES = "America/Los_Angeles"
# In June, Auckland is on NZST (UTC+12) and Los Angeles on PDT (UTC-7).
DAY = date(2026, 6, 15)
PLANNED_AT = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def local(zone_name: str, day: date, hour: int, minute: int) -> datetime:
    """Return the UTC instant of a wall time in zone_name."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def add_lead(session, name: str, score: int = 0) -> uuid.UUID:
    # Contacted, so only the follow-up decides between the follow-up group and the rest.
    lead = Lead(
        full_name=name,
        received_at=PLANNED_AT - timedelta(days=1),
        first_contacted_at=PLANNED_AT,
        stage="contacted",
        segment="general",
        score=score,
    )
    session.info[SKIP_KEY] = True
    session.add(lead)
    session.flush()
    return lead.id


def plan(database, due: LocalDue, name: str = "Jo Doe", score: int = 0) -> tuple[uuid.UUID, uuid.UUID]:
    with database.session() as session:
        lead_id = add_lead(session, name, score)
        change = follow_ups.schedule(session, lead_id, due, "call back", "ana", PLANNED_AT)
        return lead_id, change.follow_up_id


def state(database, follow_up_id: uuid.UUID, now: datetime, zone_name: str) -> FollowUpState:
    with database.session() as session:
        return follow_up_state(session.get(FollowUp, follow_up_id), now, zone_name)


def in_follow_up_group(database, lead_id: uuid.UUID, now: datetime, zone_name: str) -> bool:
    """Return whether the inbox puts the lead before a contacted lead of score 99 without follow-ups."""
    with database.session() as session:
        ids = inbox.list_lead_ids(session, InboxQuery(now=now, zone_name=zone_name))
    return ids.index(lead_id) == 0


@pytest.fixture
def rest_lead(database) -> uuid.UUID:
    with database.session() as session:
        return add_lead(session, "No follow-up", score=99)


# The minutes around both local midnights of DAY, and the 09:00 reminder between them.
DATE_ONLY_CASES = [
    (DAY - timedelta(days=1), 23, 59, FollowUpState.UPCOMING),
    (DAY, 0, 0, FollowUpState.DUE_TODAY),
    (DAY, 0, 1, FollowUpState.DUE_TODAY),
    (DAY, 8, 59, FollowUpState.DUE_TODAY),
    (DAY, 9, 0, FollowUpState.DUE_TODAY),
    (DAY, 23, 59, FollowUpState.DUE_TODAY),
    (DAY + timedelta(days=1), 0, 0, FollowUpState.OVERDUE),
    (DAY + timedelta(days=1), 0, 1, FollowUpState.OVERDUE),
]


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
@pytest.mark.parametrize(("day", "hour", "minute", "expected"), DATE_ONLY_CASES)
def test_date_only_state_by_local_day(database, zone_name, day, hour, minute, expected):
    _, follow_up_id = plan(database, LocalDue.on(DAY, zone_name))

    assert state(database, follow_up_id, local(zone_name, day, hour, minute), zone_name) is expected


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
def test_date_only_state_ignores_utc_date(database, zone_name):
    # Planned as a UTC date, judged on the user's date: in both zones, local noon of DAY
    # falls on another UTC date than DAY.
    _, follow_up_id = plan(database, LocalDue.on(DAY, "UTC"))
    at_noon_before = local(zone_name, DAY - timedelta(days=1), 12, 0)
    at_noon_after = local(zone_name, DAY + timedelta(days=1), 12, 0)

    assert state(database, follow_up_id, at_noon_before, zone_name) is FollowUpState.UPCOMING
    assert state(database, follow_up_id, local(zone_name, DAY, 0, 0), zone_name) is FollowUpState.DUE_TODAY
    assert state(database, follow_up_id, local(zone_name, DAY, 23, 59), zone_name) is FollowUpState.DUE_TODAY
    assert state(database, follow_up_id, at_noon_after, zone_name) is FollowUpState.OVERDUE


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
def test_timed_state_keeps_instant(database, zone_name):
    _, follow_up_id = plan(database, LocalDue.at(datetime(2026, 6, 15, 14, 30), zone_name))

    assert state(database, follow_up_id, local(zone_name, DAY - timedelta(days=1), 23, 59), zone_name) is FollowUpState.UPCOMING
    assert state(database, follow_up_id, local(zone_name, DAY, 0, 0), zone_name) is FollowUpState.DUE_TODAY
    assert state(database, follow_up_id, local(zone_name, DAY, 14, 29), zone_name) is FollowUpState.DUE_TODAY
    assert state(database, follow_up_id, local(zone_name, DAY, 14, 30), zone_name) is FollowUpState.OVERDUE


def test_snoozed_date_only_uses_snooze_instant(database):
    _, follow_up_id = plan(database, LocalDue.on(DAY, AUCKLAND))
    snoozed_at = local(AUCKLAND, DAY, 10, 0)
    with database.session() as session:
        follow_ups.snooze(session, follow_up_id, SnoozeOption.ONE_HOUR, "ana", snoozed_at)

    assert state(database, follow_up_id, local(AUCKLAND, DAY, 10, 59), AUCKLAND) is FollowUpState.DUE_TODAY
    assert state(database, follow_up_id, local(AUCKLAND, DAY, 11, 0), AUCKLAND) is FollowUpState.OVERDUE


def test_state_rejects_invalid_stored_date(database):
    _, follow_up_id = plan(database, LocalDue.on(DAY, AUCKLAND))
    with database.session() as session:
        follow_up = session.get(FollowUp, follow_up_id)
        follow_up.due_local = "15/06/2026"

        with pytest.raises(ValueError, match=r"invalid date '15/06/2026'; expected YYYY-MM-DD"):
            follow_up_state(follow_up, local(AUCKLAND, DAY, 12, 0), AUCKLAND)


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
@pytest.mark.parametrize(("day", "hour", "minute", "expected"), DATE_ONLY_CASES)
def test_inbox_date_only_group_by_local_day(database, rest_lead, zone_name, day, hour, minute, expected):
    lead_id, _ = plan(database, LocalDue.on(DAY, zone_name))

    in_group = in_follow_up_group(database, lead_id, local(zone_name, day, hour, minute), zone_name)

    assert in_group is (expected is not FollowUpState.UPCOMING)


def test_inbox_date_only_waits_for_user_date(database, rest_lead):
    # 09:00 in Auckland on DAY is 14:00 on the day before in Los Angeles.
    lead_id, _ = plan(database, LocalDue.on(DAY, AUCKLAND))
    reminder = local(AUCKLAND, DAY, 9, 0)

    assert in_follow_up_group(database, lead_id, reminder, AUCKLAND)
    assert not in_follow_up_group(database, lead_id, reminder, LOS_ANGELES)
    assert not in_follow_up_group(database, lead_id, local(LOS_ANGELES, DAY - timedelta(days=1), 23, 59), LOS_ANGELES)
    assert in_follow_up_group(database, lead_id, local(LOS_ANGELES, DAY, 0, 0), LOS_ANGELES)


def test_inbox_early_date_only_keeps_timed_due(database, rest_lead):
    lead_id, _ = plan(database, LocalDue.on(DAY, AUCKLAND))
    timed = LocalDue.at(datetime(2026, 6, 14, 13, 0), LOS_ANGELES)
    with database.session() as session:
        follow_ups.schedule(session, lead_id, timed, "send the deck", "ana", PLANNED_AT)
    reminder = local(AUCKLAND, DAY, 9, 0)

    assert in_follow_up_group(database, lead_id, reminder, LOS_ANGELES)
    assert not in_follow_up_group(database, lead_id, local(LOS_ANGELES, DAY - timedelta(days=1), 12, 59), LOS_ANGELES)


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
def test_inbox_timed_group_at_instant(database, rest_lead, zone_name):
    lead_id, _ = plan(database, LocalDue.at(datetime(2026, 6, 15, 0, 0), zone_name))

    assert not in_follow_up_group(database, lead_id, local(zone_name, DAY - timedelta(days=1), 23, 59), zone_name)
    assert in_follow_up_group(database, lead_id, local(zone_name, DAY, 0, 0), zone_name)


def test_inbox_overdue_follow_ups_oldest_first(database, rest_lead):
    yesterday_lead, _ = plan(database, LocalDue.on(DAY - timedelta(days=1), AUCKLAND), name="Yesterday")
    today_lead, _ = plan(database, LocalDue.on(DAY, AUCKLAND), name="Today")
    timed_lead, _ = plan(database, LocalDue.at(datetime(2026, 6, 15, 8, 0), AUCKLAND), name="Timed 08:00")
    now = local(AUCKLAND, DAY, 8, 30)

    with database.session() as session:
        ids = inbox.list_lead_ids(session, InboxQuery(now=now, zone_name=AUCKLAND))

    assert ids == [yesterday_lead, timed_lead, today_lead, rest_lead]


def test_inbox_rejects_unknown_zone():
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        InboxQuery(now=PLANNED_AT, zone_name="Mars/Olympus")


def follow_up_events(database, zone_name: str, after: datetime, until: datetime) -> list[scheduler.DueEvent]:
    preferences = NotifyPreferences(user="ana", zone_name=zone_name)
    with database.session() as session:
        events = scheduler.events_between(session, preferences, after, until)
    return [event for event in events if event.kind is EventKind.FOLLOW_UP_DUE]


def next_wake(database, zone_name: str, now: datetime) -> datetime | None:
    with database.session() as session:
        return scheduler.next_event_at(session, NotifyPreferences(user="ana", zone_name=zone_name), now)


@pytest.mark.parametrize("zone_name", [AUCKLAND, LOS_ANGELES])
def test_reminder_at_nine_same_zone(database, zone_name):
    _, follow_up_id = plan(database, LocalDue.on(DAY, zone_name))
    nine = local(zone_name, DAY, 9, 0)

    assert next_wake(database, zone_name, local(zone_name, DAY, 0, 0)) == nine
    assert follow_up_events(database, zone_name, nine - timedelta(minutes=1), nine - timedelta(seconds=1)) == []
    events = follow_up_events(database, zone_name, nine - timedelta(minutes=1), nine)
    assert [event.follow_up_id for event in events] == [follow_up_id]
    assert events[0].at == nine


def test_reminder_waits_for_user_midnight(database):
    _, follow_up_id = plan(database, LocalDue.on(DAY, AUCKLAND))
    nine_auckland = local(AUCKLAND, DAY, 9, 0)
    midnight_la = local(LOS_ANGELES, DAY, 0, 0)

    with database.session() as session:
        assert reminder_at(session.get(FollowUp, follow_up_id), LOS_ANGELES) == midnight_la
    assert follow_up_events(database, LOS_ANGELES, nine_auckland - timedelta(minutes=1), midnight_la - timedelta(minutes=1)) == []
    events = follow_up_events(database, LOS_ANGELES, midnight_la - timedelta(minutes=1), midnight_la)
    assert [event.at for event in events] == [midnight_la]
    # The timer first wakes at the 09:00 due instant, which claims nothing, then at midnight.
    assert next_wake(database, LOS_ANGELES, nine_auckland - timedelta(minutes=1)) == nine_auckland
    assert next_wake(database, LOS_ANGELES, nine_auckland) == midnight_la
    assert next_wake(database, LOS_ANGELES, midnight_la) is None


def test_reminder_claimed_once_across_midnight(database):
    _, follow_up_id = plan(database, LocalDue.on(DAY, AUCKLAND))
    preferences = NotifyPreferences(user="ana", zone_name=LOS_ANGELES)
    checks = [
        local(AUCKLAND, DAY, 8, 0),
        local(AUCKLAND, DAY, 9, 0),
        local(LOS_ANGELES, DAY - timedelta(days=1), 23, 59),
        local(LOS_ANGELES, DAY, 0, 0),
        local(LOS_ANGELES, DAY, 9, 0),
    ]

    claimed = []
    for now in checks:
        with database.session() as session:
            claimed.append([event.follow_up_id for event in scheduler.check(session, preferences, now).events])

    assert claimed == [[], [], [], [follow_up_id], []]


def test_inbox_early_date_only_keeps_past_date(database, rest_lead):
    lead_id, _ = plan(database, LocalDue.on(DAY, AUCKLAND))
    with database.session() as session:
        follow_ups.schedule(session, lead_id, LocalDue.on(DAY - timedelta(days=2), LOS_ANGELES), "", "ana", PLANNED_AT)

    assert in_follow_up_group(database, lead_id, local(AUCKLAND, DAY, 9, 0), LOS_ANGELES)
