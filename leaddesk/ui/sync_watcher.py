"""Run team sync passes in the background: every few seconds, and soon after the sync tool delivers a file."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from leaddesk.services.database import Database
from leaddesk.services.sync import SyncReport, load_identity, sync_pass
from leaddesk.services.team_changes import TeamChange, received_changes
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Passes run at least this often, because file-system events do not arrive for every
# network share and sync tool.
PASS_INTERVAL_MS = 5_000
# A burst of delivered files triggers one pass after this quiet time.
DEBOUNCE_MS = 500


class SyncWatcher(QObject):
    """Starts a sync pass on a timer and on changes in the team folder, one pass at a time."""

    # Emitted with the SyncReport of each finished pass.
    synced = Signal(object)
    # Emitted with an error message when a pass fails; the next pass retries.
    failed = Signal(str)
    # Emitted after a pass that brought in teammates' changes, with their list of TeamChange.
    team_changed = Signal(object)

    def __init__(self, runner: TaskRunner, bundle_root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.bundle_root = bundle_root
        self._running = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(PASS_INTERVAL_MS)
        self._timer.timeout.connect(self.request_pass)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.request_pass)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_folder_changed)
        self._watch_folders()

    def start(self) -> None:
        self._timer.start()
        self.request_pass()

    def stop(self) -> None:
        self._timer.stop()
        self._debounce.stop()

    def _watch_folders(self) -> None:
        devices = self.bundle_root / "devices"
        folders = [self.bundle_root, devices, *(p for p in devices.iterdir() if p.is_dir())] if devices.is_dir() else [self.bundle_root]
        missing = [str(folder) for folder in folders if str(folder) not in self._watcher.directories()]
        if missing:
            self._watcher.addPaths(missing)

    def _on_folder_changed(self, _path: str) -> None:
        self._watch_folders()
        self._debounce.start()

    def request_pass(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self.runner.job(pass_and_read_changes, self._on_done, self._on_failed, description="sync pass")

    def _on_done(self, result: tuple[SyncReport, list[TeamChange]]) -> None:
        report, changes = result
        self._finish()
        self.synced.emit(report)
        if changes:
            self.team_changed.emit(changes)

    def _on_failed(self, error: Exception) -> None:
        logger.warning("sync pass with %s failed: %s", self.bundle_root, error)
        self._finish()
        self.failed.emit(str(error))

    def _finish(self) -> None:
        self._running = False
        self._watch_folders()
        if self._again:
            self._again = False
            self._debounce.start()


def pass_and_read_changes(database: Database) -> tuple[SyncReport, list[TeamChange]]:
    """Run one sync pass and return its report with the teammates' lead changes it received."""
    started = datetime.now(timezone.utc)
    report = sync_pass(database)
    if not report.imported:
        return report, []
    with database.session() as session:
        identity = load_identity(session)
        own_device = identity.device_id if identity is not None else ""
        return report, received_changes(session, started, own_device)
