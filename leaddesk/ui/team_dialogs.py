"""Dialogs of the File menu's team entries: a team folder, a team server, backups, and team presence."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.backups import BackupInfo, list_backups
from leaddesk.services.database import Database
from leaddesk.services.sync.names import MANIFEST_NAME
from leaddesk.services.sync.identity import default_device_name, default_person
from leaddesk.services.team_presence import TeamPresence, team_presence
from leaddesk.services.team_setup import TeamSetup, set_up_team
from leaddesk.ui.confirm_box import open_confirm_box
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.history_table import history_table
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# The presence view reads the team folder again this often, in milliseconds.
PRESENCE_REFRESH_MS = 5_000
ERROR_STYLE = "color: #b00020;"


class _Relay(QObject):
    """Carries a worker thread's result to the GUI thread through a queued signal."""

    done = Signal(bool, object)


# Relays whose work is running; a reference here keeps each alive until its result is delivered.
_running_relays: set[_Relay] = set()


def run_off_thread(parent: QObject, work: Callable[[], Any], on_success: Callable[[Any], None], on_failure: Callable[[Exception], None]) -> None:
    """Run work on a daemon thread and call back on the GUI thread, for work that needs no open database.

    parent is unused by the thread; it names the object whose callbacks these are, for the log.
    """
    relay = _Relay()
    _running_relays.add(relay)

    def deliver(ok: bool, payload: object) -> None:
        _running_relays.discard(relay)
        (on_success if ok else on_failure)(payload)

    relay.done.connect(deliver, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
            logger.info("background work of %s failed: %s", type(parent).__name__, error)
            relay.done.emit(False, error)
            return
        relay.done.emit(True, result)

    threading.Thread(target=run, name="leaddesk-open-server", daemon=True).start()


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


class TeamFolderDialog(QDialog):
    """Create a team folder (create=True) or join one, then run the first sync pass.

    Emits set_up with the TeamSetup. The window switches to TeamSetup.database when
    TeamSetup.switched is set, because the open database belongs to another team.
    """

    set_up = Signal(object)

    def __init__(self, runner: TaskRunner, create: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.create = create
        self._busy = False
        self.setWindowTitle(self.tr("New team database") if create else self.tr("Open team database"))

        intro = QLabel(
            self.tr("Choose a folder inside Dropbox, OneDrive, Google Drive, Syncthing, Nextcloud or a network share. "
                    "LeadDesk keeps the database on this computer and exchanges changes through small files in that folder.")
            if create
            else self.tr("Choose the team folder that a teammate created and your sync tool delivered. "
                         "It contains {manifest}.").format(manifest=MANIFEST_NAME),
            self,
        )
        intro.setWordWrap(True)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setPlaceholderText(self.tr("for example ~/Dropbox/LeadDesk-Team"))
        browse = QPushButton(self.tr("Browse..."), self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, stretch=1)
        folder_row.addWidget(browse)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("default: the folder's name"))
        self.person_edit = QLineEdit(default_person(), self)
        self.device_edit = QLineEdit(default_device_name(), self)

        form = QFormLayout()
        form.addRow(self.tr("Team folder:"), folder_row)
        if create:
            form.addRow(self.tr("Team name:"), self.name_edit)
        else:
            self.name_edit.hide()
        form.addRow(self.tr("Your name:"), self.person_edit)
        form.addRow(self.tr("This device:"), self.device_edit)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.error_label = _error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton(
            self.tr("Create team") if create else self.tr("Join team"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.folder_edit.textChanged.connect(self._update_ok)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._update_ok()
        self.resize(600, 300)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.windowTitle(), self.folder_edit.text() or str(Path.home()))
        if chosen:
            self.folder_edit.setText(chosen)

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(not self._busy and bool(self.folder_edit.text().strip()))

    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def submit(self) -> None:
        """Check the folder, then create or join the team on the write lane."""
        if self._busy:
            return
        folder = self.folder()
        problem = self._folder_problem(folder)
        if problem:
            self._show_error(problem)
            return
        name = self.name_edit.text().strip() or None
        person = self.person_edit.text().strip() or None
        device = self.device_edit.text().strip() or None
        create = self.create
        self._busy = True
        self._update_ok()
        self.error_label.hide()
        self.status_label.setText(self.tr("Setting up the team and running the first sync pass..."))
        self.runner.job(
            lambda database: set_up_team(database, folder, create, name, person, device),
            on_success=while_alive(self, self._on_done),
            on_failure=while_alive(self, self._on_failed),
            description="set up the team",
        )

    def _folder_problem(self, folder: Path) -> str:
        if folder.exists() and not folder.is_dir():
            return self.tr("{folder} is a file; choose a folder.").format(folder=folder)
        if not self.create and not (folder / MANIFEST_NAME).is_file():
            return self.tr("{folder} contains no LeadDesk team ({manifest} is missing). Check that the sync tool "
                           "has delivered the folder, or use File > New team database to create a team.").format(
                folder=folder, manifest=MANIFEST_NAME
            )
        return ""

    def _on_done(self, setup: TeamSetup) -> None:
        self._busy = False
        self.set_up.emit(setup)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self._busy = False
        self._update_ok()
        self.status_label.clear()
        self._show_error(str(error))

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


class ServerDialog(QDialog):
    """Open a PostgreSQL team server: its URL and password.

    A password that works is stored in the OS keyring (or kept for this session when no
    keyring works) by server_db.connect, so the next open needs no password. Emits opened
    with the open Database.
    """

    opened = Signal(object)

    def __init__(self, parent: QWidget | None = None, opener: Callable[..., Database] = Database.open) -> None:
        super().__init__(parent)
        self.opener = opener
        self._busy = False
        self.setWindowTitle(self.tr("Open team server"))
        intro = QLabel(
            self.tr("Run LeadDesk on a shared PostgreSQL database. Everyone who opens it sees the others' changes live."),
            self,
        )
        intro.setWordWrap(True)
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("postgresql://user@host:5432/leaddesk")
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("leave empty to use the stored one"))
        form = QFormLayout()
        form.addRow(self.tr("Server URL:"), self.url_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        note = QLabel(self.tr("A password that works is kept in your system's keyring, or for this session when there is none; never in a file."), self)
        note.setStyleSheet("color: #666;")
        self.status_label = QLabel(self)
        self.error_label = _error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = self.buttons.addButton(self.tr("Connect"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.url_edit.textChanged.connect(self._update_connect)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._update_connect()
        self.resize(560, 240)

    def _update_connect(self) -> None:
        self.connect_button.setEnabled(not self._busy and bool(self.url_edit.text().strip()))

    def submit(self) -> None:
        """Connect off the GUI thread; the typed password is sent on the server's first password request."""
        if self._busy:
            return
        url = self.url_edit.text().strip()
        if not url.lower().startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            self._show_error(self.tr("{url} is not a server URL; write it as postgresql://USER@HOST[:PORT]/DBNAME.").format(url=url))
            return
        typed = self.password_edit.text()
        rejected: list[bool] = []

        def prompt(_address: object, failure: str | None) -> str | None:
            # The first request gets the typed password; a second one means the server rejected it.
            if failure is not None or rejected or not typed:
                rejected.append(True)
                return None
            rejected.append(False)
            return typed

        opener = self.opener
        self._busy = True
        self._update_connect()
        self.error_label.hide()
        self.status_label.setText(self.tr("Connecting..."))
        run_off_thread(
            self,
            lambda: opener(url, password_prompt=prompt),
            while_alive(self, self._on_opened),
            while_alive(self, lambda error: self._on_failed(error, any(rejected))),
        )

    def _on_opened(self, database: Database) -> None:
        self._busy = False
        self.opened.emit(database)
        self.accept()

    def _on_failed(self, error: Exception, password_rejected: bool) -> None:
        self._busy = False
        self._update_connect()
        self.status_label.clear()
        if password_rejected and self.password_edit.text():
            text = self.tr("The server rejected the password. Check it and connect again.")
        elif password_rejected:
            text = self.tr("The server wants a password. Type it and connect again.")
        else:
            text = str(error)
        logger.info("opening team server failed: %s", error)
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


class RestoreBackupDialog(QDialog):
    """The backups of the local database, newest first; Restore requests confirmation, then emits restore_requested."""

    restore_requested = Signal(object)

    DATE_COLUMN, KIND_COLUMN, SIZE_COLUMN, FILE_COLUMN = range(4)

    def __init__(self, database_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database_path = database_path
        self.backups: list[BackupInfo] = list_backups(database_path)
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("Restore backup"))
        self.table = history_table(
            self, [self.tr("Taken"), self.tr("Kind"), self.tr("Size"), self.tr("File")],
            stretch_column=self.FILE_COLUMN, single_selection=True,
        )
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            self.table.setItem(row, self.DATE_COLUMN, QTableWidgetItem(f"{info.taken_at.astimezone():%Y-%m-%d %H:%M:%S}"))
            self.table.setItem(row, self.KIND_COLUMN, QTableWidgetItem(info.label.replace("-", " ")))
            size = QTableWidgetItem(f"{info.size / 1024:,.0f} KiB")
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, self.SIZE_COLUMN, size)
            self.table.setItem(row, self.FILE_COLUMN, QTableWidgetItem(info.path.name))
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        if self.backups:
            self.status_label.setText(
                self.tr("Restoring replaces {database}. LeadDesk first backs up the current file, so a restore can be undone.").format(
                    database=database_path.name
                )
            )
        else:
            self.status_label.setText(self.tr("No backups yet in {folder}.").format(folder=database_path.parent / "backups"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.restore_button = self.buttons.addButton(self.tr("Restore..."), QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.ask_restore)
        self.buttons.rejected.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update_restore)
        if self.backups:
            self.table.selectRow(0)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self._update_restore()
        self.resize(720, 380)

    def selected(self) -> BackupInfo | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self.backups[min(rows)] if rows else None

    def _update_restore(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def ask_restore(self) -> None:
        """Ask for confirmation naming the backup's date, then emit restore_requested with its path."""
        info = self.selected()
        if info is None:
            return
        open_confirm_box(
            self,
            self.tr("Restore backup"),
            self.tr("Restore the backup taken {when}? Changes made after it are replaced.").format(
                when=f"{info.taken_at.astimezone():%Y-%m-%d %H:%M}"
            ),
            self.tr("The current database is backed up first. The window reopens on the restored file."),
            lambda: self._confirmed(info),
        )

    def _confirmed(self, info: BackupInfo) -> None:
        self.restore_requested.emit(info.path)
        self.accept()


class PresenceDialog(QDialog):
    """The team presence view: each person and device with the team database open, and its last sync."""

    loaded = Signal()

    PERSON_COLUMN, DEVICE_COLUMN, SEEN_COLUMN, STATUS_COLUMN = range(4)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.presence: TeamPresence | None = None
        self.setWindowTitle(self.tr("Team presence"))
        self.location_label = QLabel(self)
        self.location_label.setWordWrap(True)
        self.table = history_table(
            self, [self.tr("Person"), self.tr("Device"), self.tr("Last sync"), self.tr("Status")],
            stretch_column=self.DEVICE_COLUMN,
        )
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.location_label)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.note_label)
        layout.addWidget(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(PRESENCE_REFRESH_MS)
        self.timer.timeout.connect(self.load)
        self.timer.start()
        self.resize(640, 320)
        self.load()

    def load(self) -> None:
        self.runner.read(
            lambda session: team_presence(session, datetime.now(timezone.utc)),
            on_success=while_alive(self, self._show),
            description="read team presence",
        )

    def _show(self, presence: TeamPresence) -> None:
        self.presence = presence
        self.location_label.setText(self.tr("Team database: {location}").format(location=presence.location or self.tr("none")))
        self.table.setRowCount(len(presence.entries))
        for row, entry in enumerate(presence.entries):
            seen = f"{entry.last_seen.astimezone():%Y-%m-%d %H:%M:%S}" if entry.last_seen else self.tr("never")
            if entry.this_device:
                status = self.tr("this device")
            elif entry.online:
                status = self.tr("online")
            else:
                status = self.tr("away")
            values = (entry.person, entry.device, seen, status)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.note_label.setText(presence.note)
        self.note_label.setVisible(bool(presence.note))
        self.loaded.emit()

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)
