"""Keyboard triage on the inbox: the actions behind c, l, m, n, f, s, e, b, q, /, ?, Enter and Ctrl+Z.

Every action runs on the write lane together with a snapshot of the lead, so Ctrl+Z can
undo the last one for triage_undo.UNDO_WINDOW. The same controller serves the lead's
context menu and the sequence panel in the detail pane.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QMenu, QMessageBox, QVBoxLayout, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import ActivityKind, CallOutcome, FollowUp, Lead, Rep
from leaddesk.services import (
    activities,
    follow_ups,
    lead_actions,
    next_best_action,
    sequence_status,
    sequences,
    smtp_account,
    template_store,
    triage_undo,
)
from leaddesk.services.activities import ActivityError
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.email_sender_name import resolve_sender_name
from leaddesk.services.email_templates import EmailTemplate
from leaddesk.services.follow_ups import FollowUpError
from leaddesk.services.lead_actions import LeadActionError
from leaddesk.services.local_time import SNOOZE_LABELS, LocalDue, SnoozeOption, snooze_target
from leaddesk.services.playbook import load_playbook
from leaddesk.services.sequences import SequenceError
from leaddesk.services.smtp_account import SmtpAccount
from leaddesk.services.triage_undo import UndoError, UndoRecord
from leaddesk.ui.activity_dialog import ActivityDialog
from leaddesk.ui.email_dialog import SEND_SMTP, EmailDialog
from leaddesk.ui.lead_dialogs import FollowUpDialog, NoteDialog
from leaddesk.ui.outreach import OutreachController
from leaddesk.ui.sequence_panel import SequencePanel
from leaddesk.ui.shortcut_sheet import ShortcutSheet
from leaddesk.ui.tasks import show_error

if TYPE_CHECKING:
    from leaddesk.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

# Failures whose message is written for the user; they go to the status bar, not a dialog.
USER_ERRORS = (ActivityError, FollowUpError, LeadActionError, SequenceError, UndoError)
STATUS_MS = 8_000


class TriageController(QObject):
    """Turn the table's triage_requested actions into writes on the window's lead."""

    # Emitted with the lead id after an action or an undo was saved.
    changed = Signal(object)
    # Emitted with a one-line status for the user.
    message = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.undo_record: UndoRecord | None = None
        self.snooze_menu: QMenu | None = None
        self.sequence_menu: QMenu | None = None
        self.context_menu: QMenu | None = None
        self.dialog: QDialog | None = None

        self.outreach = OutreachController(window)
        self.outreach.install_menu_actions()
        self.outreach.message.connect(self.message)
        self.outreach.sent.connect(self.changed)

        self.sequence_panel = SequencePanel(window.runner, window.clock, window.detail_pane)
        self._place_sequence_panel()
        window.detail_shown.connect(lambda: self.sequence_panel.load(window.detail_pane.lead_id))
        self.sequence_panel.enroll_requested.connect(self.enroll)
        self.sequence_panel.pause_requested.connect(self.pause_enrollment)
        self.sequence_panel.resume_requested.connect(self.resume_enrollment)
        self.sequence_panel.stop_requested.connect(self.stop_enrollment)

        window.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.table.customContextMenuRequested.connect(self.show_context_menu)

    def _place_sequence_panel(self) -> None:
        """Put the sequence panel below the detail pane's open follow-ups."""
        pane = self.window.detail_pane
        layout = pane.sections_layout
        follow_up_box = pane.follow_up_list.parentWidget()
        layout.insertWidget(layout.indexOf(follow_up_box) + 1, self.sequence_panel)

    # --- Dispatch -----------------------------------------------------------------------

    def handle(self, action: str) -> None:
        handlers: dict[str, Callable[[], None]] = {
            "open": self.open_lead,
            "contacted": self.mark_contacted,
            "log_activity": self.ask_activity,
            "email": self.ask_email,
            "next_best_action": self.show_next_best_action,
            "sequence": self.show_sequence_menu,
            "note": self.ask_note,
            "follow_up": self.ask_follow_up,
            "snooze": self.show_snooze_menu,
            "done": self.complete_next,
            "search": self.focus_search,
            "shortcuts": self.show_shortcuts,
            "undo": self.undo,
        }
        handlers[action]()

    def current_lead(self) -> tuple[uuid.UUID, int | None, str] | None:
        """Return the selected lead's id, the row_version shown for it (None when not loaded yet) and name."""
        index = self.window.table.currentIndex()
        lead_id = self.window.model.lead_id(index.row()) if index.isValid() else None
        if lead_id is None:
            return None
        detail = self.window.detail_pane.detail
        if detail is not None and detail.id == lead_id:
            return lead_id, detail.row_version, detail.name
        return lead_id, None, ""

    # --- Actions ------------------------------------------------------------------------

    def open_lead(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        self.window.load_detail(lead[0])
        self.window.detail_pane.setFocus()

    def mark_contacted(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, version, _name = lead
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Mark contacted",
            lambda session: lead_actions.mark_contacted(session, lead_id, now, actor, expected_version=version),
        )

    def ask_activity(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, _version, name = lead
        dialog = ActivityDialog(name, self.window)
        self._open_dialog(
            dialog, lambda: self.log_activity(lead_id, dialog.kind(), dialog.summary(), dialog.outcome())
        )

    def log_activity(
        self, lead_id: uuid.UUID, kind: ActivityKind, summary: str, outcome: CallOutcome | None
    ) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Log " + kind.value,
            lambda session: activities.log_activity(session, lead_id, kind, summary, actor, now, outcome=outcome),
        )

    def ask_email(self) -> None:
        """Load the lead, the templates and the SMTP account, then show the email dialog."""
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, user = lead[0], self.window.actor

        def load(session: Session) -> tuple[Lead, tuple[EmailTemplate, ...], str | None, SmtpAccount | None, str]:
            detached = _detached_lead(session, lead_id)
            preferred = sequence_status.due_email_template(session, lead_id)
            account = smtp_account.load_account(session, user)
            sender_name = resolve_sender_name(session, user, account)
            return detached, template_store.list_templates(session), preferred, account, sender_name

        self.window.runner.read(
            load,
            on_success=lambda loaded: self._show_email_dialog(*loaded),
            on_failure=self._on_failed,
            description="load the lead",
        )

    def _show_email_dialog(
        self,
        lead: Lead,
        templates: tuple[EmailTemplate, ...],
        preferred: str | None,
        account: SmtpAccount | None,
        sender_name: str,
    ) -> None:
        shown_account = f"{account.from_address} via {account.host}" if account else None
        dialog = EmailDialog(lead, sender_name, templates, preferred, shown_account, parent=self.window)
        self._open_dialog(dialog, lambda: self.send_email(lead.id, dialog, account))

    def send_email(self, lead_id: uuid.UUID, dialog: EmailDialog, account: SmtpAccount | None = None) -> None:
        """Send the dialog's email through SMTP when chosen, else open it in the mail app, and log it."""
        email = dialog.email
        if email is None:
            return
        if dialog.send_mode == SEND_SMTP and account is not None:
            self.outreach.send(lead_id, account, email, dialog.template_key(), dialog.sender_name)
            return
        if not QDesktopServices.openUrl(QUrl(email.mailto_url())):
            self.message.emit(self.tr("No mail app opened the email; set a default mail app and try again."))
            return
        summary = f"Email: {email.subject} ({dialog.template_key()} template)"
        self.log_activity(lead_id, ActivityKind.EMAIL, summary, None)

    def show_next_best_action(self) -> None:
        """Show which channel to use next, when and why, for the current lead."""
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, _version, name = lead
        now = self.window.clock()

        def work(session: Session) -> next_best_action.Suggestion:
            return next_best_action.suggest(session, lead_id, now)

        self.window.runner.read(
            work,
            on_success=lambda suggestion: self._show_suggestion(name, suggestion),
            on_failure=self._on_failed,
            description="suggest the next action",
        )

    def _show_suggestion(self, name: str, suggestion: next_best_action.Suggestion) -> None:
        if suggestion.channel is None or suggestion.at is None:
            headline = self.tr("No outreach suggested.")
        else:
            local = suggestion.at.astimezone(ZoneInfo(suggestion.lead_zone))
            headline = self.tr("Next: {channel} at {time} their time ({zone}).").format(
                channel=suggestion.channel.value, time=local.strftime("%a %H:%M"), zone=suggestion.lead_zone
            )
            if suggestion.template_key:
                headline += " " + self.tr("Template: {template}.").format(template=suggestion.template_key)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Next best action for {name}").format(name=name), headline, QMessageBox.StandardButton.Close, self.window)
        box.setInformativeText("\n".join(suggestion.reasons))
        self._open_dialog(box, None)

    def ask_note(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, version, name = lead
        dialog = NoteDialog(name, self.window)
        self._open_dialog(dialog, lambda: self.add_note(lead_id, version, dialog.text()))

    def add_note(self, lead_id: uuid.UUID, version: int | None, text: str) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Add note",
            lambda session: lead_actions.add_note(session, lead_id, text, actor, now, expected_version=version),
        )

    def ask_follow_up(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, version, name = lead
        dialog = FollowUpDialog(name, self.window.clock(), self.window, zone_name=self.window.user_zone)
        dialog.load_owners(self.window.runner, lead_id, self.window.actor)
        self._open_dialog(dialog, lambda: self.plan_follow_up(lead_id, version, dialog.plan()))

    def plan_follow_up(self, lead_id: uuid.UUID, version: int | None, plan: follow_ups.FollowUpPlan) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Plan follow-up",
            lambda session: lead_actions.plan_follow_up(session, lead_id, plan, actor, now, expected_version=version),
        )

    def ask_reschedule(self) -> None:
        """Read the current lead's next open follow-up, then open the reschedule dialog on it."""
        lead = self.current_lead()
        if lead is None:
            return
        lead_id, _version, name = lead

        def read(session: Session) -> lead_actions.OpenFollowUp:
            follow_up = session.get(FollowUp, _next_open_follow_up(session, lead_id, "reschedule"))
            owner = session.get(Rep, follow_up.owner_id) if follow_up.owner_id else None
            return lead_actions.open_follow_up(follow_up, owner.name if owner else None)

        self.window.runner.read(
            read,
            on_success=lambda follow_up: self._show_reschedule(lead_id, name, follow_up),
            on_failure=self._on_failed,
            description="load the follow-up",
        )

    def _show_reschedule(self, lead_id: uuid.UUID, name: str, follow_up: lead_actions.OpenFollowUp) -> None:
        dialog = FollowUpDialog(name, self.window.clock(), self.window, zone_name=self.window.user_zone, existing=follow_up)
        self._open_dialog(dialog, lambda: self.reschedule(lead_id, follow_up.id, dialog.due(), dialog.recurrence()))

    def reschedule(self, lead_id: uuid.UUID, follow_up_id: uuid.UUID, due: LocalDue, recurrence: str | None) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Reschedule follow-up",
            lambda session: follow_ups.reschedule(session, follow_up_id, due, actor, now, recurrence),
        )

    def set_follow_up(self, lead_id: uuid.UUID, version: int | None, due_at: datetime, note: str) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Plan follow-up",
            lambda session: lead_actions.set_follow_up(
                session, lead_id, due_at, note, actor, now, expected_version=version
            ),
        )

    def show_snooze_menu(self) -> None:
        """Pop up the snooze choices beside the current row; choosing one snoozes the lead's next follow-up."""
        lead = self.current_lead()
        if lead is None:
            return
        lead_id = lead[0]
        menu = QMenu(self.window)
        for option in SnoozeOption:
            action = menu.addAction(self.tr(SNOOZE_LABELS[option]))
            action.setData(option.value)
            action.triggered.connect(lambda _checked=False, chosen=option: self.snooze(lead_id, chosen))
        custom = menu.addAction(self.tr("Custom..."))
        custom.triggered.connect(lambda: self.ask_custom_snooze(lead_id))
        self.snooze_menu = menu
        table = self.window.table
        rect = table.visualRect(table.currentIndex())
        menu.popup(table.viewport().mapToGlobal(QPoint(rect.left() + 40, rect.bottom())))

    def show_sequence_menu(self) -> None:
        """Read the playbook's sequences, then pop them up beside the current row; choosing one enrolls the lead."""
        lead = self.current_lead()
        if lead is None:
            return
        lead_id = lead[0]
        self.window.runner.read(
            sequences.load_catalog,
            on_success=lambda catalog: self._popup_sequence_menu(lead_id, catalog),
            on_failure=self._on_failed,
            description="load the sequences",
        )

    def _popup_sequence_menu(self, lead_id: uuid.UUID, catalog: tuple[sequences.Sequence, ...]) -> None:
        if not catalog:
            self.message.emit(self.tr("The playbook defines no sequences; add [[sequences]] in File > Playbook."))
            return
        menu = QMenu(self.window)
        for sequence in catalog:
            action = menu.addAction(self.tr("Enroll in {label} ({count} steps)").format(label=sequence.label, count=len(sequence.steps)))
            action.triggered.connect(lambda _checked=False, key=sequence.key: self.enroll(lead_id, key))
        self.sequence_menu = menu
        table = self.window.table
        rect = table.visualRect(table.currentIndex())
        menu.popup(table.viewport().mapToGlobal(QPoint(rect.left() + 40, rect.bottom())))

    def enroll(self, lead_id: uuid.UUID, sequence_key: str) -> None:
        now, actor = self.window.clock(), self.window.actor

        # A first step without delay becomes a follow-up at once, so the inbox shows it.
        def work(session: Session) -> Any:
            return _then_advance(
                session, now, lambda calendar: sequences.enroll(session, lead_id, sequence_key, actor, now, calendar)
            )

        self._write(lead_id, "Enroll in sequence", work)

    def pause_enrollment(self, lead_id: uuid.UUID, enrollment_id: uuid.UUID) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(lead_id, "Pause sequence", lambda session: sequences.pause(session, enrollment_id, actor, now))

    def resume_enrollment(self, lead_id: uuid.UUID, enrollment_id: uuid.UUID) -> None:
        now, actor = self.window.clock(), self.window.actor

        # A step that is due at once becomes a follow-up now, as after enrolling.
        def work(session: Session) -> Any:
            return _then_advance(
                session, now, lambda calendar: sequences.resume(session, enrollment_id, actor, now, calendar)
            )

        self._write(lead_id, "Resume sequence", work)

    def stop_enrollment(self, lead_id: uuid.UUID, enrollment_id: uuid.UUID) -> None:
        now, actor = self.window.clock(), self.window.actor
        self._write(lead_id, "Stop sequence", lambda session: sequences.stop(session, enrollment_id, actor, now))

    def show_context_menu(self, position: QPoint) -> None:
        """Select the row under the pointer, read its sequences, then pop up the lead's context menu there."""
        table = self.window.table
        index = table.indexAt(position)
        if not index.isValid():
            return
        table.selectRow(index.row())
        lead_id = self.window.model.lead_id(index.row())
        if lead_id is None:
            return
        global_position = table.viewport().mapToGlobal(position)

        def read(session: Session) -> tuple[list[sequence_status.EnrollmentView], tuple[sequences.Sequence, ...]]:
            catalog = sequences.load_catalog(session)
            return sequence_status.lead_enrollments(session, lead_id, catalog), catalog

        self.window.runner.read(
            read,
            on_success=lambda loaded: self._popup_context_menu(lead_id, global_position, *loaded),
            on_failure=self._on_failed,
            description="load the lead's sequences",
        )

    def _popup_context_menu(
        self,
        lead_id: uuid.UUID,
        position: QPoint,
        views: list[sequence_status.EnrollmentView],
        catalog: tuple[sequences.Sequence, ...],
    ) -> None:
        menu = QMenu(self.window)
        menu.addAction(self.tr("Email...\tM"), self.ask_email)
        menu.addAction(self.tr("Log call, email or meeting...\tL"), self.ask_activity)
        menu.addAction(self.tr("Next best action\tB"), self.show_next_best_action)
        menu.addSeparator()
        menu.addAction(self.tr("Plan follow-up...\tF"), self.ask_follow_up)
        menu.addAction(self.tr("Reschedule next follow-up..."), self.ask_reschedule)
        menu.addAction(self.tr("Mark next follow-up done\tE"), self.complete_next)
        menu.addSeparator()
        busy = {view.sequence_key for view in views if view.status in ("active", "paused")}
        enroll_menu = menu.addMenu(self.tr("Enroll in sequence"))
        enroll_menu.setEnabled(bool(catalog))
        for sequence in catalog:
            action = enroll_menu.addAction(self.tr("{label} ({count} steps)").format(label=sequence.label, count=len(sequence.steps)))
            action.setEnabled(sequence.key not in busy)
            action.triggered.connect(lambda _checked=False, key=sequence.key: self.enroll(lead_id, key))
        for view in views:
            if not view.can_stop:
                continue
            header = menu.addAction(f"{view.label}: {view.step_text()}")
            header.setEnabled(False)
            if view.can_pause:
                menu.addAction(self.tr("Pause {label}").format(label=view.label), lambda chosen=view.id: self.pause_enrollment(lead_id, chosen))
            if view.can_resume:
                menu.addAction(self.tr("Resume {label}").format(label=view.label), lambda chosen=view.id: self.resume_enrollment(lead_id, chosen))
            menu.addAction(self.tr("Stop {label}").format(label=view.label), lambda chosen=view.id: self.stop_enrollment(lead_id, chosen))
        self.context_menu = menu
        menu.popup(position)

    def ask_custom_snooze(self, lead_id: uuid.UUID) -> None:
        dialog = SnoozeDialog(self.window.clock(), self.window)
        self._open_dialog(dialog, lambda: self.snooze(lead_id, dialog.until()))

    def snooze(self, lead_id: uuid.UUID, until: SnoozeOption | datetime) -> None:
        now, actor = self.window.clock(), self.window.actor
        if until in (SnoozeOption.TOMORROW_MORNING, SnoozeOption.NEXT_MONDAY):
            # "Tomorrow 09:00" is 09:00 where the user is, not in the zone the follow-up was planned in.
            until = snooze_target(until, now, self.window.user_zone)

        def work(session: Session) -> Any:
            follow_up_id = _next_open_follow_up(session, lead_id, "snooze")
            return follow_ups.snooze(session, follow_up_id, until, actor, now)

        self._write(lead_id, "Snooze", work)

    def snooze_follow_up(self, lead_id: uuid.UUID, follow_up_id: uuid.UUID) -> None:
        """Snooze one follow-up by ten minutes, for a notification's Snooze button."""
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id,
            "Snooze",
            lambda session: follow_ups.snooze(session, follow_up_id, SnoozeOption.TEN_MINUTES, actor, now),
        )

    def complete_follow_up(self, lead_id: uuid.UUID, follow_up_id: uuid.UUID) -> None:
        """Mark one follow-up done, for a notification's Mark done button."""
        now, actor = self.window.clock(), self.window.actor
        self._write(
            lead_id, "Mark follow-up done", lambda session: follow_ups.complete(session, follow_up_id, actor, now)
        )

    def complete_next(self) -> None:
        lead = self.current_lead()
        if lead is None:
            return
        lead_id = lead[0]
        now, actor = self.window.clock(), self.window.actor

        def work(session: Session) -> Any:
            follow_up_id = _next_open_follow_up(session, lead_id, "mark done")
            return follow_ups.complete(session, follow_up_id, actor, now)

        self._write(lead_id, "Mark follow-up done", work)

    def focus_search(self) -> None:
        search = self.window.filter_bar.search_edit
        search.setFocus()
        search.selectAll()

    def show_shortcuts(self) -> None:
        sheet = ShortcutSheet(self.window)
        self._open_dialog(sheet, None)

    def undo(self) -> None:
        record = self.undo_record
        now, actor = self.window.clock(), self.window.actor
        if record is None:
            self.message.emit(self.tr("Nothing to undo."))
            return
        if record.expired(now):
            self.undo_record = None
            self.message.emit(self.tr("{action} can no longer be undone.").format(action=record.description))
            return
        self.undo_record = None
        self.window.runner.write(
            lambda session: triage_undo.undo(session, record, actor, now),
            on_success=lambda lead_id: self._on_undone(record, lead_id),
            on_failure=self._on_failed,
            description="undo",
        )

    # --- Plumbing -----------------------------------------------------------------------

    def _write(self, lead_id: uuid.UUID, description: str, work: Callable[[Session], Any]) -> None:
        now = self.window.clock()

        def work_with_undo(session: Session) -> UndoRecord:
            before = triage_undo.capture(session, lead_id)
            work(session)
            return triage_undo.record(session, before, description, now)

        self.window.runner.write(
            work_with_undo,
            on_success=self._on_saved,
            on_failure=self._on_failed,
            description=description.lower(),
        )

    def _on_saved(self, record: UndoRecord) -> None:
        self.undo_record = record
        self.message.emit(self.tr("{action}: saved. Ctrl+Z undoes it.").format(action=record.description))
        self.changed.emit(record.before.lead_id)

    def _on_undone(self, record: UndoRecord, lead_id: uuid.UUID) -> None:
        self.message.emit(self.tr("Undone: {action}.").format(action=record.description))
        self.changed.emit(lead_id)

    def _on_failed(self, error: Exception) -> None:
        if isinstance(error, USER_ERRORS):
            self.message.emit(str(error))
            return
        show_error(self.window, self.tr("save the action"), error)

    def _open_dialog(self, dialog: QDialog, on_accept: Callable[[], None] | None) -> None:
        self.dialog = dialog
        if on_accept is not None:
            dialog.accepted.connect(on_accept)
        dialog.finished.connect(lambda _result: self.window.table.setFocus())
        dialog.open()


class SnoozeDialog(QDialog):
    """A date and time (in this computer's timezone) until which to snooze."""

    def __init__(self, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Snooze until"))
        local_now = QDateTime(now.astimezone())
        self.until_edit = QDateTimeEdit(local_now.addSecs(2 * 3600), self)
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.until_edit.setMinimumDateTime(local_now)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.until_edit)
        layout.addWidget(buttons)

    def until(self) -> datetime:
        return datetime.fromtimestamp(self.until_edit.dateTime().toSecsSinceEpoch(), tz=timezone.utc)


def _then_advance(session: Session, now: datetime, change: Callable[[BusinessCalendar], Any]) -> Any:
    """Apply change with the playbook's business calendar, then advance sequences so due steps become follow-ups.

    Returns what change returns.
    """
    calendar = load_playbook(session).calendar
    result = change(calendar)
    sequences.advance(session, now, calendar)
    return result


def _detached_lead(session: Session, lead_id: uuid.UUID) -> Lead:
    """Load the lead with its columns read, so the GUI thread can use it after the session closes."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise LeadActionError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")
    session.expunge(lead)
    return lead


def _next_open_follow_up(session: Session, lead_id: uuid.UUID, verb: str) -> uuid.UUID:
    statement = (
        select(FollowUp.id)
        .where(FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None))
        .order_by(FollowUp.due_at)
        .limit(1)
    )
    follow_up_id = session.scalar(statement)
    if follow_up_id is None:
        raise FollowUpError(f"this lead has no open follow-up to {verb}; press f to plan one")
    return follow_up_id
