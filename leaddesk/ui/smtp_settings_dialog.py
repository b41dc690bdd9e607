"""The SMTP account dialog: server, port, security, user, From address and the password for the keyring."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.smtp_account import DEFAULT_PORTS, MAX_PORT, Security, SmtpAccount, SmtpAccountError

SECURITY_LABELS = {
    Security.STARTTLS: "STARTTLS (usually port 587)",
    Security.SSL: "SSL/TLS (usually port 465)",
    Security.NONE: "None: a relay without login (usually port 25)",
}


class SmtpSettingsDialog(QDialog):
    """Edits one SmtpAccount. OK validates it; password() is empty when the stored password should stay."""

    def __init__(self, account: SmtpAccount | None, has_password: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("SMTP account"))
        self.remove_requested = False

        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("smtp.example.com")
        self.security_combo = QComboBox(self)
        for security, label in SECURITY_LABELS.items():
            self.security_combo.addItem(self.tr(label), security.value)
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, MAX_PORT)
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText(self.tr("usually your email address"))
        self.from_edit = QLineEdit(self)
        self.from_edit.setPlaceholderText("sam@example.com")
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("shown in From and under your emails, such as Sam Lee"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            self.tr("stored; leave empty to keep it") if has_password else self.tr("kept in your system keyring")
        )
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        note = QLabel(
            self.tr(
                "LeadDesk connects to this server only when you send an email. The password goes to your "
                "system keyring, never to the database."
            ),
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: gray;")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.remove_button = self.buttons.addButton(self.tr("Remove account"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.remove_button.setEnabled(account is not None)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.remove_button.clicked.connect(self._remove)

        form = QFormLayout()
        form.addRow(self.tr("Host:"), self.host_edit)
        form.addRow(self.tr("Security:"), self.security_combo)
        form.addRow(self.tr("Port:"), self.port_spin)
        form.addRow(self.tr("User:"), self.user_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("From:"), self.from_edit)
        form.addRow(self.tr("Your name:"), self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self._show(account)
        self.security_combo.currentIndexChanged.connect(self._on_security_changed)
        self.resize(480, 0)

    def _show(self, account: SmtpAccount | None) -> None:
        security = account.security if account else Security.STARTTLS
        self.security_combo.setCurrentIndex(self.security_combo.findData(security.value))
        self.port_spin.setValue(account.port if account else DEFAULT_PORTS[security])
        self.host_edit.setText(account.host if account else "")
        self.user_edit.setText(account.username if account else "")
        self.from_edit.setText(account.from_address if account else "")
        self.name_edit.setText(account.display_name if account else "")
        self._security = security

    def _on_security_changed(self) -> None:
        new = self.security()
        # Follow the usual port unless the user typed another one.
        if self.port_spin.value() == DEFAULT_PORTS[self._security]:
            self.port_spin.setValue(DEFAULT_PORTS[new])
        self._security = new

    def security(self) -> Security:
        return Security(self.security_combo.currentData())

    def account(self) -> SmtpAccount:
        return SmtpAccount(
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            security=self.security(),
            username=self.user_edit.text().strip(),
            from_address=self.from_edit.text().strip(),
            display_name=self.name_edit.text().strip(),
        )

    def password(self) -> str:
        return self.password_edit.text()

    def accept(self) -> None:
        try:
            self.account().validate()
        except SmtpAccountError as error:
            self.error_label.setText(str(error))
            return
        super().accept()

    def _remove(self) -> None:
        self.remove_requested = True
        super().accept()
