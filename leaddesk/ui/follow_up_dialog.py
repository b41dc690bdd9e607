"""The follow-up dialog: plan a follow-up (a time or a date only, a repeat rule, an owner) or reschedule one."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QT_TRANSLATE_NOOP, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.follow_up_owners import OwnerChoices, owner_choices
from leaddesk.services.follow_ups import FollowUpPlan
from leaddesk.services.lead_actions import OpenFollowUp
from leaddesk.services.local_time import LocalDue, zone
from leaddesk.services.playbook import system_timezone_name
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# The repeat rules of models.RECURRENCES, with None for a one-off follow-up.
REPEAT_LABELS = (
    (None, QT_TRANSLATE_NOOP("FollowUpDialog", "Does not repeat")),
    ("daily", QT_TRANSLATE_NOOP("FollowUpDialog", "Every day")),
    ("weekdays", QT_TRANSLATE_NOOP("FollowUpDialog", "Every weekday (Monday to Friday)")),
    ("weekly", QT_TRANSLATE_NOOP("FollowUpDialog", "Every week")),
)

DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"
DATE_FORMAT = "yyyy-MM-dd"


class FollowUpDialog(QDialog):
    """A due time or date in the user's timezone, a repeat rule, an owner and a note.

    Given existing, the dialog reschedules that open follow-up. It starts from the stored
    wall time, date-only flag and repeat rule, and shows the owner and note read-only,
    because rescheduling changes only when the follow-up is due and how it repeats.
    """

    # Emitted after load_owners filled the owner list.
    owners_loaded = Signal()

    def __init__(
        self,
        lead_name: str,
        now: datetime,
        parent: QWidget | None = None,
        *,
        zone_name: str | None = None,
        existing: OpenFollowUp | None = None,
    ) -> None:
        super().__init__(parent)
        self.zone_name = zone_name or system_timezone_name()
        self.existing = existing
        local_now = now.astimezone(zone(self.zone_name)).replace(tzinfo=None)

        self.date_only_check = QCheckBox(self.tr("Date only (no time)"), self)
        self.due_edit = QDateTimeEdit(self)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setMinimumDateTime(_qt_wall(local_now.replace(second=0, microsecond=0)))
        self.zone_label = QLabel(self._zone_text(now), self)
        self.zone_label.setStyleSheet("color: gray;")
        self.repeat_combo = QComboBox(self)
        for recurrence, label in REPEAT_LABELS:
            self.repeat_combo.addItem(self.tr(label), recurrence)
        self.owner_combo = QComboBox(self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(self.tr("Optional: what to do"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Due:"), self.due_edit)
        form.addRow("", self.date_only_check)
        form.addRow(self.tr("Timezone:"), self.zone_label)
        form.addRow(self.tr("Repeat:"), self.repeat_combo)
        form.addRow(self.tr("Owner:"), self.owner_combo)
        form.addRow(self.tr("Note:"), self.note_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self._heading(lead_name), self))
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.date_only_check.toggled.connect(self._set_date_only)
        if existing is None:
            self.setWindowTitle(self.tr("Set follow-up"))
            tomorrow_morning = (local_now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
            self.due_edit.setDateTime(_qt_wall(tomorrow_morning))
            self._set_date_only(False)
        else:
            self._start_from(existing, local_now)
        self.resize(460, self.sizeHint().height())

    def _heading(self, lead_name: str) -> str:
        if self.existing is None:
            return self.tr("Follow up with {name}").format(name=lead_name)
        return self.tr("Reschedule the follow-up with {name}").format(name=lead_name)

    def _zone_text(self, now: datetime) -> str:
        offset = now.astimezone(zone(self.zone_name)).strftime("%z")
        return self.tr("{zone} (UTC{offset}), your timezone").format(
            zone=self.zone_name, offset=f"{offset[:3]}:{offset[3:]}"
        )

    def _start_from(self, existing: OpenFollowUp, local_now: datetime) -> None:
        self.setWindowTitle(self.tr("Reschedule follow-up"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Reschedule"))
        due = LocalDue.parse(existing.due_local, existing.time_zone, existing.all_day)
        # The stored wall time is in the follow-up's own zone. The dialog shows it in the
        # user's zone, where a date stays the same date.
        if due.all_day:
            wall = datetime.combine(due.wall.date(), local_now.time().replace(second=0, microsecond=0))
        else:
            wall = due.instant().astimezone(zone(self.zone_name)).replace(tzinfo=None)
        # A past due time stays selectable only as the earliest value, so move it to now.
        self.due_edit.setDateTime(_qt_wall(max(wall, local_now.replace(second=0, microsecond=0))))
        self.date_only_check.setChecked(due.all_day)
        self._set_date_only(due.all_day)
        self.repeat_combo.setCurrentIndex(max(self.repeat_combo.findData(existing.recurrence), 0))
        self.owner_combo.addItem(existing.owner_name or self.tr("The lead's owner"), existing.owner_id)
        self.owner_combo.setEnabled(False)
        self.note_edit.setText(existing.note)
        self.note_edit.setEnabled(False)

    def _set_date_only(self, date_only: bool) -> None:
        self.due_edit.setDisplayFormat(DATE_FORMAT if date_only else DATE_TIME_FORMAT)

    # --- Owners -------------------------------------------------------------------------

    def load_owners(self, runner: TaskRunner, lead_id: uuid.UUID, user: str | None) -> None:
        """Read the reps on the read pool and preselect the lead's owner, else the user's own rep."""
        if self.existing is not None:
            return
        runner.read(
            lambda session: owner_choices(session, lead_id, user),
            on_success=while_alive(self, self.set_owner_choices),
            on_failure=while_alive(self, self._on_owners_failed),
            description=self.tr("load the reps"),
        )

    def set_owner_choices(self, choices: OwnerChoices) -> None:
        self.owner_combo.clear()
        self.owner_combo.addItem(self.tr("The lead's owner"), None)
        for choice in choices.reps:
            label = choice.name
            if choice.rep_id == choices.my_rep_id:
                label = self.tr("{name} (me)").format(name=choice.name)
            self.owner_combo.addItem(label, choice.rep_id)
        # findData cannot compare Python objects such as UUIDs, so the items are searched here.
        for index in range(self.owner_combo.count()):
            if choices.default_rep_id is not None and self.owner_combo.itemData(index) == choices.default_rep_id:
                self.owner_combo.setCurrentIndex(index)
        self.owners_loaded.emit()

    def _on_owners_failed(self, error: Exception) -> None:
        # Without the list the follow-up still goes to the lead's owner, so the dialog stays usable.
        logger.warning("loading the reps for the follow-up dialog failed: %s", error)
        self.owner_combo.clear()
        self.owner_combo.addItem(self.tr("The lead's owner"), None)
        self.owner_combo.setToolTip(self.tr("Could not load the reps: {error}").format(error=error))

    # --- Result -------------------------------------------------------------------------

    def is_date_only(self) -> bool:
        return self.date_only_check.isChecked()

    def due(self) -> LocalDue:
        """Return the chosen wall time, or date when the follow-up is date-only, in the user's timezone."""
        value = self.due_edit.dateTime()
        if self.is_date_only():
            return LocalDue.on(value.date().toPython(), self.zone_name)
        return LocalDue.at(value.toPython().replace(tzinfo=None), self.zone_name)

    def due_at(self) -> datetime:
        """Return the chosen instant as an aware UTC datetime; for a date only, its 09:00 reminder."""
        return self.due().instant()

    def recurrence(self) -> str | None:
        return self.repeat_combo.currentData()

    def owner_id(self) -> uuid.UUID | None:
        return self.owner_combo.currentData()

    def note(self) -> str:
        return self.note_edit.text().strip()

    def plan(self) -> FollowUpPlan:
        return FollowUpPlan(due=self.due(), note=self.note(), recurrence=self.recurrence(), owner_id=self.owner_id())


def _qt_wall(wall: datetime) -> QDateTime:
    """Return a naive wall time as a QDateTime without converting it through this machine's timezone."""
    # NOTE: the edit still keeps local-time QDateTimes, so a wall time inside a DST gap of
    # this machine's timezone is moved by Qt even when the user's timezone has no gap there.
    return QDateTime(QDate(wall.year, wall.month, wall.day), QTime(wall.hour, wall.minute))
