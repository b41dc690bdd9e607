"""Desktop notifications with action buttons on Windows and macOS, through the desktop-notifier library.

desktop-notifier (6.x) posts WinRT toasts on Windows and uses UNUserNotificationCenter on
macOS. Its API is asyncio-based and a notification's callbacks need a running loop, so
this module runs one event loop on a thread of its own and makes every library call on
it. Qt keeps its own event loop on the main thread, and nothing here imports Qt.

On Windows, callbacks run on that loop's thread, because the library hands WinRT events
to the loop that sent the toast. On macOS, the library needs a CFRunLoop on the main
thread to deliver them, which Qt's event loop runs there. The callback given to listen()
must therefore be thread-safe, and the UI passes a Qt signal's emit.

NOTE: these paths are tested on Linux with a fake in place of the library's
DesktopNotifier, not on Windows or macOS themselves.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from leaddesk.services.notifications.notifier import ACTION_OPEN, Notification

logger = logging.getLogger(__name__)

APP_NAME = "LeadDesk"
# Seconds to wait for a library call. On macOS the first permission request lasts until
# the user allows or denies it, so available() waits this long for it and then lets it
# finish in the background, keeping the window's start from blocking on the user.
CALL_TIMEOUT = 5.0
# Seconds stop() waits for the loop thread to end.
STOP_TIMEOUT = 3.0

ActionCallback = Callable[[Notification, str], None]


class NativeNotifier:
    """Post notifications through desktop-notifier, with Snooze and Mark done as buttons.

    notifier_class replaces desktop_notifier.DesktopNotifier, for tests. Clicking the
    notification reports ACTION_OPEN, as the Open action does on Linux.
    """

    name = "native"

    def __init__(self, notifier_class: Callable[..., Any] | None = None) -> None:
        self.notifier_class = notifier_class
        self._library: Any = None
        self._module: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._callback: ActionCallback | None = None
        self._available: bool | None = None
        # The pending or finished permission request; its result is True when granted.
        self._authorisation: concurrent.futures.Future[bool] | None = None
        self._failures = 0

    def available(self) -> bool:
        """Return True when the library loads and the platform can show notifications.

        The first call starts the loop thread, creates the library's notifier and requests
        permission from the platform. It returns False when permission was denied within
        CALL_TIMEOUT. Later calls return that first result.
        """
        if self._available is None:
            self._available = self._open()
        return self._available

    def post(self, notification: Notification) -> bool:
        """Show the notification and return True, or return False so that the caller falls back.

        It also returns False while the permission request is still pending.
        """
        if not self.available() or not self._authorised(notification):
            return False
        dispatched = threading.Event()
        native = self._native_notification(notification, dispatched.set)
        try:
            self._run(self._library.send_notification(native), CALL_TIMEOUT)
        except NotifierFailed as error:
            return self._post_failed(notification, str(error))
        # The library logs a failed send as a warning instead of raising, and calls
        # on_dispatched only after the platform accepted the notification.
        if not dispatched.is_set():
            return self._post_failed(notification, "the platform did not accept it; the library logged why")
        logger.debug("posted notification %s: %s", native.identifier, notification.title)
        return True

    def listen(self, callback: ActionCallback) -> None:
        """Call callback(notification, action key) when the user clicks a notification or one of its buttons."""
        self._callback = callback

    def stop(self) -> None:
        """Stop the loop thread. Buttons of notifications still on screen do nothing after this."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        self._available = False
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=STOP_TIMEOUT)
        if thread.is_alive():
            logger.warning("the desktop-notifier loop thread did not stop within %.0f seconds", STOP_TIMEOUT)
            return
        loop.close()

    def _open(self) -> bool:
        try:
            import desktop_notifier
        except ImportError as error:
            logger.info("no native notifications: desktop-notifier is not installed (%s)", error)
            return False
        self._module = desktop_notifier
        notifier_class = self.notifier_class or desktop_notifier.DesktopNotifier
        self._start_loop()
        try:
            capabilities = self._run(self._create(notifier_class), CALL_TIMEOUT)
        except NotifierFailed as error:
            logger.warning("no native notifications: %s", error)
            self.stop()
            return False
        # The library's fallback for unsupported systems (such as macOS without an app
        # bundle) shows nothing and reports no capabilities.
        if desktop_notifier.Capability.MESSAGE not in capabilities:
            logger.warning("no native notifications: %s reports no capabilities", type(self._library).__name__)
            self.stop()
            return False
        if desktop_notifier.Capability.BUTTONS not in capabilities:
            logger.warning("native notifications have no buttons here; snooze and mark done with s and e in the inbox")

        self._authorisation = asyncio.run_coroutine_threadsafe(self._library.request_authorisation(), self._loop)
        try:
            granted = self._authorisation.result(CALL_TIMEOUT)
        except concurrent.futures.TimeoutError:
            logger.info("waiting for permission to show notifications; the tray shows them until it is granted")
            granted = True
        except Exception as error:  # noqa: BLE001 - any failure of the platform backend means no native notifications
            logger.warning("no native notifications: the permission request failed: %s", error)
            granted = False
        if not granted:
            logger.warning("no native notifications: the user or the system did not allow LeadDesk to notify")
            self.stop()
            return False
        logger.info("native notifications through desktop-notifier %s", desktop_notifier.__version__)
        return True

    async def _create(self, notifier_class: Callable[..., Any]) -> frozenset[Any]:
        # Created on the loop thread, so that the library's objects live on the thread that uses them.
        self._library = notifier_class(app_name=APP_NAME)
        return frozenset(await self._library.get_capabilities())

    def _authorised(self, notification: Notification) -> bool:
        request = self._authorisation
        if request is None or not request.done():
            logger.debug("permission to notify is still pending; not posting %r natively", notification.title)
            return False
        if request.cancelled() or request.exception() is not None or not request.result():
            return self._post_failed(notification, "permission to show notifications was denied or failed")
        return True

    def _native_notification(self, notification: Notification, on_dispatched: Callable[[], None]) -> Any:
        module = self._module
        buttons = tuple(
            module.Button(title=label, on_pressed=functools.partial(self._dispatch, notification, key))
            for key, label in notification.actions
            if key != ACTION_OPEN
        )
        has_open = any(key == ACTION_OPEN for key, _label in notification.actions)
        # NOTE: no timeout is passed, so how long a notification stays on screen is the platform's
        # default. Staying until dismissed, as on freedesktop servers, is not verified on Windows or macOS.
        return module.Notification(
            title=notification.title,
            message=notification.body,
            urgency=module.Urgency.Critical if notification.urgent else module.Urgency.Normal,
            buttons=buttons,
            on_clicked=functools.partial(self._dispatch, notification, ACTION_OPEN) if has_open else None,
            on_dispatched=on_dispatched,
        )

    def _dispatch(self, notification: Notification, action: str) -> None:
        if self._callback is None:
            logger.info("ignoring notification action %s on %r: nothing listens", action, notification.title)
            return
        logger.info("notification action %s on %r", action, notification.title)
        self._callback(notification, action)

    def _post_failed(self, notification: Notification, reason: str) -> bool:
        self._failures += 1
        # One warning per run is enough, and the caller falls back to another notifier.
        log = logger.warning if self._failures == 1 else logger.debug
        log("could not post notification %r: %s", notification.title, reason)
        return False

    def _start_loop(self) -> None:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="desktop-notifier", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

    def _run(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        """Run coroutine on the loop thread and return its result, or raise NotifierFailed."""
        if self._loop is None:
            coroutine.close()
            raise NotifierFailed("the notification loop is stopped")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            raise NotifierFailed(f"desktop-notifier timed out after {timeout:.0f} seconds") from error
        except Exception as error:  # noqa: BLE001 - the platform backends raise many types
            # Such as the RuntimeError of WinRT without a toast notifier. A failed notifier
            # must not stop the window from starting, so every error means falling back.
            raise NotifierFailed(f"desktop-notifier failed: {error!r}") from error


class NotifierFailed(Exception):
    """A desktop-notifier call raised an error or timed out."""
