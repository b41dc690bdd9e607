"""The dialog for the user's reminder settings: whose events, which rep is "me", quiet hours."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.notifications.preferences import NotifyPreferences, Scope


class ReminderSettingsDialog(QDialog):
    """Edit one user's NotifyPreferences. preferences() returns the edited copy."""

    def __init__(self, current: NotifyPreferences, rep_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Reminder settings"))
        self.current = current

        self.scope_combo = QComboBox(self)
        self.scope_combo.addItem(self.tr("My leads and follow-ups only"), Scope.MINE.value)
        self.scope_combo.addItem(self.tr("Everything in my team"), Scope.TEAM.value)
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(current.scope.value))

        self.rep_combo = QComboBox(self)
        self.rep_combo.addItem(self.tr("(not set)"), None)
        for name in rep_names:
            self.rep_combo.addItem(name, name)
        self.rep_combo.setCurrentIndex(max(self.rep_combo.findData(current.rep_name), 0))

        quiet = current.quiet_start != current.quiet_end
        self.quiet_check = QCheckBox(self.tr("Hold reminders during quiet hours"), self)
        self.quiet_check.setChecked(quiet)
        self.quiet_start_edit = QTimeEdit(_qtime(current.quiet_start if quiet else time(20, 0)), self)
        self.quiet_end_edit = QTimeEdit(_qtime(current.quiet_end if quiet else time(8, 0)), self)
        for edit in (self.quiet_start_edit, self.quiet_end_edit):
            edit.setDisplayFormat("HH:mm")
        quiet_row = QHBoxLayout()
        quiet_row.addWidget(self.quiet_start_edit)
        quiet_row.addWidget(QLabel(self.tr("to"), self))
        quiet_row.addWidget(self.quiet_end_edit)

        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Notify me about:"), self.scope_combo)
        form.addRow(self.tr("I am the rep:"), self.rep_combo)
        form.addRow(self.quiet_check)
        form.addRow(self.tr("Quiet hours ({zone}):").format(zone=current.zone_name), quiet_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        for signal in (
            self.scope_combo.currentIndexChanged,
            self.rep_combo.currentIndexChanged,
            self.quiet_check.toggled,
            self.quiet_start_edit.timeChanged,
            self.quiet_end_edit.timeChanged,
        ):
            signal.connect(self._validate)
        self._validate()

    def preferences(self) -> NotifyPreferences:
        quiet = self.quiet_check.isChecked()
        start = _time(self.quiet_start_edit.time()) if quiet else time(0, 0)
        end = _time(self.quiet_end_edit.time()) if quiet else time(0, 0)
        return NotifyPreferences(
            user=self.current.user,
            scope=Scope(self.scope_combo.currentData()),
            rep_name=self.rep_combo.currentData(),
            quiet_start=start,
            quiet_end=end,
            zone_name=self.current.zone_name,
        )

    def _validate(self) -> None:
        self.quiet_start_edit.setEnabled(self.quiet_check.isChecked())
        self.quiet_end_edit.setEnabled(self.quiet_check.isChecked())
        message = ""
        if self.scope_combo.currentData() == Scope.MINE.value and self.rep_combo.currentData() is None:
            message = self.tr("Pick the rep you are, or choose everything in your team, because otherwise no reminder matches.")
        elif self.quiet_check.isChecked() and self.quiet_start_edit.time() == self.quiet_end_edit.time():
            message = self.tr("Quiet hours start and end at the same time. Change one or turn quiet hours off.")
        self.error_label.setText(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not message)


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())
