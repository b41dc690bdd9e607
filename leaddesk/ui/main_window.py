"""The main window: filters, the prioritized inbox table, the detail pane and the status bar."""

from __future__ import annotations

import getpass
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.models import utc_now
from leaddesk.services import follow_ups, inbox, lead_actions, saved_views
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import MergeResult
from leaddesk.services.dedup.undo import MergeUndoReport
from leaddesk.services.edit_conflicts import EditConflictError, resolve_edit_conflict, save_lead_edit
from leaddesk.services.inbox import InboxQuery, InboxRow
from leaddesk.services.lead_actions import LeadChange, LeadDetail, LeadNotFoundError, OpenFollowUp
from leaddesk.services.local_time import LocalDue
from leaddesk.services.playbook import DEFAULT_SEGMENTS, ClockKind, Playbook, load_playbook, team_timezone
from leaddesk.services.user_timezone import current_system_timezone, stored_user_timezone
from leaddesk.services.notifications.notifier import Notifier
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.desktop_notifier import choose_notifier
from leaddesk.ui.detail_pane import DetailPane
from leaddesk.ui.filter_bar import FilterBar
from leaddesk.ui.conflict_dialog import ConflictDialog
from leaddesk.ui.lead_dialogs import EditLeadDialog, FollowUpDialog, NewLeadDialog, NoteDialog
from leaddesk.ui.labels import weekday_time
from leaddesk.ui.lead_table_model import LeadTableModel
from leaddesk.ui.lead_table_view import LeadTableView
from leaddesk.ui.kanban_view import open_board
from leaddesk.ui.notification_banner import NotificationBanner
from leaddesk.ui.reminder_timer import ReminderTimer
from leaddesk.ui.post_import_status import post_import_status
from leaddesk.ui.tasks import TaskRunner, show_error
from leaddesk.ui.team_window import TeamWindowMixin
from leaddesk.ui.triage import TriageController

logger = logging.getLogger(__name__)

TICK_INTERVAL_MS = 1_000
REFRESH_INTERVAL_MS = 30_000

@dataclass(frozen=True)
class SavedChange:
    """A lead action's result and the lead as the same write session reads it after the change."""

    change: LeadChange
    # Empty when the lead no longer shows in the inbox.
    rows: list[InboxRow]
    detail: LeadDetail


def current_user() -> str:
    """Return the login name that actions record as their actor."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # getpass raises when neither the environment nor the password database names the user.
        return "unknown user"


class MainWindow(TeamWindowMixin, QMainWindow):
    """The lead inbox window. All database work goes through its TaskRunner."""

    # Emitted after the lead list and the status counts were re-queried and shown.
    refreshed = Signal()
    # Emitted after the detail pane shows freshly loaded data.
    detail_shown = Signal()
    # Emitted after a lead action was saved, with its LeadChange.
    lead_changed = Signal(object)

    def __init__(
        self,
        database: Database,
        runner: TaskRunner | None = None,
        clock: Callable[[], datetime] = utc_now,
        actor: str | None = None,
        parent: QWidget | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.runner = runner or TaskRunner(database, self)
        self.runner.error_parent = self
        self.clock = clock
        self.actor = actor or current_user()
        self._sort_key: str | None = None
        self._sort_descending = False
        self._refresh_generation = 0
        self._owner_names: list[str] = []
        self._import_dialog = None
        self._restoring_selection = False
        self._requested_lead: uuid.UUID | None = None
        self._first_refresh = True
        self._playbook: Playbook | None = None
        # The user's own timezone sets today's date for the inbox, reminders and date-only follow-ups.
        # None follows the machine's zone, re-read on each use, so a zone change while the app runs is seen.
        with database.session() as session:
            self._chosen_user_zone = stored_user_timezone(session, self.actor)
        # The newest merge made in this window and not undone, for Leads > Undo last merge.
        self.last_merge: MergeResult | None = None
        self._duplicates_dialog = None
        # The open edit and conflict dialogs, or None; tests drive them through these.
        self.edit_dialog: EditLeadDialog | None = None
        self.conflict_dialog: ConflictDialog | None = None
        # Team watchers: sync passes for a team folder, or live notifications from a server.
        self.sync_watcher = None
        self.live_watcher = None
        # The window that replaced this one after a switch to another database.
        self.replacement: MainWindow | None = None
        # Set for a database this window opened itself, which it disposes when it closes.
        self.owns_database = False
        self.last_team_message = ""

        self.setWindowTitle(self.tr("LeadDesk — {name}").format(name=Path(database.path or "").name))
        self.setAcceptDrops(True)

        self.filter_bar = FilterBar(DEFAULT_SEGMENTS, self)
        self.model = LeadTableModel(self.runner, parent=self)
        self.table = LeadTableView(self.model, self)
        self.detail_pane = DetailPane(self)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 0)
        left_layout.addWidget(self.filter_bar)
        self.banner = NotificationBanner(left)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(self.table)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.splitter, self.tr("Inbox"))
        # The dashboard reads every lead the first time its tab is shown.
        self.dashboard = DashboardTab(self.runner, self.clock, self.tabs)
        self.tabs.addTab(self.dashboard, self.tr("Dashboard"))
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        self._connect()

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_INTERVAL_MS)
        self._tick_timer.timeout.connect(self.tick)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._tick_timer.start()
        self._refresh_timer.start()

        # Keyboard triage on the table, and reminders through the desktop, the tray or the banner.
        self.triage = TriageController(self)
        self.table.triage_requested.connect(self.triage.handle)
        self.triage.changed.connect(self._on_triaged)
        self.triage.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.reminders = ReminderTimer(
            self.runner,
            notifier or choose_notifier(self.banner, self),
            self.actor,
            self.clock,
            zone_name=lambda: self.user_zone,
            parent=self,
        )
        self.banner.open_requested.connect(self.show_lead)
        self.lead_changed.connect(lambda _change: self.reminders.check_now())
        # Today's date in the inbox follows the user's zone, which may follow the machine's.
        self.reminders.zone_changed.connect(lambda _zone: self.refresh())
        self.reminders.start()

        self.resize(1360, 820)
        self.splitter.setSizes([1010, 350])
        self.refresh()
        self.start_team_watch()
        # Post-import work left by a quit or a crash resumes in the background, with progress in the status bar.
        imports_status = post_import_status(self, self.runner)
        # Escalation defers the leads of an unfinished job, so a finished job triggers a check.
        imports_status.finished.connect(self.reminders.check_now)
        imports_status.start()

    # --- Building -----------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.import_action = QAction(self.tr("&Import..."), self)
        self.import_action.setShortcut(QKeySequence(self.tr("Ctrl+I")))
        self.import_action.triggered.connect(lambda: self.open_import_dialog())
        file_menu.addAction(self.import_action)
        self.history_action = QAction(self.tr("Import &history..."), self)
        self.history_action.triggered.connect(self.open_history_dialog)
        file_menu.addAction(self.history_action)
        self.export_action = QAction(self.tr("&Export..."), self)
        self.export_action.setShortcut(QKeySequence(self.tr("Ctrl+E")))
        self.export_action.triggered.connect(lambda: self.open_export_dialog())
        file_menu.addAction(self.export_action)
        self.playbook_action = QAction(self.tr("&Playbook..."), self)
        self.playbook_action.triggered.connect(self.open_playbook_dialog)
        file_menu.addAction(self.playbook_action)
        file_menu.addSeparator()
        self._build_team_entries(file_menu)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        self._build_leads_menu()

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        refresh_action = QAction(self.tr("&Refresh"), self)
        refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(refresh_action)
        priority_action = QAction(self.tr("Sort by &priority"), self)
        priority_action.triggered.connect(self.sort_by_priority)
        view_menu.addAction(priority_action)
        board_action = QAction(self.tr("&Board by stage"), self)
        board_action.setShortcut(QKeySequence(self.tr("Ctrl+B")))
        board_action.triggered.connect(lambda: open_board(self))
        view_menu.addAction(board_action)
        dashboard_action = QAction(self.tr("&Dashboard"), self)
        dashboard_action.setShortcut(QKeySequence(self.tr("Ctrl+Shift+K")))
        dashboard_action.triggered.connect(lambda: self.tabs.setCurrentWidget(self.dashboard))
        view_menu.addAction(dashboard_action)
        reminders_action = QAction(self.tr("Reminder &settings..."), self)
        reminders_action.triggered.connect(lambda: self.reminders.open_settings(self))
        view_menu.addAction(reminders_action)
        self.presence_action = QAction(self.tr("Team &presence..."), self)
        self.presence_action.triggered.connect(lambda: self.open_presence_dialog())
        view_menu.addAction(self.presence_action)

    def _build_leads_menu(self) -> None:
        leads_menu = self.menuBar().addMenu(self.tr("&Leads"))
        self.new_lead_action = QAction(self.tr("&New lead..."), self)
        self.new_lead_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_lead_action.triggered.connect(lambda: self.open_new_lead_dialog())
        leads_menu.addAction(self.new_lead_action)
        self.edit_lead_action = QAction(self.tr("&Edit lead..."), self)
        self.edit_lead_action.setShortcut(QKeySequence(self.tr("Ctrl+Shift+E")))
        self.edit_lead_action.triggered.connect(lambda: self.open_edit_lead_dialog())
        leads_menu.addAction(self.edit_lead_action)
        self.lead_history_action = QAction(self.tr("Lead &history..."), self)
        self.lead_history_action.setShortcut(QKeySequence(self.tr("Ctrl+Shift+H")))
        self.lead_history_action.triggered.connect(lambda: self.open_lead_history_dialog())
        leads_menu.addAction(self.lead_history_action)
        leads_menu.addSeparator()
        self.duplicates_action = QAction(self.tr("Find &duplicates..."), self)
        self.duplicates_action.setShortcut(QKeySequence(self.tr("Ctrl+Shift+D")))
        self.duplicates_action.triggered.connect(lambda: self.open_duplicates_dialog())
        leads_menu.addAction(self.duplicates_action)
        self.lead_duplicates_action = QAction(self.tr("Duplicates of &this lead..."), self)
        self.lead_duplicates_action.triggered.connect(self._open_duplicates_of_current)
        leads_menu.addAction(self.lead_duplicates_action)
        self.merge_history_action = QAction(self.tr("&Merge history..."), self)
        self.merge_history_action.triggered.connect(self.open_merge_history_dialog)
        leads_menu.addAction(self.merge_history_action)
        self.undo_merge_action = QAction(self.tr("&Undo last merge"), self)
        self.undo_merge_action.setEnabled(False)
        self.undo_merge_action.triggered.connect(self.undo_last_merge)
        leads_menu.addAction(self.undo_merge_action)

    def _build_status_bar(self) -> None:
        self.business_hours_label = QLabel(self)
        self.business_hours_label.hide()
        self.overdue_label = QLabel(self)
        self.due_soon_label = QLabel(self)
        self.total_label = QLabel(self)
        for label in (self.business_hours_label, self.overdue_label, self.due_soon_label, self.total_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

    def _connect(self) -> None:
        self.filter_bar.changed.connect(self.refresh)
        self.model.sort_requested.connect(self._on_sort_requested)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

        pane = self.detail_pane
        pane.mark_contacted_requested.connect(self.mark_contacted)
        pane.add_note_requested.connect(self._ask_note)
        pane.follow_up_requested.connect(self._ask_follow_up)
        pane.stage_requested.connect(self.change_stage)
        pane.follow_up_done_requested.connect(self.complete_follow_up)
        pane.follow_up_reschedule_requested.connect(self._ask_reschedule)

    # --- Inbox list ---------------------------------------------------------------------

    def current_query(self) -> InboxQuery:
        filters = self.filter_bar.filters()
        return InboxQuery(
            now=self.clock(),
            stage=filters.stage,
            segment=filters.segment,
            owner=filters.owner,
            search=filters.search,
            grade=filters.grade,
            qualification=filters.qualification,
            sort_key=self._sort_key,
            descending=self._sort_descending,
            zone_name=self.user_zone,
        )

    def refresh(self) -> None:
        """Re-query the lead ids, the status counts and the owner list off the GUI thread."""
        self._refresh_generation += 1
        generation = self._refresh_generation
        query = self.current_query()
        view, user = self.filter_bar.filters().view, self.actor

        def load(session: Session) -> tuple[list[uuid.UUID], dict[str, int], list[str], Playbook, dict[str, int]]:
            # A saved view keeps the inbox order and drops the leads outside it.
            context = saved_views.context_for(session, user, query.now, team_timezone(session))
            ids = saved_views.keep_view(session, inbox.list_lead_ids(session, query), view, context)
            counts = inbox.count_states(session, query.now)
            owners = inbox.rep_names(session)
            return ids, counts, owners, load_playbook(session), saved_views.count_views(session, context)

        def show(result: tuple) -> None:
            self.filter_bar.set_view_counts(result[-1])
            self._on_refreshed(generation, query.now, *result[:-1])

        self.runner.read(
            load,
            on_success=show,
            on_failure=self._on_refresh_failed,
            description=self.tr("refresh the inbox"),
        )

    def _on_refresh_failed(self, error: Exception) -> None:
        # The timer refreshes every 30 seconds, so a lasting failure (a long import holding the
        # database lock, say) goes to the status bar instead of opening a dialog each time.
        self.statusBar().showMessage(self.tr("Could not refresh the inbox: {error}").format(error=error), 20_000)

    def _on_refreshed(
        self,
        generation: int,
        now: datetime,
        ids: list[uuid.UUID],
        counts: dict[str, int],
        owners: list[str],
        playbook: Playbook,
    ) -> None:
        if generation != self._refresh_generation:
            return
        selected = self.detail_pane.lead_id
        scroll = self.table.verticalScrollBar().value()

        self._restoring_selection = True
        try:
            self.model.set_lead_ids(ids, now)
            row = self.model.row_of(selected) if selected else None
            if row is not None:
                self.table.selectRow(row)
            self.table.verticalScrollBar().setValue(scroll)
        finally:
            self._restoring_selection = False
        if selected is not None and row is None:
            self.detail_pane.show_detail(None)
        if self._first_refresh and ids:
            # Start on the most urgent lead, so the detail pane is not empty at launch. A list
            # that starts empty (a new database that gets sample leads) waits for its first lead.
            self.table.selectRow(0)
            self._first_refresh = False

        if owners != self._owner_names:
            self._owner_names = owners
            self.filter_bar.set_owners(owners)
        self._show_counts(counts, len(ids))
        self._set_playbook(playbook)
        self.refreshed.emit()

    def _show_counts(self, counts: dict[str, int], total: int) -> None:
        overdue = counts.get("overdue", 0)
        due_soon = counts.get("due_soon", 0)
        self.overdue_label.setText(self.tr("%Ln overdue", "", overdue))
        self.due_soon_label.setText(self.tr("%Ln due soon", "", due_soon))
        self.total_label.setText(self.tr("%Ln lead(s) shown", "", total))
        self.overdue_label.setStyleSheet("color: #b00020; font-weight: bold;" if overdue else "")
        self.due_soon_label.setStyleSheet("color: #8a5a00; font-weight: bold;" if due_soon else "")

    def _set_playbook(self, playbook: Playbook) -> None:
        self._playbook = playbook
        paused = [rule.label for rule in playbook.segments if rule.clock is ClockKind.BUSINESS_HOURS]
        self.business_hours_label.setToolTip(
            self.tr("Response clocks of these segments count business hours only: {segments}.").format(
                segments=", ".join(paused)
            )
        )
        now = self.clock()
        self.detail_pane.set_playbook(playbook, now)
        self._show_business_hours(now)

    def _show_business_hours(self, now: datetime) -> None:
        """Show when business-hour clocks start again, or hide the note while the team is open."""
        opening = self._playbook.calendar.next_opening(now) if self._playbook else None
        if opening is None or opening <= now:
            self.business_hours_label.hide()
            return
        self.business_hours_label.setText(
            self.tr("Outside business hours · clocks start {when}").format(when=weekday_time(opening, now))
        )
        self.business_hours_label.show()

    def tick(self) -> None:
        """Advance the clock of the visible rows, the detail pane and the business-hours note."""
        now = self.clock()
        first = self.table.rowAt(0)
        if first >= 0:
            last = self.table.rowAt(self.table.viewport().height() - 1)
            if last < 0:
                last = self.model.rowCount() - 1
            self.model.tick(now, first, last)
        self.detail_pane.update_clock(now)
        self._show_business_hours(now)

    def sort_by_priority(self) -> None:
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def _on_sort_requested(self, sort_key: str | None, descending: bool) -> None:
        if (sort_key, descending) == (self._sort_key, self._sort_descending):
            return
        self._sort_key = sort_key
        self._sort_descending = descending
        self.refresh()

    # --- Detail -------------------------------------------------------------------------

    def _on_current_row_changed(self, current, _previous) -> None:
        if self._restoring_selection:
            return
        lead_id = self.model.lead_id(current.row()) if current.isValid() else None
        if lead_id is None:
            return
        if lead_id != self.detail_pane.lead_id:
            self.load_detail(lead_id)

    def load_detail(self, lead_id: uuid.UUID) -> None:
        self.runner.read(
            lambda session: lead_actions.lead_detail(session, lead_id),
            on_success=self._show_detail,
            on_failure=lambda error: self._on_detail_failed(lead_id, error),
            description=self.tr("load the lead"),
        )

    def _show_detail(self, detail: LeadDetail) -> None:
        current = self.table.currentIndex()
        selected = self.model.lead_id(current.row()) if current.isValid() else None
        requested = self._requested_lead
        if detail.id == requested:
            # Requested by id from a notification or the board, so a refresh that moved the
            # selection in the meantime does not hide it.
            self._requested_lead = None
        elif selected is not None and selected != detail.id:
            return
        shown = self.detail_pane.detail
        if shown is not None and shown.id == detail.id and shown.row_version > detail.row_version:
            # A read that started before a write finished; the pane already shows the write's result.
            return
        self.detail_pane.show_detail(detail, self.clock())
        self.detail_shown.emit()

    def _on_detail_failed(self, lead_id: uuid.UUID, error: Exception) -> None:
        if isinstance(error, LeadNotFoundError):
            self.detail_pane.show_detail(None)
            self.refresh()
            return
        show_error(self, self.tr("load the lead"), error)

    # --- Actions ------------------------------------------------------------------------

    def mark_contacted(self, lead_id: uuid.UUID, row_version: int) -> None:
        now = self.clock()
        actor = self.actor
        self._write(
            lambda session: lead_actions.mark_contacted(session, lead_id, now, actor, expected_version=row_version),
            self.tr("mark the lead contacted"),
        )

    def add_note(self, lead_id: uuid.UUID, row_version: int, text: str) -> None:
        now = self.clock()
        actor = self.actor
        self._write(
            lambda session: lead_actions.add_note(session, lead_id, text, actor, now, expected_version=row_version),
            self.tr("add the note"),
        )

    def set_follow_up(self, lead_id: uuid.UUID, row_version: int, due_at: datetime, note: str) -> None:
        now = self.clock()
        actor = self.actor
        self._write(
            lambda session: lead_actions.set_follow_up(
                session, lead_id, due_at, note, actor, now, expected_version=row_version
            ),
            self.tr("set the follow-up"),
        )

    def plan_follow_up(self, lead_id: uuid.UUID, row_version: int, plan: follow_ups.FollowUpPlan) -> None:
        now, actor = self.clock(), self.actor
        self._write(
            lambda session: lead_actions.plan_follow_up(session, lead_id, plan, actor, now, expected_version=row_version),
            self.tr("set the follow-up"),
        )

    def reschedule_follow_up(self, follow_up_id: uuid.UUID, due: LocalDue, recurrence: str | None) -> None:
        now, actor = self.clock(), self.actor
        self._write(
            lambda session: follow_ups.reschedule(session, follow_up_id, due, actor, now, recurrence),
            self.tr("reschedule the follow-up"),
        )

    def change_stage(self, lead_id: uuid.UUID, row_version: int, stage: str) -> None:
        now = self.clock()
        actor = self.actor
        self._write(
            lambda session: lead_actions.change_stage(session, lead_id, stage, actor, now, expected_version=row_version),
            self.tr("change the stage"),
        )

    def complete_follow_up(self, follow_up_id: uuid.UUID) -> None:
        now = self.clock()
        actor = self.actor
        self._write(
            lambda session: lead_actions.complete_follow_up(session, follow_up_id, actor, now),
            self.tr("mark the follow-up done"),
        )

    def open_edit_lead_dialog(self) -> EditLeadDialog | None:
        """Open the edit dialog on the lead the detail pane shows, with the row_version shown there."""
        detail = self.detail_pane.detail
        if detail is None:
            self.statusBar().showMessage(self.tr("Select a lead first."), 5000)
            return None
        dialog = EditLeadDialog(detail, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.save_lead_edit(detail.id, dialog.base_values(), dialog.values(), dialog.row_version)
        )
        dialog.destroyed.connect(lambda: setattr(self, "edit_dialog", None))
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    def save_lead_edit(self, lead_id: uuid.UUID, base: dict, edited: dict, row_version: int) -> None:
        """Save an edit made from the lead at row_version; a conflicting save by someone else opens the conflict dialog."""
        now, actor = self.clock(), self.actor
        self._write(
            lambda session: save_lead_edit(session, lead_id, base, edited, row_version, actor, now),
            self.tr("save the lead"),
        )

    def show_conflict(self, conflict: EditConflictError) -> ConflictDialog:
        """Show both values of each conflicting field and save what the user chooses."""
        dialog = ConflictDialog(conflict, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._resolve_conflict(conflict, dialog.choices()))
        dialog.rejected.connect(
            lambda: self.statusBar().showMessage(self.tr("Your edit of {name} was not saved.").format(name=conflict.lead_name), 10_000)
        )
        dialog.destroyed.connect(lambda: setattr(self, "conflict_dialog", None))
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _resolve_conflict(self, conflict: EditConflictError, choices: dict) -> None:
        now, actor = self.clock(), self.actor
        self._write(
            lambda session: resolve_edit_conflict(session, conflict, choices, actor, now),
            self.tr("save the lead"),
        )

    def _write(self, work: Callable[[Session], LeadChange], description: str) -> None:
        """Run a lead action on the write lane and read the changed lead back in the same session.

        Reads of the read pool may have started before the write and may arrive after it, so
        the view takes the lead's new state from the write itself and not from them.
        """
        now = self.clock()

        def write_and_read_back(session: Session) -> SavedChange:
            change = work(session)
            rows = inbox.fetch_rows(session, [change.lead_id], now)
            return SavedChange(change, rows, lead_actions.lead_detail(session, change.lead_id))

        self.runner.write(
            write_and_read_back,
            on_success=self._on_lead_changed,
            on_failure=lambda error: self._on_write_failed(description, error),
            description=description,
        )

    def _on_lead_changed(self, saved: SavedChange) -> None:
        self.model.update_rows(saved.rows)
        if saved.detail.id == self.detail_pane.lead_id:
            self._show_detail(saved.detail)
        self.statusBar().showMessage(self.tr("Saved."), 3000)
        # The refresh re-sorts the list and recounts the status bar.
        self.refresh()
        self.lead_changed.emit(saved.change)

    def _on_write_failed(self, description: str, error: Exception) -> None:
        if isinstance(error, EditConflictError):
            self.show_conflict(error)
        else:
            show_error(self, description, error)
        # Show what is stored now, which also resets the stage combo after a rejected change.
        self.refresh()
        if self.detail_pane.lead_id is not None:
            self.load_detail(self.detail_pane.lead_id)

    def _ask_note(self, lead_id: uuid.UUID, row_version: int) -> None:
        name = self.detail_pane.detail.name if self.detail_pane.detail else ""
        dialog = NoteDialog(name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.add_note(lead_id, row_version, dialog.text()))
        dialog.open()

    def _ask_follow_up(self, lead_id: uuid.UUID, row_version: int) -> None:
        name = self.detail_pane.detail.name if self.detail_pane.detail else ""
        dialog = FollowUpDialog(name, self.clock(), self, zone_name=self.user_zone)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.load_owners(self.runner, lead_id, self.actor)
        dialog.accepted.connect(lambda: self.plan_follow_up(lead_id, row_version, dialog.plan()))
        dialog.open()

    def _ask_reschedule(self, follow_up: OpenFollowUp) -> None:
        name = self.detail_pane.detail.name if self.detail_pane.detail else ""
        dialog = FollowUpDialog(name, self.clock(), self, zone_name=self.user_zone, existing=follow_up)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.reschedule_follow_up(follow_up.id, dialog.due(), dialog.recurrence()))
        dialog.open()

    def _on_triaged(self, lead_id: uuid.UUID) -> None:
        self.refresh()
        if lead_id == self.detail_pane.lead_id:
            self.load_detail(lead_id)
        self.reminders.check_now()

    def show_lead(self, lead_id: uuid.UUID) -> None:
        """Select the lead in the list when it is shown there, and load its details."""
        self._requested_lead = lead_id
        row = self.model.row_of(lead_id)
        if row is not None:
            self.table.selectRow(row)
        else:
            # The lead is not in the current list (filtered out, or done), so drop the selection
            # and let the pane show the requested lead instead of the selected row.
            self.table.setCurrentIndex(QModelIndex())
            self.table.clearSelection()
        self.load_detail(lead_id)

    def load_sample_leads(self) -> None:
        """Load the sample leads on the write lane, then refresh."""
        from leaddesk.services.sample_data import load_sample_leads

        now = self.clock()
        self.runner.job(
            lambda database: load_sample_leads(database, now),
            on_success=self._on_samples_loaded,
            description=self.tr("load the sample leads"),
        )

    def _on_samples_loaded(self, count: int) -> None:
        self.statusBar().showMessage(self.tr("Loaded %n sample lead(s).", "", count), 5000)
        self.refresh()

    # --- Import -------------------------------------------------------------------------

    def open_import_dialog(self, path: Path | None = None) -> None:
        """Open the import dialog for path, asking for a file first when path is None."""
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self,
                self.tr("Import leads"),
                "",
                self.tr("Lead files (*.csv *.tsv *.txt *.xlsx *.xls *.ods);;All files (*)"),
            )
            if not chosen:
                return
            path = Path(chosen)

        from leaddesk.ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.runner, path, self, actor=self.actor)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self.refresh)
        dialog.destroyed.connect(lambda: setattr(self, "_import_dialog", None))
        self._import_dialog = dialog
        dialog.open()

    def open_history_dialog(self) -> None:
        """Open the import history; an undo refreshes the inbox."""
        from leaddesk.ui.history_dialog import ImportHistoryDialog

        dialog = ImportHistoryDialog(self.runner, self, actor=self.actor)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.undone.connect(lambda _report: self.refresh())
        dialog.open()

    # --- Leads: new lead, duplicates and merges ------------------------------------------

    def open_new_lead_dialog(self) -> NewLeadDialog:
        """Open the new-lead dialog; a created lead, or an existing one the user picks instead, opens here."""
        dialog = NewLeadDialog(self.runner, self, actor=self.actor, clock=self.clock)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._on_lead_created)
        dialog.open_existing_requested.connect(self.open_lead)
        dialog.open()
        return dialog

    def _on_lead_created(self, lead_id: uuid.UUID) -> None:
        self.statusBar().showMessage(self.tr("Lead created."), 5000)
        self.open_lead(lead_id)
        self.refresh()

    def open_lead(self, lead_id: uuid.UUID) -> None:
        """Select the lead in the list, or show it in the detail pane when the filters hide it."""
        self._requested_lead = lead_id
        row = self.model.row_of(lead_id)
        if row is not None:
            self.table.selectRow(row)
            return
        # _show_detail skips a lead other than the selected one, so clear the selection first.
        self.table.selectionModel().clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self.load_detail(lead_id)

    def open_duplicates_dialog(self, lead_ids: list[uuid.UUID] | None = None):
        """Open the duplicates review queue, limited to lead_ids when given, and return it."""
        from leaddesk.ui.dedup_review_dialog import DuplicatesDialog

        if self._duplicates_dialog is not None and lead_ids is None and self._duplicates_dialog.lead_ids is None:
            self._duplicates_dialog.raise_()
            self._duplicates_dialog.activateWindow()
            return self._duplicates_dialog
        dialog = DuplicatesDialog(self.runner, self, actor=self.actor, lead_ids=lead_ids)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.leads_changed.connect(self.refresh)
        dialog.merged.connect(self._on_merged)
        dialog.merge_undone.connect(self._on_merge_undone)
        dialog.open_lead_requested.connect(self.open_lead)
        if lead_ids is None:
            self._duplicates_dialog = dialog
            dialog.destroyed.connect(lambda: setattr(self, "_duplicates_dialog", None))
        dialog.show()
        return dialog

    def _open_duplicates_of_current(self) -> None:
        lead_id = self.detail_pane.lead_id
        if lead_id is None:
            self.statusBar().showMessage(self.tr("Select a lead first."), 5000)
            return
        self.open_duplicates_dialog([lead_id])

    def open_playbook_dialog(self):
        """Open the playbook settings; saving a playbook refreshes the inbox."""
        from leaddesk.ui.playbook_dialog import PlaybookDialog

        dialog = PlaybookDialog(self.runner, self, user=self.actor)
        dialog.user_zone_changed.connect(self._set_user_zone)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.refresh)
        dialog.open()
        return dialog

    @property
    def user_zone(self) -> str:
        """The user's IANA timezone: the one they chose, else the machine's current one."""
        return self._chosen_user_zone or current_system_timezone()

    @user_zone.setter
    def user_zone(self, name: str) -> None:
        self._chosen_user_zone = name

    def _set_user_zone(self, name: str) -> None:
        self.user_zone = name
        self.reminders.check_now()
        self.refresh()

    def open_merge_history_dialog(self):
        """Open the merge history; an undo there refreshes the inbox."""
        from leaddesk.ui.merge_history_dialog import MergeHistoryDialog

        dialog = MergeHistoryDialog(self.runner, self, actor=self.actor)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.undone.connect(self._on_merge_undone)
        dialog.open()
        return dialog

    def _on_merged(self, result: MergeResult) -> None:
        self.last_merge = result
        self.undo_merge_action.setEnabled(True)
        self.statusBar().showMessage(
            self.tr("Merged %n lead(s). Leads > Undo last merge reverses it.", "", len(result.merged_ids)), 10_000
        )
        self.refresh()
        if self.detail_pane.lead_id in (result.survivor_id, *result.merged_ids):
            self.load_detail(result.survivor_id)

    def undo_last_merge(self) -> None:
        """Undo the newest merge made in this window, on the write lane."""
        if self.last_merge is None:
            return
        from leaddesk.ui.merge_dialog import undo_merge_by_id

        operation_id, actor = self.last_merge.operation_id, self.actor
        self.undo_merge_action.setEnabled(False)
        self.runner.write(
            lambda session: undo_merge_by_id(session, operation_id, actor),
            on_success=self._on_merge_undone,
            on_failure=lambda error: self._on_write_failed(self.tr("undo the merge"), error),
            description=self.tr("undo the merge"),
        )

    def _on_merge_undone(self, report: MergeUndoReport) -> None:
        if self.last_merge is not None and str(self.last_merge.operation_id) == report.operation_id:
            self.last_merge = None
            self.undo_merge_action.setEnabled(False)
        self.statusBar().showMessage(self.tr("Merge undone: %n lead(s) restored.", "", len(report.restored_leads)), 10_000)
        self.refresh()
        if self.detail_pane.lead_id is not None:
            self.load_detail(self.detail_pane.lead_id)

    def open_lead_history_dialog(self):
        """Show the shown lead's field changes with who made them and the old values."""
        detail = self.detail_pane.detail
        if detail is None:
            self.statusBar().showMessage(self.tr("Select a lead first."), 5000)
            return None
        from leaddesk.ui.history_dialog import LeadHistoryDialog

        dialog = LeadHistoryDialog(self.runner, detail.id, detail.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- Export -------------------------------------------------------------------------

    def open_export_dialog(self, path: Path | None = None) -> None:
        """Open the export dialog for path, asking for a CSV or XLSX file name first when path is None."""
        if path is None:
            chosen, chosen_filter = QFileDialog.getSaveFileName(
                self,
                self.tr("Export leads"),
                "leads.csv",
                self.tr("CSV files (*.csv);;Excel workbooks (*.xlsx)"),
            )
            if not chosen:
                return
            path = Path(chosen)
            if path.suffix.casefold() not in (".csv", ".xlsx"):
                path = path.with_name(path.name + (".xlsx" if "xlsx" in chosen_filter else ".csv"))

        from leaddesk.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.runner, path, self.current_query(), self.model.rowCount(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exported.connect(
            lambda count: self.statusBar().showMessage(self.tr("Exported %n lead(s).", "", count), 5000)
        )
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_import_dialog(path)

    # --- Shutdown -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tick_timer.stop()
        self._refresh_timer.stop()
        self.reminders.stop()
        self._stop_team_watch()
        if self._import_dialog is not None:
            self._import_dialog.cancel()
        if self._duplicates_dialog is not None:
            self._duplicates_dialog.cancel()
        # Let running work finish, so no write is cut off and no callback reaches a deleted window.
        self.runner.shut_down()
        if self.owns_database:
            self.database.dispose()
        super().closeEvent(event)


def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.is_file():
                return path
    return None
