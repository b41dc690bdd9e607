"""Desktop notifications on Linux through the org.freedesktop.Notifications D-Bus service.

jeepney talks D-Bus in pure Python. keyring (25.x) already depends on it on Linux, through
SecretStorage, and it keeps this module free of Qt, so the scheduler and its tests run
without a QApplication.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from leaddesk.services.notifications.notifier import ACTION_OPEN, Notification

logger = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
APP_NAME = "LeadDesk"
# expire_timeout of Notify: 0 keeps a reminder on screen until the user dismisses it, because
# a reminder that vanishes after a few seconds is easily missed.
EXPIRE_NEVER = 0
# Seconds to wait for the notification server's reply.
REPLY_TIMEOUT = 2.0
# Urgency hint values of the Desktop Notifications Specification: 1 normal, 2 critical.
URGENCY_NORMAL = 1
URGENCY_CRITICAL = 2
# The action key that the specification reserves for clicking the notification itself.
DEFAULT_ACTION = "default"
# Posted notifications remembered for their actions; older ones lose their buttons' effect.
MAX_REMEMBERED = 200
# Seconds the action listener waits for a signal before it checks whether it should stop.
LISTEN_POLL = 1.0

ActionCallback = Callable[[Notification, str], None]


class FreedesktopNotifier:
    """Post notifications to the session bus named by bus ("SESSION" reads DBUS_SESSION_BUS_ADDRESS)."""

    name = "freedesktop"

    def __init__(self, bus: str = "SESSION") -> None:
        self.bus = bus
        self.server_name: str | None = None
        self._failures = 0
        # Server notification id -> the notification, for mapping ActionInvoked back to a lead.
        self._sent: OrderedDict[int, Notification] = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._router: Any = None
        self._router_context: Any = None

    def available(self) -> bool:
        """Return True when a notification server replies to GetServerInformation on the bus."""
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
            # Clicking the notification opens the lead, as the "Open" button does.
            actions += [DEFAULT_ACTION if key == ACTION_OPEN else key, label]
        hints = {"urgency": ("y", URGENCY_CRITICAL if notification.urgent else URGENCY_NORMAL)}
        arguments = (APP_NAME, 0, "", notification.title, notification.body, actions, hints, EXPIRE_NEVER)
        try:
            reply = self._call("Notify", "susssasa{sv}i", arguments)
        except NotifierUnavailable as error:
            self._failures += 1
            # One warning per run is enough; the caller falls back to another notifier.
            log = logger.warning if self._failures == 1 else logger.debug
            log("could not post notification %r: %s", notification.title, error)
            return False
        logger.debug("posted notification %d: %s", reply[0], notification.title)
        with self._lock:
            self._sent[int(reply[0])] = notification
            while len(self._sent) > MAX_REMEMBERED:
                self._sent.popitem(last=False)
        return True

    def listen(self, callback: ActionCallback) -> None:
        """Call callback(notification, action key) from a background thread when the user picks an action.

        Servers send ActionInvoked to the connection that posted the notification, so from
        here on post() sends through the listener's connection (a thread-safe jeepney
        router). Clicking the notification itself is reported as ACTION_OPEN.
        """
        if self._listener is not None:
            return
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.threading import open_dbus_router

        rule = MatchRule(type="signal", interface=BUS_NAME, member="ActionInvoked", path=OBJECT_PATH)
        try:
            self._router_context = open_dbus_router(bus=self.bus)
            router = self._router_context.__enter__()
            router.send_and_get_reply(message_bus.AddMatch(rule), timeout=REPLY_TIMEOUT)
        except (OSError, KeyError, ValueError, TimeoutError) as error:
            logger.warning("cannot listen for notification actions: %s", error)
            self._router_context = None
            return
        self._router = router
        self._stop.clear()
        self._listener = threading.Thread(
            target=self._listen, args=(router, rule, callback), name="dbus-actions", daemon=True
        )
        self._listener.start()

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=LISTEN_POLL * 3)
            self._listener = None
        if self._router_context is not None:
            self._router = None
            self._router_context.__exit__(None, None, None)
            self._router_context = None

    def _listen(self, router: Any, rule: Any, callback: ActionCallback) -> None:
        with router.filter(rule, bufsize=100) as signals:
            while not self._stop.is_set():
                try:
                    message = signals.get(timeout=LISTEN_POLL)
                except queue.Empty:
                    continue
                self._dispatch(callback, int(message.body[0]), str(message.body[1]))

    def _dispatch(self, callback: ActionCallback, notification_id: int, key: str) -> None:
        with self._lock:
            notification = self._sent.get(notification_id)
        if notification is None:
            # Another application's notification, or one of ours too old to remember.
            return
        action = ACTION_OPEN if key == DEFAULT_ACTION else key
        logger.info("notification action %s on %r", action, notification.title)
        callback(notification, action)

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
            if self._router is not None:
                return tuple(unwrap_msg(self._router.send_and_get_reply(message, timeout=REPLY_TIMEOUT)))
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
