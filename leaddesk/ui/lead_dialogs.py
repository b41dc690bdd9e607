"""Small dialogs that collect input for a lead action: a note, a follow-up, a new lead and a lead edit.

The follow-up dialog lives in follow_up_dialog and is imported here for the existing callers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import utc_now
from leaddesk.services.dedup.similar import SimilarLead, find_similar_leads
from leaddesk.services.lead_actions import EDITABLE_FIELDS, LeadDetail
from leaddesk.services.lead_create import create_lead
from leaddesk.ui.conflict_dialog import field_label
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.follow_up_dialog import FollowUpDialog  # noqa: F401  (part of this module's API)
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# The pause in typing after which the new-lead dialog looks for similar leads.
SIMILAR_LOOKUP_DEBOUNCE_MS = 400


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


class NewLeadDialog(QDialog):
    """The fields of a new lead, with a hint when an existing lead looks like the one being typed.

    After name, e-mail, phone or company change, and once typing pauses for debounce_ms, the
    dialog looks for similar leads on the read pool. A found lead shows as "This may be NAME
    at COMPANY (reasons) - open it instead?" with a button that opens it in place of creating
    a duplicate.
    """

    # Emitted with the new lead's id after it was stored.
    created = Signal(object)
    # Emitted with an existing lead's id when the user opens it instead of creating a new one.
    open_existing_requested = Signal(object)
    # Emitted after a similar-lead lookup finished and the hint shows its result.
    hint_updated = Signal()

    # Fields whose change starts a lookup: the ones the duplicate scan matches on.
    WATCHED_FIELDS = ("first_name", "last_name", "email", "phone", "company")

    def __init__(
        self,
        runner: TaskRunner,
        parent: QWidget | None = None,
        actor: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        debounce_ms: int = SIMILAR_LOOKUP_DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.clock = clock
        self.similar: list[SimilarLead] = []
        self._lookup_generation = 0
        self._saving = False
        self.setWindowTitle(self.tr("New lead"))

        labels = {
            "first_name": self.tr("First name:"),
            "last_name": self.tr("Last name:"),
            "email": self.tr("E-mail:"),
            "phone": self.tr("Phone:"),
            "company": self.tr("Company:"),
            "title": self.tr("Title:"),
            "source": self.tr("Source:"),
        }
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, label in labels.items():
            edit = QLineEdit(self)
            edit.setObjectName(name)
            self.edits[name] = edit
            form.addRow(label, edit)

        self.hint_label = QLabel(self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #5c3d00; background: #fff4d6; border: 1px solid #e8c76a; padding: 6px;")
        self.open_button = QPushButton(self.tr("Open existing lead"), self)
        self.open_button.clicked.connect(self.open_existing)
        hint = QHBoxLayout()
        hint.addWidget(self.hint_label, stretch=1)
        hint.addWidget(self.open_button)
        self.hint_label.hide()
        self.open_button.hide()

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button = self.buttons.addButton(self.tr("Create lead"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.lookup_timer = QTimer(self)
        self.lookup_timer.setSingleShot(True)
        self.lookup_timer.setInterval(debounce_ms)
        self.lookup_timer.timeout.connect(self.look_up_similar)
        for name in self.WATCHED_FIELDS:
            self.edits[name].textChanged.connect(self.lookup_timer.start)
        for edit in self.edits.values():
            edit.textChanged.connect(self._update_create)
        self._update_create()
        self.resize(520, 360)

    def values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.edits.items() if edit.text().strip()}

    def _update_create(self) -> None:
        filled = self.values()
        self.create_button.setEnabled(not self._saving and any(name in filled for name in self.WATCHED_FIELDS))

    # --- Similar leads ----------------------------------------------------------------------

    def look_up_similar(self) -> None:
        """Look for stored leads similar to the typed values, ignoring the results of older lookups."""
        self._lookup_generation += 1
        generation = self._lookup_generation
        values = self.values()
        self.runner.read(
            lambda session: find_similar_leads(session, values),
            on_success=while_alive(self, lambda found: self._show_similar(generation, found)),
            on_failure=while_alive(self, lambda error: self._on_lookup_failed(generation, error)),
            description=self.tr("look for similar leads"),
        )

    def _show_similar(self, generation: int, found: list[SimilarLead]) -> None:
        if generation != self._lookup_generation:
            return
        self.similar = found
        if found:
            self.hint_label.setText(found[0].message())
            self.hint_label.setToolTip("\n".join(item.message() for item in found))
        self.hint_label.setVisible(bool(found))
        self.open_button.setVisible(bool(found))
        self.hint_updated.emit()

    def _on_lookup_failed(self, generation: int, error: Exception) -> None:
        # A failed hint must not stop the user from creating the lead, so it only logs.
        logger.warning("similar-lead lookup failed: %s", error)
        if generation == self._lookup_generation:
            self._show_similar(generation, [])

    def open_existing(self) -> None:
        if not self.similar:
            return
        self.open_existing_requested.emit(self.similar[0].label.lead_id)
        self.reject()

    # --- Creating ---------------------------------------------------------------------------

    def create(self) -> None:
        if self._saving:
            return
        values, actor, now = self.values(), self.actor, self.clock()
        self._saving = True
        self._update_create()
        self.error_label.hide()
        self.runner.write(
            lambda session: create_lead(session, values, actor, now),
            on_success=while_alive(self, self._on_created),
            on_failure=while_alive(self, self._on_create_failed),
            description=self.tr("create the lead"),
        )

    def _on_created(self, lead_id: uuid.UUID) -> None:
        self._saving = False
        self.created.emit(lead_id)
        self.accept()

    def _on_create_failed(self, error: Exception) -> None:
        self._saving = False
        self._update_create()
        self.error_label.setText(str(error))
        self.error_label.show()


class EditLeadDialog(QDialog):
    """The typed fields of one lead, filled with the values and row_version the window shows.

    The window saves the edit with save_lead_edit, which compares it with base_values()
    when someone else saved the lead in the meantime.
    """

    def __init__(self, detail: LeadDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle(self.tr("Edit {name}").format(name=detail.name))
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in EDITABLE_FIELDS:
            value = getattr(detail, name)
            edit = QLineEdit("" if value is None else str(value), self)
            edit.setObjectName(name)
            self.edits[name] = edit
            form.addRow(self.tr("{field}:").format(field=field_label(name)), edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(480, 560)

    @property
    def row_version(self) -> int:
        return self.detail.row_version

    def base_values(self) -> dict[str, Any]:
        """Return the field values as the window showed them when the dialog opened."""
        return {name: getattr(self.detail, name) for name in EDITABLE_FIELDS}

    def values(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.edits.items()}
