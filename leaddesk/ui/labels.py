"""User-visible names of stages and states, and how instants are shown in the window."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor

from leaddesk.services.sla import ResponseState

CONTEXT = "LeadDesk"

STAGE_LABELS = {
    "new": QT_TRANSLATE_NOOP("LeadDesk", "New"),
    "contacted": QT_TRANSLATE_NOOP("LeadDesk", "Contacted"),
    "qualified": QT_TRANSLATE_NOOP("LeadDesk", "Qualified"),
    "won": QT_TRANSLATE_NOOP("LeadDesk", "Won"),
    "lost": QT_TRANSLATE_NOOP("LeadDesk", "Lost"),
    "disqualified": QT_TRANSLATE_NOOP("LeadDesk", "Disqualified"),
}

STATE_LABELS = {
    ResponseState.OVERDUE: QT_TRANSLATE_NOOP("LeadDesk", "Overdue"),
    ResponseState.DUE_SOON: QT_TRANSLATE_NOOP("LeadDesk", "Due soon"),
    ResponseState.WAITING: QT_TRANSLATE_NOOP("LeadDesk", "Waiting"),
    ResponseState.CONTACTED: QT_TRANSLATE_NOOP("LeadDesk", "Contacted"),
}

# Short names of the standard segments, for the inbox table; the detail pane and tooltips
# show the playbook's full label.
SEGMENT_SHORT_LABELS = {
    "enterprise_demo": QT_TRANSLATE_NOOP("LeadDesk", "Enterprise demo"),
    "outbound_reply": QT_TRANSLATE_NOOP("LeadDesk", "Outbound reply"),
    "mid_market_form": QT_TRANSLATE_NOOP("LeadDesk", "Mid-market form"),
    "general": QT_TRANSLATE_NOOP("LeadDesk", "General"),
}

# Light backgrounds with near-black text stay readable under both light and dark themes.
OVERDUE_BACKGROUND = QColor("#f6c6cb")
DUE_SOON_BACKGROUND = QColor("#ffe08a")
HIGHLIGHT_TEXT = QColor("#1d1d1d")

STATE_BACKGROUNDS = {
    ResponseState.OVERDUE: OVERDUE_BACKGROUND,
    ResponseState.DUE_SOON: DUE_SOON_BACKGROUND,
}


def stage_label(stage: str) -> str:
    """Return the translated name of a stage, or the stored key for a stage LeadDesk does not know."""
    label = STAGE_LABELS.get(stage)
    return QCoreApplication.translate(CONTEXT, label) if label else stage


def segment_short_label(segment: str, label: str) -> str:
    """Return the translated short name of a segment, or its full label for a segment without one."""
    short = SEGMENT_SHORT_LABELS.get(segment)
    return QCoreApplication.translate(CONTEXT, short) if short else label


def state_label(state: ResponseState) -> str:
    return QCoreApplication.translate(CONTEXT, STATE_LABELS[state])


def local_time(instant: datetime | None) -> str:
    """Format an instant in this computer's timezone as YYYY-MM-DD HH:MM, or "" for None."""
    if instant is None:
        return ""
    return instant.astimezone().strftime("%Y-%m-%d %H:%M")


def weekday_time(instant: datetime, now: datetime) -> str:
    """Format an instant after now in this computer's timezone as the locale's "Mon 09:00".

    An instant six days or more after now gets its date too, because its weekday could be today's.
    """
    local = QDateTime.fromSecsSinceEpoch(int(instant.timestamp()))
    pattern = "ddd HH:mm" if instant - now < timedelta(days=6) else "ddd d MMM HH:mm"
    return QLocale().toString(local, pattern)


def duration_text(delta: timedelta) -> str:
    """Format the length of delta, ignoring its sign, in its two largest units: "3d 1h", "4m 10s", "0s".

    Each template goes through Qt's translation, so a translator can change unit names and order.
    """
    seconds = int(abs(delta.total_seconds()))
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)

    if days:
        template = QCoreApplication.translate(CONTEXT, "{days}d {hours}h")
    elif hours:
        template = QCoreApplication.translate(CONTEXT, "{hours}h {minutes}m")
    elif minutes:
        template = QCoreApplication.translate(CONTEXT, "{minutes}m {seconds}s")
    else:
        template = QCoreApplication.translate(CONTEXT, "{seconds}s")
    return template.format(days=days, hours=hours, minutes=minutes, seconds=seconds)
