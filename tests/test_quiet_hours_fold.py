"""Quiet hours on the autumn DST night, and the reminder timer's guard against a wake in the past."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.notifications.preferences import NotifyPreferences
from leaddesk.ui.reminder_timer import PAST_WAKE_RETRY, ReminderTimer
from leaddesk.ui.tasks import TaskRunner

UTC = timezone.utc
QUIET = NotifyPreferences(user="ana", quiet_start=time(1, 0), quiet_end=time(2, 45), zone_name="Europe/Berlin")


def test_quiet_end_in_repeated_hour():
    # 01:10 UTC on 25 October 2026 is the second 02:10 in Berlin (CET, after the clocks went back).
    now = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)

    assert QUIET.quiet_until(now) == datetime(2026, 10, 25, 1, 45, tzinfo=UTC)


def test_quiet_end_first_occurrence():
    # 00:10 UTC is the first 02:10 (CEST), so the quiet hours end at the first 02:45.
    now = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)

    assert QUIET.quiet_until(now) == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)


def test_quiet_end_always_after_now():
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    for minute in range(0, 5 * 60, 5):
        now = start + timedelta(minutes=minute)
        end = QUIET.quiet_until(now)
        if end is not None:
            assert end > now, now


def test_timer_waits_after_past_wake(qtbot, database):
    now = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    runner = TaskRunner(database)
    timer = ReminderTimer(runner, RecordingNotifier(), "ana", lambda: now, zone_name=lambda: "UTC", resume_bus=None)
    try:
        timer._arm(now - timedelta(minutes=25), now)
        assert timer.wake_timer.remainingTime() > (PAST_WAKE_RETRY - timedelta(seconds=1)).total_seconds() * 1000

        timer._arm(now + timedelta(seconds=2), now)
        assert timer.wake_timer.remainingTime() <= 2000
    finally:
        timer.stop()
        runner.shut_down()
