"""Pruning the records of what each user was shown, and labels of nameless leads in notifications."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from leaddesk.models import Lead, NotificationReceipt
from leaddesk.services import scheduler
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.notifications.preferences import NotifyPreferences
from leaddesk.services.notifications.receipts import prune_cutoff, prune_receipts
from leaddesk.services.notifications.summary import summarize
from leaddesk.services.scheduler import DueEvent, EventKind
from leaddesk.ui.reminder_timer import ReminderTimer
from leaddesk.ui.tasks import TaskRunner

UTC = timezone.utc
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
ANA = NotifyPreferences(user="ana", zone_name="Europe/Berlin")
BEN = NotifyPreferences(user="ben", zone_name="Europe/Berlin")


def add_leads(database, count: int, due_at: datetime) -> None:
    with database.session() as session:
        for index in range(count):
            session.add(Lead(full_name=f"Lead {index}", received_at=due_at - timedelta(hours=1), response_due_at=due_at))


def receipt_count(database, user: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).where(NotificationReceipt.recipient == user))


def check(database, preferences: NotifyPreferences, now: datetime) -> scheduler.CheckResult:
    with database.session() as session:
        return scheduler.check(session, preferences, now)


def test_prune_keeps_recent_records(database):
    for preferences in (ANA, BEN):
        check(database, preferences, T0)
    add_leads(database, 12, T0 + timedelta(minutes=5))
    for preferences in (ANA, BEN):
        assert len(check(database, preferences, T0 + timedelta(minutes=10)).events) == 12
    assert receipt_count(database, "ana") == 12

    with database.session() as session:
        assert prune_receipts(session, "ana") == 0
    assert receipt_count(database, "ana") == 12

    later = T0 + timedelta(days=9)
    assert prune_cutoff(later) > T0 + timedelta(minutes=10)
    check(database, ANA, later)
    with database.session() as session:
        assert prune_receipts(session, "ana") == 12

    assert receipt_count(database, "ana") == 0
    assert receipt_count(database, "ben") == 12
    assert check(database, ANA, later + timedelta(minutes=1)).events == ()


def test_prune_without_check_does_nothing(database):
    with database.session() as session:
        assert prune_receipts(session, "nobody") == 0


def test_timer_prunes_at_start(qtbot, database):
    runner = TaskRunner(database)
    timer = ReminderTimer(runner, RecordingNotifier(), "ana", lambda: T0, zone_name=lambda: "UTC", resume_bus=None)
    try:
        with qtbot.waitSignal(timer.pruned, timeout=10_000) as pruned:
            timer.start()
    finally:
        timer.stop()
        runner.shut_down()

    assert pruned.args == [0]


def test_group_labels_nameless_leads():
    first, second = uuid.uuid4(), uuid.uuid4()
    events = [
        DueEvent(EventKind.SLA_BREACH, T0, first, "(no name)"),
        DueEvent(EventKind.SLA_BREACH, T0, second, "(no name)"),
        DueEvent(EventKind.SLA_BREACH, T0, uuid.uuid4(), "+49 30 1234567"),
    ]

    body = summarize(events, T0 + timedelta(hours=1)).body

    assert body == f"unnamed lead {str(first)[:8]}, unnamed lead {str(second)[:8]}, +49 30 1234567"


def test_phone_labels_lead():
    assert Lead(phone="+49 30 1234567").display_name == "+49 30 1234567"
