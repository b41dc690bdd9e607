"""The dialog behind the "l" key: log a call with its outcome, an email, a meeting or a reply."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import ActivityKind, CallOutcome

KIND_LABELS = (
    (ActivityKind.CALL, QT_TRANSLATE_NOOP("ActivityDialog", "Call")),
    (ActivityKind.EMAIL, QT_TRANSLATE_NOOP("ActivityDialog", "Email")),
    (ActivityKind.MEETING, QT_TRANSLATE_NOOP("ActivityDialog", "Meeting")),
    # An inbound email reply from the lead; it pauses the lead's sequences.
    (ActivityKind.REPLY, QT_TRANSLATE_NOOP("ActivityDialog", "Reply received")),
)
OUTCOME_LABELS = (
    (CallOutcome.CONNECTED, QT_TRANSLATE_NOOP("ActivityDialog", "Connected")),
    (CallOutcome.VOICEMAIL, QT_TRANSLATE_NOOP("ActivityDialog", "Left voicemail")),
    (CallOutcome.NO_ANSWER, QT_TRANSLATE_NOOP("ActivityDialog", "No answer")),
    (CallOutcome.BUSY, QT_TRANSLATE_NOOP("ActivityDialog", "Busy")),
    (CallOutcome.WRONG_NUMBER, QT_TRANSLATE_NOOP("ActivityDialog", "Wrong number")),
    (CallOutcome.MEETING_BOOKED, QT_TRANSLATE_NOOP("ActivityDialog", "Meeting booked")),
)


class ActivityDialog(QDialog):
    """A kind, a call outcome (enabled for calls only) and an optional summary."""

    def __init__(self, lead_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Log activity"))

        self.kind_combo = QComboBox(self)
        for kind, label in KIND_LABELS:
            self.kind_combo.addItem(QCoreApplication.translate("ActivityDialog", label), kind.value)
        self.outcome_combo = QComboBox(self)
        for outcome, label in OUTCOME_LABELS:
            self.outcome_combo.addItem(QCoreApplication.translate("ActivityDialog", label), outcome.value)
        self.summary_edit = QLineEdit(self)
        self.summary_edit.setPlaceholderText(self.tr("Optional: what was said or sent"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Kind:"), self.kind_combo)
        form.addRow(self.tr("Outcome:"), self.outcome_combo)
        form.addRow(self.tr("Summary:"), self.summary_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("What happened with {name}?").format(name=lead_name), self))
        layout.addLayout(form)
        layout.addWidget(buttons)

        self.kind_combo.currentIndexChanged.connect(self._update_outcome)
        self._update_outcome()

    def kind(self) -> ActivityKind:
        return ActivityKind(self.kind_combo.currentData())

    def outcome(self) -> CallOutcome | None:
        return CallOutcome(self.outcome_combo.currentData()) if self.kind() is ActivityKind.CALL else None

    def summary(self) -> str:
        return self.summary_edit.text().strip()

    def _update_outcome(self) -> None:
        self.outcome_combo.setEnabled(self.kind() is ActivityKind.CALL)
