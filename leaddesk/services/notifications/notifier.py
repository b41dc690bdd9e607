"""The notifier interface that the scheduler posts to, and a recording fake for tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

# Action keys a notification may offer. The UI maps them to open, snooze and done.
ACTION_OPEN = "open"
ACTION_SNOOZE = "snooze"
ACTION_DONE = "done"


@dataclass(frozen=True)
class Notification:
    """One desktop notification: a title, a body and the lead it is about, if it is about one lead."""

    title: str
    body: str
    lead_id: uuid.UUID | None = None
    follow_up_id: uuid.UUID | None = None
    # (action key, button label) pairs, for platforms that show buttons.
    actions: tuple[tuple[str, str], ...] = ()
    urgent: bool = False


class Notifier(Protocol):
    """Shows notifications. post() returns False when the notification could not be shown."""

    name: str

    def available(self) -> bool: ...

    def post(self, notification: Notification) -> bool: ...


@dataclass
class RecordingNotifier:
    """A notifier that keeps every posted notification in memory, for unit tests."""

    name: str = "recording"
    is_available: bool = True
    posted: list[Notification] = field(default_factory=list)

    def available(self) -> bool:
        return self.is_available

    def post(self, notification: Notification) -> bool:
        if not self.is_available:
            return False
        self.posted.append(notification)
        return True
