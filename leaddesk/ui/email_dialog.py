"""The dialog behind the "m" key: pick a template, preview it filled in, then send it by SMTP or open it in the mail app."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import Lead
from leaddesk.services.email_templates import EmailTemplate, RenderedEmail, TemplateError, render

# The delivery an accepted dialog chose: through SMTP, or through the mail app.
SEND_SMTP = "smtp"
SEND_MAILTO = "mailto"


class EmailDialog(QDialog):
    """Shows the chosen template filled from the lead.

    With an SMTP account, Send (the default button) sends it through that account and
    "Open in mail app" opens it in the default mail client instead. send_mode records the choice.
    """

    def __init__(
        self,
        lead: Lead,
        sender_name: str,
        templates: Sequence[EmailTemplate],
        preferred_key: str | None = None,
        smtp_account: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Email {name}").format(name=lead.display_name))
        self.lead = lead
        self.sender_name = sender_name
        self.templates = list(templates)
        self.email: RenderedEmail | None = None
        self.send_mode = SEND_MAILTO

        self.template_combo = QComboBox(self)
        for template in self.templates:
            self.template_combo.addItem(template.label, template.key)
        if preferred_key is not None:
            self.template_combo.setCurrentIndex(max(self.template_combo.findData(preferred_key), 0))
        self.to_label = QLabel(lead.email or self.tr("(no email address)"), self)
        self.subject_label = QLabel(self)
        self.subject_label.setWordWrap(True)
        self.body_view = QPlainTextEdit(self)
        self.body_view.setReadOnly(True)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.via_label = QLabel(self)
        self.via_label.setStyleSheet("color: gray;")
        self.via_label.setWordWrap(True)
        if smtp_account:
            self.via_label.setText(self.tr("Send uses your SMTP account {account}.").format(account=smtp_account))
        else:
            self.via_label.setText(self.tr("Without an SMTP account (Leads > SMTP account) the email opens in your mail app."))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.mail_app_button = QPushButton(self.tr("Open in mail app"), self)
        self.buttons.addButton(self.mail_app_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button: QPushButton | None = None
        if smtp_account:
            self.send_button = QPushButton(self.tr("Send"), self)
            self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
            self.send_button.setDefault(True)
            self.send_button.clicked.connect(lambda: self._choose(SEND_SMTP))
        else:
            self.mail_app_button.setDefault(True)
        self.mail_app_button.clicked.connect(lambda: self._choose(SEND_MAILTO))
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Template:"), self.template_combo)
        form.addRow(self.tr("To:"), self.to_label)
        form.addRow(self.tr("Subject:"), self.subject_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body_view)
        layout.addWidget(self.error_label)
        layout.addWidget(self.via_label)
        layout.addWidget(self.buttons)

        self.template_combo.currentIndexChanged.connect(self._update_preview)
        self._update_preview()
        self.resize(560, 400)

    def template_key(self) -> str:
        return self.template_combo.currentData()

    def _choose(self, mode: str) -> None:
        self.send_mode = mode
        self.accept()

    def _update_preview(self) -> None:
        index = self.template_combo.currentIndex()
        if not self.templates:
            self.email = None
            self.error_label.setText(self.tr("There are no email templates; add one in Leads > Email templates."))
        else:
            try:
                self.email = render(self.templates[index], self.lead, self.sender_name)
            except TemplateError as error:
                self.email = None
                self.error_label.setText(str(error))
            else:
                self.error_label.clear()
        self.subject_label.setText(self.email.subject if self.email else "")
        self.body_view.setPlainText(self.email.body if self.email else "")
        self.mail_app_button.setEnabled(self.email is not None)
        if self.send_button is not None:
            self.send_button.setEnabled(self.email is not None)
