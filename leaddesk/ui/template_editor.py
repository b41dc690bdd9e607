"""The email template editor: name, subject and body with {first_name}-style fields, a live preview and unknown fields flagged.

Templates are stored in the database (services.template_store), so the email dialog and
sequence steps use an edit as soon as it is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services import template_store
from leaddesk.services.email_templates import (
    PLACEHOLDER_FALLBACKS,
    EmailTemplate,
    TemplateError,
    field_values,
    preview_text,
)
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: gray;"


class TemplateEditor(QDialog):
    """Lists the stored templates and edits one at a time. Saving validates and writes on the write lane."""

    # Emitted with the key after a template was saved or deleted.
    changed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        lead: Lead | None,
        sender_name: str,
        actor: str,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Email templates"))
        self.runner = runner
        self.lead = lead
        self.sender_name = sender_name
        self.actor = actor
        self.clock = clock
        self.templates: list[EmailTemplate] = []
        # The key of the template in the form; None for a new one that was never saved.
        self.current_key: str | None = None
        self.dirty = False
        self.confirm_box: QMessageBox | None = None
        self._filling = False

        self.template_list = QListWidget(self)
        self.new_button = QPushButton(self.tr("New"), self)
        self.delete_button = QPushButton(self.tr("Delete"), self)

        self.name_edit = QLineEdit(self)
        self.key_label = QLabel(self)
        self.key_label.setStyleSheet(HINT_STYLE)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subject_edit = QLineEdit(self)
        self.body_edit = QPlainTextEdit(self)
        self.field_combo = QComboBox(self)
        self.field_combo.addItem(self.tr("Insert field..."), None)
        for name in PLACEHOLDER_FALLBACKS:
            self.field_combo.addItem("{" + name + "}", name)
        self.fields_label = QLabel(self)
        self.fields_label.setWordWrap(True)

        self.preview_subject = QLabel(self)
        self.preview_subject.setWordWrap(True)
        self.preview_body = QPlainTextEdit(self)
        self.preview_body.setReadOnly(True)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)

        self.save_button = QPushButton(self.tr("Save"), self)
        self.revert_button = QPushButton(self.tr("Revert"), self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.revert_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)

        self._lay_out()
        self._connect()
        self._show_form(None)
        self.resize(900, 560)
        self.reload()

    # --- Layout -------------------------------------------------------------------------

    def _lay_out(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.template_list)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.new_button)
        list_buttons.addWidget(self.delete_button)
        list_buttons.addStretch(1)
        left_layout.addLayout(list_buttons)

        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("Key:"), self.key_label)
        form.addRow(self.tr("Subject:"), self.subject_edit)
        body_header = QHBoxLayout()
        body_header.addWidget(QLabel(self.tr("Body:"), self))
        body_header.addStretch(1)
        body_header.addWidget(self.field_combo)

        preview_box = QGroupBox(self.tr("Preview"), self)
        self.preview_box = preview_box
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_subject)
        preview_layout.addWidget(self.preview_body)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(form)
        right_layout.addLayout(body_header)
        right_layout.addWidget(self.body_edit, stretch=2)
        right_layout.addWidget(self.fields_label)
        right_layout.addWidget(preview_box, stretch=2)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([220, 660])

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, stretch=1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        self.template_list.currentRowChanged.connect(self._on_row_changed)
        self.new_button.clicked.connect(self.new_template)
        self.delete_button.clicked.connect(self.ask_delete)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        for edit in (self.name_edit, self.subject_edit):
            edit.textChanged.connect(self._on_edited)
        self.body_edit.textChanged.connect(self._on_edited)
        self.field_combo.activated.connect(self._insert_field)

    # --- Loading ------------------------------------------------------------------------

    def reload(self, select_key: str | None = None) -> None:
        """Read the templates again and select select_key (or the current one)."""
        wanted = select_key or self.current_key
        self.runner.read(
            template_store.list_templates,
            on_success=lambda templates: self._fill_list(templates, wanted),
            on_failure=self._show_error,
            description="load the email templates",
        )

    def _fill_list(self, templates: tuple[EmailTemplate, ...], select_key: str | None) -> None:
        self.templates = list(templates)
        self._filling = True
        self.template_list.clear()
        for template in self.templates:
            item = QListWidgetItem(template.label, self.template_list)
            item.setData(Qt.ItemDataRole.UserRole, template.key)
        self._filling = False
        keys = [template.key for template in self.templates]
        if select_key in keys:
            row = keys.index(select_key)
        else:
            row = 0 if keys else -1
        self.dirty = False
        if row < 0:
            self._show_form(None)
        self.template_list.setCurrentRow(row)
        self._on_row_changed(row)

    def _on_row_changed(self, row: int) -> None:
        if self._filling:
            return
        selected = self.templates[row] if 0 <= row < len(self.templates) else None
        if selected is not None and selected.key == self.current_key and not self.dirty:
            return
        if self.dirty:
            # Keep the unsaved edit: select its row again and show how to go on.
            self._select_row_quietly(self.current_key)
            name = self.name_edit.text() or self.tr("the new template")
            self.error_label.setText(self.tr("Save or revert your changes to {name} first.").format(name=name))
            return
        self._show_form(selected)

    def _select_row_quietly(self, key: str | None) -> None:
        keys = [template.key for template in self.templates]
        self._filling = True
        self.template_list.setCurrentRow(keys.index(key) if key in keys else -1)
        self._filling = False

    def _show_form(self, template: EmailTemplate | None) -> None:
        self._filling = True
        self.current_key = template.key if template else None
        self.name_edit.setText(template.label if template else "")
        self.subject_edit.setText(template.subject if template else "")
        self.body_edit.setPlainText(template.body if template else "")
        self._filling = False
        self.dirty = False
        self.key_label.setText(template.key if template else self.tr("(set from the name when saved)"))
        self.error_label.clear()
        self.delete_button.setEnabled(template is not None)
        self._update_checks()

    # --- Editing ------------------------------------------------------------------------

    def new_template(self) -> None:
        if self.dirty:
            self.error_label.setText(self.tr("Save or revert your changes first."))
            return
        self._select_row_quietly(None)
        self._show_form(None)
        self.name_edit.setText(self.tr("New template"))
        self.subject_edit.setText("Hi {first_name}")
        self.body_edit.setPlainText("Hi {first_name},\n\n\n\nBest,\n{sender_name}")
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _on_edited(self) -> None:
        if self._filling:
            return
        self.dirty = True
        self._update_checks()

    def _insert_field(self, index: int) -> None:
        name = self.field_combo.itemData(index)
        self.field_combo.setCurrentIndex(0)
        if name:
            self.body_edit.insertPlainText("{" + name + "}")
            self.body_edit.setFocus()

    def form_template(self) -> EmailTemplate:
        """Return the template as the form shows it; a new one gets a key made from its name."""
        label = self.name_edit.text().strip()
        key = self.current_key or self._new_key(label)
        return EmailTemplate(key, label, self.subject_edit.text(), self.body_edit.toPlainText())

    def _new_key(self, label: str) -> str:
        base = template_store.key_for_label(label) or "template"
        taken = {template.key for template in self.templates}
        key, number = base, 2
        while key in taken:
            key = f"{base}_{number}"
            number += 1
        return key

    def _update_checks(self) -> None:
        """Flag unknown fields and malformed braces, and refresh the preview."""
        problems = []
        values = field_values(self.lead, self.sender_name) if self.lead else self._sample_values()
        previews = {}
        for part, text in ((self.tr("subject"), self.subject_edit.text()), (self.tr("body"), self.body_edit.toPlainText())):
            try:
                unknown = template_store.unknown_placeholders(text)
                previews[part] = preview_text(text, values)
            except TemplateError as error:
                problems.append(str(error))
                previews[part] = text
                continue
            if unknown:
                names = ", ".join("{" + name + "}" for name in unknown)
                problems.append(self.tr("Unknown field in the {part}: {names}.").format(part=part, names=names))
        allowed = ", ".join("{" + name + "}" for name in PLACEHOLDER_FALLBACKS)
        if problems:
            # One message per line, so two problems never run together.
            lines = [*problems, self.tr("Use one of: {allowed}").format(allowed=allowed)]
            self.fields_label.setText("\n".join(lines))
            self.fields_label.setStyleSheet(ERROR_STYLE)
        else:
            self.fields_label.setText(self.tr("Fields: {allowed}").format(allowed=allowed))
            self.fields_label.setStyleSheet(HINT_STYLE)
        self.unknown_fields = problems

        has_form = self.current_key is not None or self.dirty
        self.save_button.setEnabled(has_form and self.dirty and not problems and bool(self.name_edit.text().strip()))
        self.revert_button.setEnabled(self.dirty)
        subject, body = previews.values()
        self.preview_subject.setText(self.tr("Subject: {subject}").format(subject=subject) if has_form else "")
        self.preview_body.setPlainText(body if has_form else "")
        who = self.lead.display_name if self.lead else self.tr("a lead without values (select a lead in the inbox first)")
        self.preview_box.setTitle(self.tr("Preview for {who}").format(who=who))

    def _sample_values(self) -> dict[str, str]:
        values = dict(PLACEHOLDER_FALLBACKS)
        values["sender_name"] = self.sender_name
        return values

    # --- Saving and deleting --------------------------------------------------------------

    def save(self) -> None:
        template = self.form_template()
        actor, now = self.actor, self.clock()
        self.save_button.setEnabled(False)
        self.runner.write(
            lambda session: template_store.save_template(session, template, actor, now),
            on_success=self._on_saved,
            on_failure=self._on_save_failed,
            description="save the email template",
        )

    def _on_saved(self, template: EmailTemplate) -> None:
        self.dirty = False
        self.current_key = template.key
        self.changed.emit(template.key)
        self.reload(template.key)

    def _on_save_failed(self, error: Exception) -> None:
        self._show_error(error)
        self._update_checks()

    def revert(self) -> None:
        self.dirty = False
        stored = next((template for template in self.templates if template.key == self.current_key), None)
        self._show_form(stored)
        self._select_row_quietly(self.current_key)

    def ask_delete(self) -> None:
        key = self.current_key
        if key is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete template"),
            self.tr("Delete the template {name}? Sequence steps that name {key} then open the email without it.").format(
                name=self.name_edit.text(), key=key
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.buttonClicked.connect(
            lambda button: self.delete(key) if box.standardButton(button) == QMessageBox.StandardButton.Yes else None
        )
        self.confirm_box = box
        box.open()

    def delete(self, key: str) -> None:
        actor = self.actor

        def work(session: Session) -> str:
            template_store.delete_template(session, key, actor)
            return key

        self.runner.write(work, on_success=self._on_deleted, on_failure=self._show_error, description="delete the email template")

    def _on_deleted(self, key: str) -> None:
        self.dirty = False
        self.current_key = None
        self.changed.emit(key)
        self.reload()

    def _show_error(self, error: Exception) -> None:
        self.error_label.setText(str(error))
