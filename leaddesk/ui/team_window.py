"""The main window's team part: team folder and server entries, backups, presence and teammates' live changes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QProgressDialog
from sqlalchemy.orm import Session

from leaddesk.services.database import Database
from leaddesk.services.team_changes import change_message, changed_leads
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.tasks import show_error

if TYPE_CHECKING:
    from leaddesk.ui.main_window import MainWindow
    from leaddesk.ui.restore_job import RestoreJob, RestoreResult

logger = logging.getLogger(__name__)


class TeamWindowMixin:
    """Team methods of MainWindow, which provides database, runner, statusBar, refresh and the detail pane.

    MainWindow's __init__ sets sync_watcher, live_watcher, replacement, owns_database and
    last_team_message, and calls start_team_watch after its first refresh.
    """

    # The running restore and its progress dialog, None when no restore runs.
    restore_job: RestoreJob | None = None
    restore_progress: QProgressDialog | None = None

    def _build_team_entries(self, file_menu) -> None:
        self.new_team_action = QAction(self.tr("New &team database..."), self)
        self.new_team_action.triggered.connect(lambda: self.open_team_folder_dialog(create=True))
        file_menu.addAction(self.new_team_action)
        self.open_team_action = QAction(self.tr("&Open team database..."), self)
        self.open_team_action.triggered.connect(lambda: self.open_team_folder_dialog(create=False))
        file_menu.addAction(self.open_team_action)
        self.open_server_action = QAction(self.tr("Open team &server..."), self)
        self.open_server_action.triggered.connect(lambda: self.open_server_dialog())
        file_menu.addAction(self.open_server_action)
        self.restore_action = QAction(self.tr("&Restore backup..."), self)
        self.restore_action.triggered.connect(lambda: self.open_restore_dialog())
        # Backups are copies of a local SQLite file; a server keeps its own.
        self.restore_action.setEnabled(self.database.path is not None)
        file_menu.addAction(self.restore_action)

    def start_team_watch(self) -> None:
        """Watch for teammates' changes: live notifications on a server, sync passes for a team folder."""
        if self.database.engine.dialect.name == "postgresql":
            from leaddesk.ui.live_watcher import LiveChangesWatcher

            watcher = LiveChangesWatcher(self.runner, self.database, self)
            watcher.changed.connect(self._on_live_changes)
            watcher.unavailable.connect(
                lambda reason: self.statusBar().showMessage(self.tr("Live changes are off: {reason}").format(reason=reason), 20_000)
            )
            self.live_watcher = watcher
            watcher.start()
            return
        self.runner.read(_team_folder, on_success=self._watch_team_folder, description=self.tr("read the team folder"))

    def _watch_team_folder(self, folder: str | None) -> None:
        if not folder or self.sync_watcher is not None:
            return
        from leaddesk.ui.sync_watcher import SyncWatcher

        watcher = SyncWatcher(self.runner, Path(folder), self)
        watcher.synced.connect(self._on_synced)
        watcher.team_changed.connect(lambda changes: self.show_team_message(change_message(changes)))
        watcher.failed.connect(
            lambda message: self.statusBar().showMessage(self.tr("Sync failed: {error}").format(error=message), 10_000)
        )
        self.sync_watcher = watcher
        watcher.start()

    def _stop_team_watch(self) -> None:
        if self.sync_watcher is not None:
            self.sync_watcher.stop()
        if self.live_watcher is not None:
            self.live_watcher.stop()

    def _on_synced(self, report) -> None:
        if report.identity_notice:
            self.show_team_message(report.identity_notice)
        if not report.rows_changed:
            return
        self.refresh()
        if self.detail_pane.lead_id is not None:
            self.load_detail(self.detail_pane.lead_id)

    def _on_live_changes(self, batch) -> None:
        """Refresh the list and the shown lead, then show who changed what unless all changes are this user's."""
        self.refresh()
        shown = self.detail_pane.lead_id
        if shown is not None and (not batch.complete or shown in batch.lead_ids):
            self.load_detail(shown)
        if batch.count == 0:
            self.show_team_message(self.tr("Reconnected to the server; the lead list was read again."))
            return
        if batch.people and batch.people <= {self.actor}:
            return
        ids, people, total = list(batch.lead_ids), sorted(batch.people), batch.count
        self.runner.read(
            lambda session: changed_leads(session, ids, people),
            on_success=lambda changes: self.show_team_message(change_message(changes, total)),
            description=self.tr("read the changed leads"),
        )

    def show_team_message(self, text: str) -> None:
        """Show who changed what in the status bar; last_team_message keeps it for tests."""
        if not text:
            return
        self.last_team_message = text
        self.statusBar().showMessage(text, 15_000)

    def switch_database(self, database: Database) -> MainWindow:
        """Open a window on database in place of this one, which closes; the new window disposes database on close."""
        replacement = type(self)(database, clock=self.clock, actor=self.actor)
        replacement.owns_database = True
        replacement.setGeometry(self.geometry())
        replacement.show()
        self.replacement = replacement
        logger.info("switched the window from %s to %s", self.database.path or "a server", database.path or "a server")
        self.close()
        return replacement

    def open_team_folder_dialog(self, create: bool):
        """Open the dialog that creates (create=True) or joins a team folder, and return it."""
        from leaddesk.ui.team_dialogs import TeamFolderDialog

        dialog = TeamFolderDialog(self.runner, create, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.set_up.connect(self._on_team_set_up)
        dialog.open()
        return dialog

    def _on_team_set_up(self, setup) -> None:
        text = self.tr("{person} on {device} syncs with {folder}: {out} change(s) out, {came} in.").format(
            person=setup.person, device=setup.device_name, folder=setup.bundle_path,
            out=setup.first_pass.exported, came=setup.first_pass.imported,
        )
        if setup.switched:
            replacement = self.switch_database(setup.database)
            replacement.statusBar().showMessage(
                text + " " + self.tr("The open database belongs to another team, so this team has its own local database."), 20_000
            )
            return
        self.statusBar().showMessage(text, 15_000)
        self.refresh()
        self._watch_team_folder(setup.bundle_path)

    def open_server_dialog(self):
        """Open the team server dialog; a connected server replaces this window's database."""
        from leaddesk.ui.team_dialogs import ServerDialog

        dialog = ServerDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.opened.connect(self.switch_database)
        dialog.open()
        return dialog

    def open_restore_dialog(self):
        """List the local database's backups; a confirmed restore reopens the window on the restored file."""
        if self.database.path is None:
            self.statusBar().showMessage(self.tr("Backups exist only for a local database file."), 5000)
            return None
        from leaddesk.ui.team_dialogs import RestoreBackupDialog

        dialog = RestoreBackupDialog(self.database.path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restore_requested.connect(self.restore_backup)
        dialog.open()
        return dialog

    def restore_backup(self, backup_path: Path) -> RestoreJob:
        """Close the database, then restore backup_path over it and reopen it on a worker thread.

        A window-modal progress dialog shows each step. When the job finishes, a new window
        opens on the database (restored, or unchanged after a failed restore) and shows the result.
        """
        from leaddesk.ui.restore_job import RestoreJob

        path = self.database.path
        assert path is not None, "restore needs a local database file"
        self._tick_timer.stop()
        self._refresh_timer.stop()
        self.reminders.stop()
        self._stop_team_watch()
        self.runner.shut_down()
        self.database.dispose()

        progress = QProgressDialog(self.tr("Checking the backup {name}...").format(name=backup_path.name), "", 0, 0, self)
        progress.setWindowTitle(self.tr("Restore backup"))
        # restore_backup cannot be stopped once it runs, so the dialog has no Cancel button.
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.show()
        self.restore_progress = progress

        # No parent: the worker thread keeps the job alive until it has emitted finished. The
        # connections are queued, because a plain callable would otherwise run on the worker thread.
        job = RestoreJob(path, backup_path)
        queued = Qt.ConnectionType.QueuedConnection
        job.progressed.connect(while_alive(self, self._on_restore_progress), queued)
        job.finished.connect(while_alive(self, lambda result: self._on_restore_finished(backup_path, result)), queued)
        self.restore_job = job
        job.start()
        return job

    def _on_restore_progress(self, step: str, copied: int, total: int) -> None:
        from leaddesk.services.backups import RESTORE_CHECK, RESTORE_SAFETY_COPY

        progress = self.restore_progress
        if progress is None:
            return
        if step == RESTORE_CHECK:
            return
        label = self.tr("Backing up the current database...") if step == RESTORE_SAFETY_COPY else self.tr("Copying the backup...")
        progress.setLabelText(label)
        progress.setMaximum(total)
        progress.setValue(copied)

    def _on_restore_finished(self, backup_path: Path, result: RestoreResult) -> MainWindow | None:
        """Close the progress dialog and open a window on the reopened database with the restore's result."""
        if self.restore_progress is not None:
            self.restore_progress.close()
            self.restore_progress = None
        self.restore_job = None
        if result.restore_error is None:
            copy = result.safety_copy.name if result.safety_copy else self.tr("(none)")
            text = self.tr("Restored the backup {backup}. The previous database was saved as {copy}.").format(
                backup=backup_path.name, copy=copy
            )
        else:
            text = self.tr("Could not restore the backup {backup}: {error}").format(backup=backup_path.name, error=result.restore_error)
        if result.database is None:
            show_error(self, self.tr("reopen the database"), result.open_error)
            self.statusBar().showMessage(text, 30_000)
            return None
        replacement = self.switch_database(result.database)
        replacement.statusBar().showMessage(text, 30_000)
        if result.restore_error is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Restore backup"), text, parent=replacement)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        return replacement

    def open_presence_dialog(self):
        """Show who has the team database open, from which device, and when they last synced."""
        from leaddesk.ui.team_dialogs import PresenceDialog

        dialog = PresenceDialog(self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def _team_folder(session: Session) -> str | None:
    from leaddesk.services.sync import load_identity

    identity = load_identity(session)
    return identity.bundle_path if identity is not None else None
