"""A change of the machine's timezone while the app runs: the wall-clock check detects it and re-checks."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.user_timezone import current_system_timezone, set_user_timezone
from leaddesk.ui.main_window import MainWindow
from window_leads import Clock

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)
WAIT_MS = 5000

pytestmark = pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset() exists on Unix only")


@pytest.fixture
def machine_zone(monkeypatch):
    """Set the process timezone through TZ, and restore the old one after the test."""

    def change(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    change("Europe/Berlin")
    yield change
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def window(qtbot, database, machine_zone) -> MainWindow:
    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    return window


def test_current_zone_follows_tz(machine_zone):
    machine_zone("Asia/Tokyo")

    assert current_system_timezone() == "Asia/Tokyo"
    assert time.localtime(0).tm_gmtoff == 9 * 3600


def test_watch_sees_zone_change(qtbot, window, machine_zone):
    assert window.user_zone == "Europe/Berlin"
    qtbot.waitUntil(lambda: not window.reminders._checking, timeout=WAIT_MS)
    assert window.reminders.watch.observe() is None

    machine_zone("America/Chicago")
    with qtbot.waitSignal(window.reminders.zone_changed, timeout=WAIT_MS) as changed:
        with qtbot.waitSignal(window.reminders.checked, timeout=WAIT_MS):
            window.reminders.watch_clock()

    assert changed.args == ["America/Chicago"]
    assert window.user_zone == "America/Chicago"
    assert window.reminders.wake_timer.isActive()


def test_chosen_zone_ignores_machine(qtbot, database, machine_zone):
    with database.session() as session:
        set_user_timezone(session, "tester", "Pacific/Auckland")
    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)

    machine_zone("America/Chicago")

    assert window.user_zone == "Pacific/Auckland"
    assert window.reminders.watch.observe() is None
