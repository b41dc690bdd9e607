"""Desktop notifications through a real notification server (dunst) on a private D-Bus session bus."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from leaddesk.services.notifications.freedesktop import BUS_NAME, FreedesktopNotifier
from leaddesk.services.notifications.notifier import Notification
from dbus_bus import private_dbus

SERVER_START_TIMEOUT = 15.0
REQUIRED_TOOLS = ("dbus-daemon", "dunst", "dunstctl", "xvfb-run")


def _require_tools() -> None:
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not found; installer/system-packages.sh installs the Debian packages "
            "dbus-daemon, dunst and xvfb (run `make test` as root or with password-less sudo)"
        )


def _name_has_owner(address: str) -> bool:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as connection:
        return bool(connection.send_and_get_reply(message_bus.NameHasOwner(BUS_NAME), timeout=2).body[0])


@pytest.fixture
def session_bus(tmp_path: Path):
    """Start a private dbus-daemon and return its address."""
    _require_tools()
    with private_dbus(tmp_path, "session") as address:
        yield address


@pytest.fixture
def dunst(session_bus: str, tmp_path: Path):
    """Start dunst under its own Xvfb display on session_bus and wait until it owns the notification name."""
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": session_bus, "HOME": str(tmp_path)}
    env.pop("DISPLAY", None)
    log = (tmp_path / "dunst.log").open("w")
    server = subprocess.Popen(
        ["xvfb-run", "-a", "dunst"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _name_has_owner(session_bus):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"dunst did not start: {(tmp_path / 'dunst.log').read_text()}")
            time.sleep(0.1)
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        log.close()


def _history(env: dict[str, str]) -> list[dict[str, str]]:
    """Close every shown notification, then return dunst's history as {field: value} dicts."""
    subprocess.run(["dunstctl", "close-all"], env=env, check=True, timeout=10)
    deadline = time.monotonic() + 5
    while True:
        output = subprocess.run(["dunstctl", "history"], env=env, check=True, timeout=10, capture_output=True, text=True)
        entries = json.loads(output.stdout)["data"][0]
        if entries or time.monotonic() > deadline:
            return [{key: value["data"] for key, value in entry.items()} for entry in entries]
        time.sleep(0.1)


def test_posts_to_real_dunst(dunst, session_bus):
    notifier = FreedesktopNotifier(bus=session_bus)
    notification = Notification(
        title="Follow-up due: Jo Doe",
        body="send the deck",
        actions=(("open", "Open"), ("snooze", "Snooze 10 min")),
        urgent=True,
    )

    assert notifier.available() is True
    assert notifier.server_name == "dunst"
    assert notifier.post(notification) is True

    history = _history(dunst)
    assert len(history) == 1
    assert history[0]["summary"] == "Follow-up due: Jo Doe"
    assert history[0]["body"] == "send the deck"
    assert history[0]["appname"] == "LeadDesk"


def test_normal_reminder_never_expires(dunst, session_bus):
    notifier = FreedesktopNotifier(bus=session_bus)
    assert notifier.post(Notification(title="Follow-up due: Jo Doe", body="call back")) is True

    history = _history(dunst)

    assert len(history) == 1
    assert history[0]["timeout"] == 0


def test_bus_without_server_is_unavailable(session_bus):
    notifier = FreedesktopNotifier(bus=session_bus)

    assert notifier.available() is False
    assert notifier.post(Notification(title="Follow-up due: Jo Doe", body="")) is False


def test_missing_bus_address_is_unavailable(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)

    assert FreedesktopNotifier().available() is False


def test_default_action_reaches_callback(dunst, session_bus):
    notifier = FreedesktopNotifier(bus=session_bus)
    invoked: list[tuple[str, str]] = []
    done = threading.Event()

    def on_action(notification: Notification, action: str) -> None:
        invoked.append((notification.title, action))
        done.set()

    notifier.listen(on_action)
    try:
        assert notifier.post(
            Notification(title="Follow-up due: Jo Doe", body="", actions=(("open", "Open"), ("done", "Mark done")))
        )
        subprocess.run(["dunstctl", "action", "0"], env=dunst, check=True, timeout=10)
        assert done.wait(10), "no ActionInvoked signal arrived within 10 seconds"
    finally:
        notifier.stop()

    assert invoked == [("Follow-up due: Jo Doe", "open")]
