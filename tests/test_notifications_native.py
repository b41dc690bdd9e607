"""Windows and macOS notifications through desktop-notifier, with a fake in place of its DesktopNotifier.

The fake receives the library's real Notification and Button objects. Like the WinRT
backend, it runs their callbacks on the event loop that sent them. So the tests cover the
notifier's own loop thread and the relay to the Qt main thread.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest

desktop_notifier = pytest.importorskip("desktop_notifier", reason="desktop-notifier is in the test extra; run `make test`")

from leaddesk.models import FollowUp  # noqa: E402
from leaddesk.services.notifications.desktop import desktop_notifier_for  # noqa: E402
from leaddesk.services.notifications.freedesktop import FreedesktopNotifier  # noqa: E402
from leaddesk.services.notifications.native import NativeNotifier  # noqa: E402
from leaddesk.services.notifications.notifier import Notification, RecordingNotifier  # noqa: E402

Capability = desktop_notifier.Capability
WINDOWS_CAPABILITIES = frozenset(
    {Capability.TITLE, Capability.MESSAGE, Capability.BUTTONS, Capability.ON_CLICKED, Capability.ON_DISPATCHED}
)
FOLLOW_UP_ACTIONS = (("open", "Open"), ("snooze", "Snooze 10 min"), ("done", "Mark done"))
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


class FakeDesktopNotifier:
    """Stands in for desktop_notifier.DesktopNotifier: records what is sent and presses buttons on request."""

    instances: list[FakeDesktopNotifier] = []
    authorised = True
    # When set, the permission request waits for this event, as macOS waits for the user.
    permission_answered: threading.Event | None = None
    capabilities = WINDOWS_CAPABILITIES
    accepts = True

    def __init__(self, app_name: str = "Python", app_icon: object = None) -> None:
        self.app_name = app_name
        self.created_on = threading.current_thread()
        self.sent: list[desktop_notifier.Notification] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        FakeDesktopNotifier.instances.append(self)

    async def request_authorisation(self) -> bool:
        if self.permission_answered is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.permission_answered.wait)
        return self.authorised

    async def get_capabilities(self) -> frozenset:
        return self.capabilities

    async def send_notification(self, notification) -> str:
        self.loop = asyncio.get_running_loop()
        if self.accepts:
            self.sent.append(notification)
            # The library calls on_dispatched once the platform accepted the notification.
            if notification.on_dispatched is not None:
                notification.on_dispatched()
        return notification.identifier

    def press(self, index: int, button_title: str | None = None) -> None:
        """Press a button of the index-th notification, or click the notification itself, on the send loop."""
        notification = self.sent[index]
        if button_title is None:
            callback = notification.on_clicked
        else:
            callback = next(button.on_pressed for button in notification.buttons if button.title == button_title)
        self.loop.call_soon_threadsafe(callback)


@pytest.fixture
def fake_library(monkeypatch):
    FakeDesktopNotifier.instances = []
    monkeypatch.setattr(desktop_notifier, "DesktopNotifier", FakeDesktopNotifier)
    monkeypatch.setattr(FakeDesktopNotifier, "authorised", True)
    monkeypatch.setattr(FakeDesktopNotifier, "permission_answered", None)
    monkeypatch.setattr(FakeDesktopNotifier, "capabilities", WINDOWS_CAPABILITIES)
    monkeypatch.setattr(FakeDesktopNotifier, "accepts", True)
    return FakeDesktopNotifier


@pytest.fixture
def native(fake_library):
    notifier = NativeNotifier()
    yield notifier
    notifier.stop()


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("linux", FreedesktopNotifier), ("win32", NativeNotifier), ("darwin", NativeNotifier), ("freebsd14", type(None))],
)
def test_backend_per_platform(platform, expected):
    assert type(desktop_notifier_for(platform)) is expected


def test_posts_library_notification(native, fake_library):
    notification = Notification(title="Follow-up due: Jo Doe", body="send the deck", actions=FOLLOW_UP_ACTIONS)

    assert native.available() is True
    assert native.post(notification) is True

    library = fake_library.instances[0]
    assert library.app_name == "LeadDesk"
    assert library.created_on is not threading.main_thread()
    sent = library.sent[0]
    assert isinstance(sent, desktop_notifier.Notification)
    assert (sent.title, sent.message) == ("Follow-up due: Jo Doe", "send the deck")
    assert sent.urgency is desktop_notifier.Urgency.Normal
    assert [button.title for button in sent.buttons] == ["Snooze 10 min", "Mark done"]
    assert sent.on_clicked is not None


def test_urgent_is_critical(native, fake_library):
    assert native.post(Notification(title="Response deadline missed: Jo Doe", body="", urgent=True, actions=(("open", "Open"),)))

    sent = fake_library.instances[0].sent[0]
    assert sent.urgency is desktop_notifier.Urgency.Critical
    assert sent.buttons == ()


def test_actions_reach_callback(native, fake_library):
    received: list[tuple[str, str, str]] = []
    done = threading.Event()

    def on_action(notification: Notification, action: str) -> None:
        received.append((notification.title, action, threading.current_thread().name))
        if len(received) == 3:
            done.set()

    native.listen(on_action)
    assert native.post(Notification(title="Follow-up due: Jo Doe", body="", actions=FOLLOW_UP_ACTIONS))
    library = fake_library.instances[0]
    library.press(0, "Snooze 10 min")
    library.press(0, "Mark done")
    library.press(0)

    assert done.wait(5), f"only {received} arrived within 5 seconds"
    assert [(title, action) for title, action, _thread in received] == [
        ("Follow-up due: Jo Doe", "snooze"),
        ("Follow-up due: Jo Doe", "done"),
        ("Follow-up due: Jo Doe", "open"),
    ]
    assert {thread for _title, _action, thread in received} == {"desktop-notifier"}


def test_denied_permission_is_unavailable(native, fake_library):
    fake_library.authorised = False

    assert native.available() is False
    assert native.post(Notification(title="Follow-up due: Jo Doe", body="")) is False


def test_pending_permission_falls_back(monkeypatch, native, fake_library):
    from leaddesk.services.notifications import native as native_module

    monkeypatch.setattr(native_module, "CALL_TIMEOUT", 0.2)
    fake_library.permission_answered = threading.Event()
    notification = Notification(title="Follow-up due: Jo Doe", body="")

    assert native.available() is True
    assert native.post(notification) is False

    fake_library.permission_answered.set()
    native._authorisation.result(5)
    assert native.post(notification) is True
    assert len(fake_library.instances[0].sent) == 1


def test_no_capabilities_is_unavailable(native, fake_library):
    # desktop-notifier's DummyNotificationCenter, used on macOS outside an app bundle, reports none.
    fake_library.capabilities = frozenset()

    assert native.available() is False


def test_rejected_post_falls_back(native, fake_library):
    from leaddesk.ui.desktop_notifier import FallbackNotifier

    fake_library.accepts = False
    recording = RecordingNotifier()
    chain = FallbackNotifier([native, recording])

    assert chain.post(Notification(title="Follow-up due: Jo Doe", body="")) is True
    assert [notification.title for notification in recording.posted] == ["Follow-up due: Jo Doe"]


def test_missing_library_is_unavailable(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "desktop_notifier", None)

    assert NativeNotifier().available() is False


def test_stop_ends_loop_thread(fake_library):
    notifier = NativeNotifier()
    assert notifier.available()
    thread = notifier._thread

    notifier.stop()

    assert not thread.is_alive()
    assert notifier.post(Notification(title="Follow-up due: Jo Doe", body="")) is False


def test_window_buttons_act_on_follow_up(qtbot, monkeypatch, database, fake_library):
    """On Windows, the toast's buttons snooze, complete and open through the window's triage."""
    from window_leads import Clock, add_overdue_and_waiting

    from leaddesk.ui.main_window import MainWindow

    monkeypatch.setattr("sys.platform", "win32")
    leads = add_overdue_and_waiting(database, NOW)
    with database.session() as session:
        row = FollowUp(lead_id=leads["waiting"], due_at=NOW - timedelta(minutes=1), note="send deck")
        session.add(row)
        session.flush()
        follow_up_id = row.id

    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    desktop = window.reminders.notifier.notifiers[0]
    assert isinstance(desktop, NativeNotifier)
    assert window.banner.service_label.isHidden()

    notification = Notification(
        title="Follow-up due: Wait Walt",
        body="send deck",
        lead_id=leads["waiting"],
        follow_up_id=follow_up_id,
        actions=FOLLOW_UP_ACTIONS,
    )
    assert window.reminders.notifier.post(notification)
    library = fake_library.instances[0]
    index = len(library.sent) - 1

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        library.press(index, "Snooze 10 min")
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).due_at == NOW + timedelta(minutes=10)

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        library.press(index, "Mark done")
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).completed_at == NOW

    with qtbot.waitSignal(window.detail_shown, timeout=5000):
        library.press(index)
    assert window.detail_pane.lead_id == leads["waiting"]
    desktop.stop()
