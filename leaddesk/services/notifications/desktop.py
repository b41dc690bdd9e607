"""The desktop notification service of each platform, which the UI tries before the tray and the in-app banner."""

from __future__ import annotations

from leaddesk.services.notifications.freedesktop import FreedesktopNotifier
from leaddesk.services.notifications.native import NativeNotifier


def desktop_notifier_for(platform: str) -> FreedesktopNotifier | NativeNotifier | None:
    """Return the notifier with action buttons for a sys.platform value, or None where there is none.

    Linux uses LeadDesk's own D-Bus client, Windows and macOS use desktop-notifier.
    """
    if platform.startswith("linux"):
        return FreedesktopNotifier()
    if platform in ("win32", "darwin"):
        return NativeNotifier()
    return None
