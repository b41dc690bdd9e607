"""Pick how reminders reach the user: the desktop's notification service, the system tray, or the in-app banner."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from leaddesk.services.notifications.desktop import desktop_notifier_for
from leaddesk.services.notifications.freedesktop import FreedesktopNotifier
from leaddesk.services.notifications.native import NativeNotifier
from leaddesk.services.notifications.notifier import ACTION_DONE, ACTION_OPEN, ACTION_SNOOZE, Notification, Notifier
from leaddesk.ui.notification_banner import NotificationBanner

if TYPE_CHECKING:
    from leaddesk.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

TRAY_MESSAGE_MS = 10_000


class TrayNotifier(QObject):
    """Notifications as system tray messages, without buttons. Clicking one opens its lead."""

    name = "tray"
    open_requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray = QSystemTrayIcon(QApplication.windowIcon(), self)
        self.tray.setToolTip("LeadDesk")
        self.tray.messageClicked.connect(self._on_clicked)
        self._lead_id: uuid.UUID | None = None

    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def post(self, notification: Notification) -> bool:
        if not self.available():
            return False
        self.tray.show()
        self._lead_id = notification.lead_id
        icon = QSystemTrayIcon.MessageIcon.Warning if notification.urgent else QSystemTrayIcon.MessageIcon.Information
        self.tray.showMessage(notification.title, notification.body, icon, TRAY_MESSAGE_MS)
        return True

    def _on_clicked(self) -> None:
        if self._lead_id is not None:
            self.open_requested.emit(self._lead_id)


class ActionRelay(QObject):
    """Carries a notification action from the notifier's thread to the GUI thread."""

    invoked = Signal(object, str)


class FallbackNotifier:
    """Post to the first notifier that shows the notification, in order."""

    name = "fallback"

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    def available(self) -> bool:
        return any(notifier.available() for notifier in self.notifiers)

    def post(self, notification: Notification) -> bool:
        for notifier in self.notifiers:
            if notifier.post(notification):
                return True
            logger.info("notifier %s could not show %r; trying the next one", notifier.name, notification.title)
        return False


def choose_notifier(banner: NotificationBanner, window: MainWindow | None = None) -> FallbackNotifier:
    """Return the desktop service when one replies, then the tray, then the banner, which is always there.

    The desktop service is D-Bus on Linux and desktop-notifier on Windows and macOS (see
    desktop_notifier_for). The banner shows that it is the fallback when neither of the
    others is available. With a window, the desktop service's Open, Snooze and Mark done
    actions act on its lead.
    """
    chain: list[Notifier] = []
    desktop = desktop_notifier_for(sys.platform)
    if desktop is not None and desktop.available():
        chain.append(desktop)
        if window is not None:
            _listen_for_actions(desktop, banner, window)
    tray = TrayNotifier(window)
    tray.open_requested.connect(banner.open_requested)
    if tray.available():
        chain.append(tray)
    banner.set_service_missing(not chain)
    chain.append(banner)
    logger.info("reminders go to: %s", ", ".join(notifier.name for notifier in chain))
    return FallbackNotifier(chain)


def _listen_for_actions(
    desktop: FreedesktopNotifier | NativeNotifier, banner: NotificationBanner, window: MainWindow
) -> None:
    relay = ActionRelay(window)
    relay.invoked.connect(lambda notification, action: handle_action(window, banner, notification, action))
    desktop.listen(relay.invoked.emit)
    application = QCoreApplication.instance()
    if application is not None:
        application.aboutToQuit.connect(desktop.stop)


def handle_action(window: MainWindow, banner: NotificationBanner, notification: Notification, action: str) -> None:
    """Open the lead, or snooze or complete the notification's follow-up through the window's triage."""
    if action == ACTION_OPEN and notification.lead_id is not None:
        window.showNormal()
        window.activateWindow()
        banner.open_requested.emit(notification.lead_id)
    elif action == ACTION_SNOOZE and notification.follow_up_id is not None:
        window.triage.snooze_follow_up(notification.lead_id, notification.follow_up_id)
    elif action == ACTION_DONE and notification.follow_up_id is not None:
        window.triage.complete_follow_up(notification.lead_id, notification.follow_up_id)
    else:
        logger.info("ignoring notification action %s on %r", action, notification.title)
