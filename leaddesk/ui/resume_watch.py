"""The OS resume signal for the reminder timer: logind on Linux, WM_POWERBROADCAST on Windows.

Qt has no portable resume signal. On Linux, services.resume_signal listens on the system
D-Bus. On Windows, every top-level window receives WM_POWERBROADCAST, so a hidden native
widget reads it through QWidget.nativeEvent. macOS announces a wake only through
NSWorkspaceDidWakeNotification, which needs pyobjc, so there the reminder timer's
60-second wall-clock check is all there is.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QByteArray, QObject, Signal
from PySide6.QtWidgets import QWidget

from leaddesk.services.resume_signal import LogindResumeListener

logger = logging.getLogger(__name__)

# Values from the Windows SDK's WinUser.h.
WM_POWERBROADCAST = 0x0218
PBT_APMRESUMESUSPEND = 0x0007
PBT_APMRESUMEAUTOMATIC = 0x0012
RESUME_EVENTS = frozenset({PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND})
WINDOWS_MESSAGE_TYPES = frozenset({b"windows_generic_MSG", b"windows_dispatcher_MSG"})


class Msg(ctypes.Structure):
    """The start of the Win32 MSG structure: hwnd, message, wParam, lParam (WinUser.h)."""

    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
    ]


class PowerBroadcastWidget(QWidget):
    """A hidden native window that emits resumed when Windows reports a resume from sleep.

    NOTE: the tests call nativeEvent with a synthetic MSG on Linux; no test has run this on Windows.
    """

    resumed = Signal()

    def nativeEvent(self, event_type: QByteArray | bytes, message: int) -> tuple[bool, int]:  # noqa: N802 - Qt override
        if bytes(event_type) in WINDOWS_MESSAGE_TYPES and message:
            msg = Msg.from_address(int(message))
            if msg.message == WM_POWERBROADCAST and msg.wParam in RESUME_EVENTS:
                logger.info("Windows reported a resume from sleep (event 0x%04x)", msg.wParam)
                self.resumed.emit()
        # Qt and Windows still handle the message; returning True would swallow it.
        return False, 0


class ResumeRelay(QObject):
    """Carries a resume from the D-Bus listener thread to the GUI thread through a queued signal."""

    resumed = Signal()


class ResumeWatch(QObject):
    """Emit resumed on the GUI thread when the OS reports a resume, where the platform offers a signal."""

    resumed = Signal()

    def __init__(self, system_bus: str | None = "SYSTEM", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.system_bus = system_bus
        self.listener: LogindResumeListener | None = None
        self.widget: PowerBroadcastWidget | None = None
        self._relay = ResumeRelay(self)
        self._relay.resumed.connect(self.resumed)

    def start(self, platform: str = sys.platform) -> str:
        """Start listening and return the source in use: "logind", "windows" or "none"."""
        if platform.startswith("linux") and self.system_bus is not None:
            self.listener = LogindResumeListener(self._relay.resumed.emit, self.system_bus)
            if self.listener.start():
                return "logind"
            self.listener = None
        elif platform == "win32":
            self.widget = PowerBroadcastWidget()
            self.widget.resumed.connect(self.resumed)
            # Creating the native window is what makes Windows deliver broadcasts to it.
            self.widget.winId()
            return "windows"
        return "none"

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.widget is not None:
            self.widget.deleteLater()
            self.widget = None
