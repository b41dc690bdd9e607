"""Restore a backup over the local database file on a worker thread, with progress and a result for the GUI thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from leaddesk.services.backups import BackupError, restore_backup
from leaddesk.services.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestoreResult:
    """The outcome of a restore: the reopened database, and the safety copy or the restore error."""

    # None when the file could not be opened again, and open_error is the reason.
    database: Database | None
    safety_copy: Path | None
    restore_error: Exception | None
    open_error: Exception | None


class RestoreJob(QObject):
    """Runs restore_backup and reopens the database on a worker thread.

    The job's signals are emitted on the worker thread, so connect them with
    Qt.ConnectionType.QueuedConnection to run the slots on the GUI thread. The thread is
    no daemon, so quitting the application waits for the restore to finish.
    """

    # (step, pages copied, pages in total): see backups.restore_backup.
    progressed = Signal(str, int, int)
    finished = Signal(object)

    def __init__(self, database_path: Path, backup_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database_path = database_path
        self.backup_path = backup_path
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="leaddesk-restore", daemon=False)
        self.thread.start()

    def _run(self) -> None:
        safety_copy = restore_error = open_error = database = None
        try:
            safety_copy = restore_backup(self.database_path, self.backup_path, self.progressed.emit)
        except BackupError as error:
            logger.warning("restoring %s from %s failed: %s", self.database_path, self.backup_path, error)
            restore_error = error
        except Exception as error:  # noqa: BLE001 - the window must reopen whatever went wrong
            logger.exception("restoring %s from %s failed", self.database_path, self.backup_path)
            restore_error = error
        try:
            database = Database.open(self.database_path)
        except Exception as error:  # noqa: BLE001 - reported to the user by the window
            logger.error("cannot reopen %s after a restore: %s", self.database_path, error)
            open_error = error
        self.finished.emit(RestoreResult(database, safety_copy, restore_error, open_error))
