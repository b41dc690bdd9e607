"""The dialog behind the "m" key: pick a template, preview it filled in, open it in the mail client."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import Lead
from leaddesk.services.email_templates import DEFAULT_TEMPLATES, RenderedEmail, TemplateError, render


class EmailDialog(QDialog):
    """Shows the chosen template filled from the lead. OK opens it in the default mail client."""

    def __init__(self, lead: Lead, sender_name: str, preferred_key: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Email {name}").format(name=lead.display_name))
        self.lead = lead
        self.sender_name = sender_name
        self.email: RenderedEmail | None = None

        self.template_combo = QComboBox(self)
        for template in DEFAULT_TEMPLATES:
            self.template_combo.addItem(template.label, template.key)
        if preferred_key is not None:
            self.template_combo.setCurrentIndex(max(self.template_combo.findData(preferred_key), 0))
        self.subject_label = QLabel(self)
        self.subject_label.setWordWrap(True)
        self.body_view = QPlainTextEdit(self)
        self.body_view.setReadOnly(True)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Open in mail app"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Template:"), self.template_combo)
        form.addRow(self.tr("Subject:"), self.subject_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body_view)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.template_combo.currentIndexChanged.connect(self._update_preview)
        self._update_preview()
        self.resize(520, 360)

    def template_key(self) -> str:
        return self.template_combo.currentData()

    def _update_preview(self) -> None:
        template = DEFAULT_TEMPLATES[self.template_combo.currentIndex()]
        try:
            self.email = render(template, self.lead, self.sender_name)
        except TemplateError as error:
            self.email = None
            self.error_label.setText(str(error))
        else:
            self.error_label.clear()
        self.subject_label.setText(self.email.subject if self.email else "")
        self.body_view.setPlainText(self.email.body if self.email else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.email is not None)
