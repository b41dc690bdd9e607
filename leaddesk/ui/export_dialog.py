"""The export dialog: write all leads or the current filtered view to CSV or XLSX, with progress."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.database import Database
from leaddesk.services.exporting import ExportCancelled, export_leads
from leaddesk.services.inbox import InboxQuery
from leaddesk.ui.cancellable_dialog import CancellableDialog
from leaddesk.ui.tasks import ProgressRelay, TaskRunner, show_error

logger = logging.getLogger(__name__)


class ExportDialog(CancellableDialog):
    """Export of the leads to one file: choose all leads or the current view, then watch the progress."""

    # Emitted with the number of leads written after the file is in place.
    exported = Signal(int)
    # Emitted when an export ends: done, cancelled or failed.
    export_finished = Signal()

    def __init__(
        self, runner: TaskRunner, path: Path, view_query: InboxQuery, view_count: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.path = Path(path)
        self.view_query = view_query
        self.count: int | None = None
        self._cancel: threading.Event | None = None
        self._relay = ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

        self.setWindowTitle(self.tr("Export leads"))
        file_label = QLabel(self.tr("Export to {path}").format(path=self.path), self)
        file_label.setWordWrap(True)
        self.all_radio = QRadioButton(self.tr("&All leads"), self)
        self.view_radio = QRadioButton(self.tr("Only the leads in the current &view (%n)", "", view_count), self)
        self.view_radio.setChecked(True)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.export_button = QPushButton(self.tr("Export"), self)
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(file_label)
        layout.addWidget(self.all_radio)
        layout.addWidget(self.view_radio)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resize(520, 240)

    def start_export(self) -> None:
        """Write the file on the read pool; export_leads only reads the database."""
        if self.running:
            return
        path = self.path
        query = self.view_query if self.view_radio.isChecked() else None
        relay = self._relay
        cancel = threading.Event()
        self._cancel = cancel

        def work(database: Database) -> int | None:
            try:
                return export_leads(database, path, query, progress=relay.progressed.emit, cancel=cancel)
            except ExportCancelled:
                logger.info("export to %s cancelled; no file was written", path)
                return None

        self.export_button.setEnabled(False)
        self.all_radio.setEnabled(False)
        self.view_radio.setEnabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.status_label.setText(self.tr("Exporting..."))
        self.runner.read_job(
            work,
            on_success=self._on_exported,
            on_failure=self._on_export_failed,
            description=self.tr("export to {name}").format(name=path.name),
        )

    def _on_exported(self, count: int | None) -> None:
        self._cancel = None
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setEnabled(True)
        if count is None:
            self.progress_bar.hide()
            self.status_label.setText(self.tr("Export cancelled; no file was written."))
            self.export_finished.emit()
            return
        self.count = count
        self.progress_bar.setValue(1000)
        self.status_label.setText(self.tr("Exported %n lead(s) to {path}.", "", count).format(path=self.path))
        self.export_finished.emit()
        self.exported.emit(count)

    def _on_export_failed(self, error: Exception) -> None:
        self._cancel = None
        self.progress_bar.hide()
        self.status_label.setText(self.tr("Export failed: {error}").format(error=error))
        self.export_button.setEnabled(True)
        self.all_radio.setEnabled(True)
        self.view_radio.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.export_finished.emit()
        show_error(self, self.tr("export to {name}").format(name=self.path.name), error)

