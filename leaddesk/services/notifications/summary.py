"""Turn the due events of one check into one notification: a single reminder or a group."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from leaddesk.services.notifications.notifier import ACTION_DONE, ACTION_OPEN, ACTION_SNOOZE, Notification

if TYPE_CHECKING:
    from leaddesk.services.scheduler import DueEvent

# An event shown later than this after its instant fell due while the app was closed,
# the machine slept or quiet hours held it back. The wake timer is a precise QTimer, so
# on time means within milliseconds.
LATE_AFTER = timedelta(minutes=2)
# Lead names listed in the body of a grouped notification; the rest are counted.
MAX_NAMES = 5
# Lead.display_name of a lead with no name, email, company or phone.
NO_NAME = "(no name)"

_NOUNS = {
    "follow_up": ("follow-up", "follow-ups"),
    "sla_warning": ("deadline warning", "deadline warnings"),
    "sla_breach": ("missed deadline", "missed deadlines"),
    "escalation": ("escalation", "escalations"),
}


def summarize(events: list[DueEvent], now: datetime) -> Notification:
    """Return one notification for events (at least one), grouping them when there are several or they are late."""
    if not events:
        raise ValueError("summarize needs at least one event")
    late = any(now - event.at > LATE_AFTER for event in events)
    if len(events) == 1 and not late:
        return _single(events[0])

    counts = Counter(event.kind.value for event in events)
    parts = [_count(counts[kind], *_NOUNS[kind]) for kind in _NOUNS if counts[kind]]
    subject = _join(parts)
    title = f"{subject} came due while you were away" if late else f"Due now: {subject}"
    names = list(dict.fromkeys(_label(event) for event in events))
    body = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        body += f" and {len(names) - MAX_NAMES} more"
    return Notification(title=title, body=body, urgent=bool(counts["sla_breach"] or counts["escalation"]))


def _label(event: DueEvent) -> str:
    """Return the lead's name, or a short id for a lead with no name, email, company or phone."""
    if event.lead_name != NO_NAME:
        return event.lead_name
    return f"unnamed lead {str(event.lead_id)[:8]}"


def _single(event: DueEvent) -> Notification:
    kind = event.kind.value
    if kind == "follow_up":
        return Notification(
            title=f"Follow-up due: {_label(event)}",
            body=event.note or "Open the lead to act on it.",
            lead_id=event.lead_id,
            follow_up_id=event.follow_up_id,
            actions=((ACTION_OPEN, "Open"), (ACTION_SNOOZE, "Snooze 10 min"), (ACTION_DONE, "Mark done")),
        )
    if kind == "sla_warning":
        return Notification(
            title=f"Respond soon: {_label(event)}",
            body="Three quarters of the response time are used.",
            lead_id=event.lead_id,
            actions=((ACTION_OPEN, "Open"),),
        )
    if kind == "escalation":
        return Notification(
            title=f"Escalated: {_label(event)}",
            body=event.note,
            lead_id=event.lead_id,
            actions=((ACTION_OPEN, "Open"),),
            urgent=True,
        )
    return Notification(
        title=f"Response deadline missed: {_label(event)}",
        body="The lead is overdue. Contact them now.",
        lead_id=event.lead_id,
        actions=((ACTION_OPEN, "Open"),),
        urgent=True,
    )


def _count(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]
