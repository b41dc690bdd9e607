"""The OS resume signal: logind's PrepareForSleep on a private D-Bus, and Windows' WM_POWERBROADCAST by a synthetic call."""

from __future__ import annotations

import ctypes
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.resume_signal import LOGIN1_NAME, LOGIN1_PATH, MANAGER_INTERFACE, LogindResumeListener
from leaddesk.ui.reminder_timer import ReminderTimer
from leaddesk.ui.resume_watch import (
    PBT_APMRESUMEAUTOMATIC,
    WM_POWERBROADCAST,
    Msg,
    PowerBroadcastWidget,
    ResumeWatch,
)
from leaddesk.ui.tasks import TaskRunner
from dbus_bus import private_dbus

PBT_APMSUSPEND = 0x0004
WAIT_SECONDS = 5.0


@pytest.fixture
def private_bus(tmp_path: Path):
    """Start a dbus-daemon on a socket in tmp_path and return its address."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon not found; installer/system-packages.sh installs the Debian package dbus-daemon")
    with private_dbus(tmp_path, "system") as address:
        yield address


def _emit_prepare_for_sleep(address: str, values: list[bool], own_login1_name: bool = True) -> None:
    """Send PrepareForSleep(value) for each value, from a connection that owns logind's bus name when asked."""
    from jeepney import DBusAddress, new_signal
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as connection:
        if own_login1_name:
            reply = connection.send_and_get_reply(message_bus.RequestName(LOGIN1_NAME), timeout=2)
            assert reply.body[0] == 1, f"could not own {LOGIN1_NAME} on the test bus: {reply.body}"
        emitter = DBusAddress(LOGIN1_PATH, interface=MANAGER_INTERFACE)
        for value in values:
            connection.send(new_signal(emitter, "PrepareForSleep", "b", (value,)))
        # A round trip to the bus makes sure the signals left before the connection closes.
        connection.send_and_get_reply(message_bus.GetId(), timeout=2)


def test_resume_calls_back_once(private_bus):
    resumed = threading.Event()
    calls: list[str] = []

    def on_resume() -> None:
        calls.append("resume")
        resumed.set()

    listener = LogindResumeListener(on_resume, bus=private_bus)
    assert listener.start() is True
    try:
        _emit_prepare_for_sleep(private_bus, [True, False])
        assert resumed.wait(WAIT_SECONDS), "PrepareForSleep(false) did not reach the listener"
    finally:
        listener.stop()

    assert calls == ["resume"]
    assert listener.running is False


def test_other_sender_is_ignored(private_bus):
    calls: list[str] = []
    listener = LogindResumeListener(lambda: calls.append("resume"), bus=private_bus)
    assert listener.start() is True
    try:
        _emit_prepare_for_sleep(private_bus, [False], own_login1_name=False)
        # Then one from logind: once it arrives, the first signal has had its chance to arrive too.
        resumed = threading.Event()
        listener.on_resume = lambda: (calls.append("logind"), resumed.set())
        _emit_prepare_for_sleep(private_bus, [False])
        assert resumed.wait(WAIT_SECONDS)
    finally:
        listener.stop()

    assert calls == ["logind"]


def test_missing_bus_falls_back_quietly(tmp_path):
    listener = LogindResumeListener(lambda: None, bus=f"unix:path={tmp_path / 'no-bus-here'}")

    assert listener.start() is False
    assert listener.running is False


def test_resume_runs_reminder_check(qtbot, database, private_bus):
    runner = TaskRunner(database)
    now = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
    timer = ReminderTimer(runner, RecordingNotifier(), "ana", lambda: now, zone_name=lambda: "UTC", resume_bus=private_bus)
    try:
        with qtbot.waitSignal(timer.checked, timeout=20_000):
            timer.start()
        assert timer.resume_watch.listener is not None

        with qtbot.waitSignal(timer.checked, timeout=20_000):
            _emit_prepare_for_sleep(private_bus, [False])
    finally:
        timer.stop()
        runner.shut_down()

    assert timer.resume_watch.listener is None


def _windows_message(message: int, w_param: int) -> Msg:
    return Msg(hwnd=None, message=message, wParam=w_param, lParam=0)


def test_power_broadcast_emits_resumed(qtbot):
    widget = PowerBroadcastWidget()
    qtbot.addWidget(widget)
    resume = _windows_message(WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC)

    with qtbot.waitSignal(widget.resumed, timeout=1000):
        handled = widget.nativeEvent(QByteArray(b"windows_generic_MSG"), ctypes.addressof(resume))

    assert handled == (False, 0)


@pytest.mark.parametrize(
    ("event_type", "message", "w_param"),
    [
        (b"windows_generic_MSG", WM_POWERBROADCAST, PBT_APMSUSPEND),
        (b"windows_generic_MSG", 0x0010, PBT_APMRESUMEAUTOMATIC),
        (b"xcb_generic_event_t", WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC),
    ],
)
def test_other_native_events_ignored(qtbot, event_type, message, w_param):
    widget = PowerBroadcastWidget()
    qtbot.addWidget(widget)
    native = _windows_message(message, w_param)

    with qtbot.assertNotEmitted(widget.resumed):
        widget.nativeEvent(QByteArray(event_type), ctypes.addressof(native))


def test_windows_watch_relays_resume(qtbot):
    watch = ResumeWatch(system_bus=None)
    try:
        assert watch.start(platform="win32") == "windows"
        resume = _windows_message(WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC)
        with qtbot.waitSignal(watch.resumed, timeout=1000):
            watch.widget.nativeEvent(QByteArray(b"windows_generic_MSG"), ctypes.addressof(resume))
    finally:
        watch.stop()


def test_macos_has_no_resume_source():
    watch = ResumeWatch()

    assert watch.start(platform="darwin") == "none"
    assert watch.listener is None
    assert watch.widget is None
