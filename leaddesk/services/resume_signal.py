"""Listen for the system resuming from sleep on Linux: logind's PrepareForSleep(false) on the system D-Bus.

systemd-logind emits org.freedesktop.login1.Manager.PrepareForSleep(true) before a
suspend and PrepareForSleep(false) after the resume (org.freedesktop.login1(5)). The
listener runs a background thread and calls on_resume from it, so a Qt caller relays the
call to the GUI thread. Without a system bus (containers, or systems without logind)
start() returns False and logs one info line. The 60-second wall-clock check still
notices the sleep then.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

LOGIN1_NAME = "org.freedesktop.login1"
LOGIN1_PATH = "/org/freedesktop/login1"
MANAGER_INTERFACE = "org.freedesktop.login1.Manager"
SIGNAL_NAME = "PrepareForSleep"
# Seconds to wait for the bus to confirm the match rule.
REPLY_TIMEOUT = 2.0
# Seconds the thread waits for a signal before it checks whether it should stop.
LISTEN_POLL = 1.0
# Signals buffered while the thread handles one. logind sends two per sleep, so this is ample.
QUEUE_SIZE = 16


class LogindResumeListener:
    """Call on_resume() once per resume that logind announces on bus ("SYSTEM" reads DBUS_SYSTEM_BUS_ADDRESS)."""

    def __init__(self, on_resume: Callable[[], None], bus: str = "SYSTEM") -> None:
        self.on_resume = on_resume
        self.bus = bus
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._router_context: Any = None
        self._filter: Any = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Subscribe to PrepareForSleep and start the thread; return False when the bus cannot be reached."""
        if self._thread is not None:
            return True
        try:
            from jeepney import MatchRule
            from jeepney.bus_messages import message_bus
            from jeepney.io.threading import open_dbus_router
        except ImportError as error:
            logger.info("no resume signal: jeepney is not installed (%s)", error)
            return False

        # The bus resolves the well-known sender name, so only logind's own signal arrives. The local
        # filter cannot use it, because messages carry the sender's unique name (":1.5").
        bus_rule = MatchRule(
            type="signal", sender=LOGIN1_NAME, interface=MANAGER_INTERFACE, member=SIGNAL_NAME, path=LOGIN1_PATH
        )
        local_rule = MatchRule(type="signal", interface=MANAGER_INTERFACE, member=SIGNAL_NAME, path=LOGIN1_PATH)
        try:
            self._router_context = open_dbus_router(bus=self.bus)
            router = self._router_context.__enter__()
            # Registered before AddMatch, so a signal right after the reply is not lost.
            self._filter = router.filter(local_rule, bufsize=QUEUE_SIZE)
            router.send_and_get_reply(message_bus.AddMatch(bus_rule), timeout=REPLY_TIMEOUT)
        except (OSError, KeyError, ValueError, TimeoutError) as error:
            logger.info("no resume signal from logind, so sleep is noticed by the wall-clock check only: %s", error)
            self._close()
            return False

        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="logind-resume", daemon=True)
        self._thread.start()
        logger.info("listening for logind's resume signal on the %s bus", self.bus)
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=LISTEN_POLL * 3)
            self._thread = None
        self._close()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._filter.queue.get(timeout=LISTEN_POLL)
            except queue.Empty:
                continue
            if not message.body or not isinstance(message.body[0], bool):
                logger.warning("ignoring PrepareForSleep with unexpected arguments %r", message.body)
                continue
            if message.body[0]:
                logger.info("the system is going to sleep")
                continue
            logger.info("the system resumed from sleep")
            try:
                self.on_resume()
            except Exception:  # noqa: BLE001 - the listener thread must survive a failing callback
                logger.exception("resume callback failed")

    def _close(self) -> None:
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._router_context is not None:
            self._router_context.__exit__(None, None, None)
            self._router_context = None
