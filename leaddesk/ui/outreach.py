"""Email outreach in the window: the template editor, the SMTP account dialog and sending through SMTP.

Sending runs off the GUI thread: reading the password from the keyring and the SMTP
conversation run on the task runner's background pool, and logging the "Email sent"
activity runs on the write lane afterwards.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services import smtp_account, smtp_sender
from leaddesk.services.email_sender_name import resolve_sender_name
from leaddesk.services.email_templates import RenderedEmail
from leaddesk.services.smtp_account import SmtpAccount
from leaddesk.services.smtp_credentials import SmtpPasswordStore
from leaddesk.ui.smtp_settings_dialog import SmtpSettingsDialog
from leaddesk.ui.tasks import show_error
from leaddesk.ui.template_editor import TemplateEditor

if TYPE_CHECKING:
    from leaddesk.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

STATUS_MS = 8_000


class OutreachController(QObject):
    """Opens the template editor and the SMTP dialog, and sends emails through the user's SMTP account."""

    # Emitted with a one-line status for the user.
    message = Signal(str)
    # Emitted with the lead id after an email was sent and logged.
    sent = Signal(object)

    def __init__(self, window: MainWindow, password_store: SmtpPasswordStore | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.passwords = password_store or SmtpPasswordStore()
        self.dialog = None
        self.error_box = None

    def install_menu_actions(self) -> None:
        """Add Email templates and SMTP account to the window's Leads menu."""
        leads_menu = next(
            (menu for menu in self.window.menuBar().findChildren(QMenu) if menu.title() == self.tr("&Leads")), None
        )
        if leads_menu is None:
            logger.warning("no Leads menu found; the email template and SMTP actions are missing from the menu bar")
            return
        leads_menu.addSeparator()
        self.templates_action = leads_menu.addAction(self.tr("Email &templates..."))
        self.templates_action.triggered.connect(self.open_template_editor)
        self.smtp_action = leads_menu.addAction(self.tr("SMTP &account..."))
        self.smtp_action.triggered.connect(self.open_smtp_settings)

    # --- Templates ----------------------------------------------------------------------

    def open_template_editor(self) -> None:
        """Open the editor, previewing with the selected lead when one is selected."""
        selected = self.window.triage.current_lead()
        lead_id = selected[0] if selected is not None else None
        user = self.window.actor

        def load(session: Session) -> tuple[Lead | None, str]:
            sender_name = resolve_sender_name(session, user, smtp_account.load_account(session, user))
            found = session.get(Lead, lead_id) if lead_id is not None else None
            if found is None or found.deleted_at is not None:
                return None, sender_name
            session.expunge(found)
            return found, sender_name

        self.window.runner.read(
            load, on_success=lambda loaded: self._show_template_editor(*loaded), description="load the lead"
        )

    def _show_template_editor(self, lead: Lead | None, sender_name: str) -> None:
        editor = TemplateEditor(self.window.runner, lead, sender_name, self.window.actor, self.window.clock, self.window)
        self.dialog = editor
        editor.open()

    # --- SMTP account -------------------------------------------------------------------

    def open_smtp_settings(self) -> None:
        user = self.window.actor
        self.window.runner.read(
            lambda session: smtp_account.load_account(session, user),
            on_success=self._load_password_state,
            description="load the SMTP account",
        )

    def _load_password_state(self, account: SmtpAccount | None) -> None:
        if account is None:
            self._show_smtp_settings(None, False)
            return
        key = account.password_key
        self.window.runner.run_in_background(
            lambda: self.passwords.load(key) is not None,
            on_success=lambda has_password: self._show_smtp_settings(account, has_password),
            description="read the SMTP password",
        )

    def _show_smtp_settings(self, account: SmtpAccount | None, has_password: bool) -> None:
        dialog = SmtpSettingsDialog(account, has_password, self.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._save_smtp_settings(dialog))
        dialog.open()

    def _save_smtp_settings(self, dialog: SmtpSettingsDialog) -> None:
        user = self.window.actor
        if dialog.remove_requested:
            self.window.runner.write(
                lambda session: smtp_account.remove_account(session, user),
                on_success=lambda _none: self.message.emit(self.tr("SMTP account removed; emails open in your mail app.")),
                description="remove the SMTP account",
            )
            return
        account, password = dialog.account(), dialog.password()
        self.window.runner.write(
            lambda session: smtp_account.save_account(session, user, account),
            on_success=lambda _none: self._store_password(account, password),
            description="save the SMTP account",
        )

    def _store_password(self, account: SmtpAccount, password: str) -> None:
        if not password:
            self.message.emit(self.tr("SMTP account saved."))
            return
        key = account.password_key
        self.window.runner.run_in_background(
            lambda: self.passwords.store(key, password),
            on_success=lambda storage: self.message.emit(
                self.tr("SMTP account saved. {where}").format(where=SmtpPasswordStore.explain(storage))
            ),
            description="store the SMTP password",
        )

    # --- Sending ------------------------------------------------------------------------

    def send(
        self, lead_id: uuid.UUID, account: SmtpAccount, email: RenderedEmail, template_key: str, sender_name: str
    ) -> None:
        """Send email through account off the GUI thread, then log it on the lead.

        sender_name is the From display name, from email_sender_name.resolve_sender_name.
        """
        now = self.window.clock()
        key = account.password_key
        self.message.emit(self.tr("Sending the email to {to}...").format(to=email.to))

        def work() -> str:
            password = self.passwords.load(key) if account.username else None
            return smtp_sender.send(account, password, email, sender_name, now)

        # NOTE: the send occupies one of the runner's two read threads for up to the SMTP timeout.
        self.window.runner.run_in_background(
            work,
            on_success=lambda _message_id: self._log_sent(lead_id, email, template_key),
            on_failure=self._on_send_failed,
            description="send the email",
        )

    def _log_sent(self, lead_id: uuid.UUID, email: RenderedEmail, template_key: str) -> None:
        now, actor = self.window.clock(), self.window.actor
        self.window.runner.write(
            lambda session: smtp_sender.log_sent(session, lead_id, email, template_key, actor, now),
            on_success=lambda _logged: self._on_sent(lead_id, email),
            on_failure=lambda error: self._on_send_failed(error, logged=False),
            description="log the sent email",
        )

    def _on_sent(self, lead_id: uuid.UUID, email: RenderedEmail) -> None:
        self.message.emit(self.tr("Email sent to {to} and logged.").format(to=email.to))
        self.sent.emit(lead_id)

    def _on_send_failed(self, error: Exception, logged: bool = True) -> None:
        if logged:
            text = self.tr("Email not sent: {error}").format(error=error)
        else:
            text = self.tr("The email was sent, but logging it failed: {error}. Log it by hand with l.").format(error=error)
        self.message.emit(text)
        action = self.tr("send the email") if logged else self.tr("log the sent email")
        self.error_box = show_error(self.window, action, error)
