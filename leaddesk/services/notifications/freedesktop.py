"""Desktop notifications on Linux through the org.freedesktop.Notifications D-Bus service.

jeepney talks D-Bus in pure Python. keyring already depends on it on Linux (through
SecretStorage), and it keeps this module free of Qt, so the scheduler and its tests run
without a QApplication.
"""

from __future__ import annotations

import logging
from typing import Any

from leaddesk.services.notifications.notifier import Notification

logger = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
APP_NAME = "LeadDesk"
# How long the server shows a notification, in milliseconds; urgent ones stay until dismissed (0).
EXPIRE_MS = 10_000
# Seconds to wait for the notification server's reply.
REPLY_TIMEOUT = 2.0
# Urgency hint values of the Desktop Notifications Specification: 1 normal, 2 critical.
URGENCY_NORMAL = 1
URGENCY_CRITICAL = 2


class FreedesktopNotifier:
    """Post notifications to the session bus named by bus ("SESSION" reads DBUS_SESSION_BUS_ADDRESS)."""

    name = "freedesktop"

    def __init__(self, bus: str = "SESSION") -> None:
        self.bus = bus
        self.server_name: str | None = None
        self._failures = 0

    def available(self) -> bool:
        """Return True when a notification server answers GetServerInformation on the bus."""
        try:
            reply = self._call("GetServerInformation", "", ())
        except NotifierUnavailable as error:
            logger.info("no desktop notification service on the session bus: %s", error)
            return False
        self.server_name = str(reply[0])
        logger.info("desktop notifications go to %s %s", reply[0], reply[2])
        return True

    def post(self, notification: Notification) -> bool:
        actions: list[str] = []
        for key, label in notification.actions:
            actions += [key, label]
        hints = {"urgency": ("y", URGENCY_CRITICAL if notification.urgent else URGENCY_NORMAL)}
        expire = 0 if notification.urgent else EXPIRE_MS
        arguments = (APP_NAME, 0, "", notification.title, notification.body, actions, hints, expire)
        try:
            reply = self._call("Notify", "susssasa{sv}i", arguments)
        except NotifierUnavailable as error:
            self._failures += 1
            # One warning per run is enough; the caller falls back to another notifier.
            log = logger.warning if self._failures == 1 else logger.debug
            log("could not post notification %r: %s", notification.title, error)
            return False
        logger.debug("posted notification %d: %s", reply[0], notification.title)
        return True

    def _call(self, method: str, signature: str, arguments: tuple[Any, ...]) -> tuple[Any, ...]:
        try:
            from jeepney import DBusAddress, new_method_call
            from jeepney.io.blocking import open_dbus_connection
            from jeepney.wrappers import DBusErrorResponse, unwrap_msg
        except ImportError as error:
            raise NotifierUnavailable(f"jeepney is not installed: {error}") from error

        address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
        message = new_method_call(address, method, signature or None, arguments)
        try:
            with open_dbus_connection(bus=self.bus) as connection:
                return tuple(unwrap_msg(connection.send_and_get_reply(message, timeout=REPLY_TIMEOUT)))
        except KeyError as error:
            raise NotifierUnavailable(f"the session bus address is not set ({error})") from error
        except DBusErrorResponse as error:
            raise NotifierUnavailable(f"the notification server returned {error.name}: {error.data}") from error
        except (OSError, TimeoutError, ValueError) as error:
            raise NotifierUnavailable(f"the session bus failed: {error}") from error


class NotifierUnavailable(Exception):
    """The notification service cannot be reached or rejected the call."""
