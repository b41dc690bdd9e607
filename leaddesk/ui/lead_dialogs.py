"""Small dialogs that collect input for a lead action: a note, and a follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class NoteDialog(QDialog):
    """Multi-line text for a note. OK stays disabled while the text is blank."""

    def __init__(self, lead_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add note"))

        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setPlaceholderText(self.tr("What happened, what was agreed, what comes next"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Note on {name}:").format(name=lead_name), self))
        layout.addWidget(self.text_edit)
        layout.addWidget(self.buttons)

        self.text_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(420, 240)

    def text(self) -> str:
        return self.text_edit.toPlainText().strip()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.text()))


class FollowUpDialog(QDialog):
    """A due date and time (in this computer's timezone) and an optional note."""

    def __init__(self, lead_name: str, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set follow-up"))

        tomorrow_morning = (now.astimezone() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.due_edit = QDateTimeEdit(QDateTime(tomorrow_morning), self)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.due_edit.setMinimumDateTime(QDateTime(now.astimezone()))
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(self.tr("Optional: what to do"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Due:"), self.due_edit)
        form.addRow(self.tr("Note:"), self.note_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Follow up with {name}").format(name=lead_name), self))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def due_at(self) -> datetime:
        """Return the chosen instant as an aware UTC datetime."""
        seconds = self.due_edit.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(seconds, tz=timezone.utc)

    def note(self) -> str:
        return self.note_edit.text().strip()
