"""The import dialog: preview a file's columns, adjust the mapping, run the import with progress."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.database import Database
from leaddesk.services.importing import (
    CUSTOM_PREFIX,
    LEAD_FIELDS,
    ImportCancelled,
    ImportPreview,
    ImportReport,
    preview_file,
    run_import,
)
from leaddesk.ui.tasks import TaskRunner, show_error

logger = logging.getLogger(__name__)

# Sample values shown per column in the mapping table.
SAMPLE_VALUES_SHOWN = 3
# Rejected rows listed in the result; the full list is in the ImportReport.
REJECTED_ROWS_SHOWN = 5

FIELD_LABELS = {
    "external_id": QT_TRANSLATE_NOOP("ImportDialog", "External id"),
    "first_name": QT_TRANSLATE_NOOP("ImportDialog", "First name"),
    "last_name": QT_TRANSLATE_NOOP("ImportDialog", "Last name"),
    "full_name": QT_TRANSLATE_NOOP("ImportDialog", "Full name"),
    "email": QT_TRANSLATE_NOOP("ImportDialog", "Email"),
    "phone": QT_TRANSLATE_NOOP("ImportDialog", "Phone"),
    "company": QT_TRANSLATE_NOOP("ImportDialog", "Company"),
    "title": QT_TRANSLATE_NOOP("ImportDialog", "Job title"),
    "website": QT_TRANSLATE_NOOP("ImportDialog", "Website"),
    "domain": QT_TRANSLATE_NOOP("ImportDialog", "Domain"),
    "linkedin_url": QT_TRANSLATE_NOOP("ImportDialog", "LinkedIn URL"),
    "city": QT_TRANSLATE_NOOP("ImportDialog", "City"),
    "region": QT_TRANSLATE_NOOP("ImportDialog", "Region"),
    "country": QT_TRANSLATE_NOOP("ImportDialog", "Country"),
    "industry": QT_TRANSLATE_NOOP("ImportDialog", "Industry"),
    "employee_count": QT_TRANSLATE_NOOP("ImportDialog", "Employee count"),
    "source": QT_TRANSLATE_NOOP("ImportDialog", "Source"),
    "segment": QT_TRANSLATE_NOOP("ImportDialog", "Segment"),
    "stage": QT_TRANSLATE_NOOP("ImportDialog", "Stage"),
    "owner": QT_TRANSLATE_NOOP("ImportDialog", "Owner (rep name)"),
    "notes": QT_TRANSLATE_NOOP("ImportDialog", "Notes"),
    "received_at": QT_TRANSLATE_NOOP("ImportDialog", "Received at"),
}

DELIMITER_NAMES = {
    ",": QT_TRANSLATE_NOOP("ImportDialog", "comma"),
    ";": QT_TRANSLATE_NOOP("ImportDialog", "semicolon"),
    "\t": QT_TRANSLATE_NOOP("ImportDialog", "tab"),
    "|": QT_TRANSLATE_NOOP("ImportDialog", "vertical bar"),
}

HEADER_COLUMN, TARGET_COLUMN, SAMPLE_COLUMN = range(3)


class _ProgressRelay(QObject):
    """Carries progress from the import thread to the dialog through a queued signal."""

    progressed = Signal(float, str)


class ImportDialog(QDialog):
    """Preview, mapping and progress of one file's import."""

    # Emitted with the ImportReport after an import stored its leads.
    imported = Signal(object)
    # Emitted with the ImportPreview once it is shown, or with None when the file cannot be read.
    preview_ready = Signal(object)
    # Emitted when an import ends: done, cancelled or failed.
    import_finished = Signal()

    def __init__(self, runner: TaskRunner, path: Path, parent: QWidget | None = None, actor: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.path = Path(path)
        self.actor = actor
        self.preview: ImportPreview | None = None
        self.report: ImportReport | None = None
        self._cancel: threading.Event | None = None
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

        self.setWindowTitle(self.tr("Import {name}").format(name=self.path.name))
        self.file_label = QLabel(self.tr("Reading {path}...").format(path=self.path), self)
        self.file_label.setWordWrap(True)
        self.format_label = QLabel(self)
        self.warnings_label = QLabel(self)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #8a5a00;")
        self.warnings_label.hide()

        self.mapping_table = QTableWidget(0, 3, self)
        self.mapping_table.setHorizontalHeaderLabels(
            [self.tr("Column in file"), self.tr("Import as"), self.tr("Sample values")]
        )
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Rows are one line high, so long samples end in "…". Their tooltip lists them in full.
        self.mapping_table.setWordWrap(False)
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(HEADER_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TARGET_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SAMPLE_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.historical_check = QCheckBox(self.tr("Import as history (no response clocks)"), self)
        self.historical_check.setToolTip(
            self.tr("For old leads: they get no response deadline, so they never show as overdue.")
        )
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.format_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.mapping_table, stretch=1)
        layout.addWidget(self.historical_check)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resize(860, 640)
        self._load_preview()

    # --- Preview ------------------------------------------------------------------------

    def _load_preview(self) -> None:
        path = self.path
        self.runner.run_in_background(
            lambda: preview_file(path),
            on_success=self._show_preview,
            on_failure=self._on_preview_failed,
            description=self.tr("read {name}").format(name=path.name),
        )

    def _show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.file_label.setText(self.tr("File: {path}").format(path=preview.path))
        parts = [self.tr("Encoding: {encoding}").format(encoding=preview.encoding or self.tr("workbook"))]
        if preview.delimiter:
            label = DELIMITER_NAMES.get(preview.delimiter)
            shown = self.tr(label) if label else repr(preview.delimiter)
            parts.append(self.tr("Delimiter: {delimiter}").format(delimiter=shown))
        if preview.sheet:
            parts.append(self.tr("Sheet: {sheet}").format(sheet=preview.sheet))
        parts.append(self.tr("Header row: {row}").format(row=preview.header_row))
        parts.append(self.tr("%n sample row(s)", "", len(preview.sample_rows)))
        self.format_label.setText(" · ".join(parts))
        if preview.warnings:
            self.warnings_label.setText("\n".join(preview.warnings))
            self.warnings_label.show()

        self.mapping_table.setRowCount(len(preview.headers))
        for row, header in enumerate(preview.headers):
            self.mapping_table.setItem(row, HEADER_COLUMN, QTableWidgetItem(header))
            self.mapping_table.setCellWidget(row, TARGET_COLUMN, self._target_combo(header, preview.mapping.get(header)))
            samples = [line[row] for line in preview.sample_rows if row < len(line) and line[row].strip()]
            sample_item = QTableWidgetItem(" | ".join(samples[:SAMPLE_VALUES_SHOWN]))
            sample_item.setToolTip("\n".join(samples))
            self.mapping_table.setItem(row, SAMPLE_COLUMN, sample_item)
        self.import_button.setEnabled(bool(preview.headers))
        self.preview_ready.emit(preview)

    def _target_combo(self, header: str, target: str | None) -> QComboBox:
        combo = QComboBox(self.mapping_table)
        combo.addItem(self.tr("Custom field"), CUSTOM_PREFIX + header)
        for field_name in LEAD_FIELDS:
            combo.addItem(field_label(field_name), field_name)
        index = combo.findData(target) if target else 0
        combo.setCurrentIndex(max(index, 0))
        return combo

    def _on_preview_failed(self, error: Exception) -> None:
        self.file_label.setText(self.tr("Cannot import {path}: {error}").format(path=self.path, error=error))
        self.import_button.setEnabled(False)
        self.preview_ready.emit(None)

    def target_combo(self, header: str) -> QComboBox | None:
        """Return the combo box that sets the target of a column, or None for an unknown header."""
        for row in range(self.mapping_table.rowCount()):
            if self.mapping_table.item(row, HEADER_COLUMN).text() == header:
                return self.mapping_table.cellWidget(row, TARGET_COLUMN)
        return None

    def mapping(self) -> dict[str, str]:
        """Return the mapping as the user set it: header to lead field or "custom:<header>"."""
        result = {}
        for row in range(self.mapping_table.rowCount()):
            header = self.mapping_table.item(row, HEADER_COLUMN).text()
            result[header] = self.mapping_table.cellWidget(row, TARGET_COLUMN).currentData()
        return result

    # --- Import -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def start_import(self) -> None:
        if self.preview is None or self.running:
            return
        mapping = self.mapping()
        historical = self.historical_check.isChecked()
        path = self.path
        actor = self.actor
        cancel = threading.Event()
        self._cancel = cancel
        relay = self._relay

        def work(database: Database) -> ImportReport | None:
            try:
                return run_import(
                    database,
                    path,
                    mapping=mapping,
                    historical=historical,
                    actor=actor,
                    progress=relay.progressed.emit,
                    cancel=cancel,
                )
            except ImportCancelled:
                # A cancel is the user's choice, not a failure, so it returns no report.
                logger.info("import of %s cancelled; nothing was stored", path)
                return None

        self.import_button.setEnabled(False)
        self.mapping_table.setEnabled(False)
        self.historical_check.setEnabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.status_label.setText(self.tr("Importing..."))
        self.runner.job(
            work,
            on_success=self._on_imported,
            on_failure=self._on_import_failed,
            description=self.tr("import {name}").format(name=path.name),
        )

    def cancel(self) -> None:
        """Ask a running import to stop. The import rolls back and stores nothing."""
        if self._cancel is not None:
            self._cancel.set()
            self.status_label.setText(self.tr("Cancelling..."))
            self.cancel_button.setEnabled(False)

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        if not self.running:
            return
        self.progress_bar.setValue(int(max(0.0, min(fraction, 1.0)) * 1000))
        self.status_label.setText(message)

    def _on_imported(self, report: ImportReport | None) -> None:
        self._cancel = None
        if report is None:
            self.progress_bar.hide()
            self.status_label.setText(self.tr("Import cancelled; nothing was stored."))
            self._finish(self.tr("Close"))
            return
        self.report = report
        self.progress_bar.setValue(1000)
        lines = [
            self.tr("Created {created}, updated {updated}, skipped {skipped}, rejected {rejected}.").format(
                created=report.created, updated=report.updated, skipped=report.skipped, rejected=report.rejected
            )
        ]
        for rejected in report.rejected_rows[:REJECTED_ROWS_SHOWN]:
            lines.append(self.tr("Row {row}: {reason}").format(row=rejected.row, reason=rejected.reason))
        if report.rejected > REJECTED_ROWS_SHOWN:
            lines.append(self.tr("... and {count} more rejected rows.").format(count=report.rejected - REJECTED_ROWS_SHOWN))
        lines.extend(report.warnings)
        self.status_label.setText("\n".join(lines))
        self._finish(self.tr("Close"))
        self.imported.emit(report)

    def _on_import_failed(self, error: Exception) -> None:
        self._cancel = None
        self.progress_bar.hide()
        self.status_label.setText(self.tr("Import failed: {error}").format(error=error))
        self.mapping_table.setEnabled(True)
        self.historical_check.setEnabled(True)
        self.import_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.import_finished.emit()
        show_error(self, self.tr("import {name}").format(name=self.path.name), error)

    def _finish(self, cancel_text: str) -> None:
        self.cancel_button.setText(cancel_text)
        self.cancel_button.setEnabled(True)
        self.import_finished.emit()

    # --- Closing ------------------------------------------------------------------------

    def _on_cancel_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        # Escape and the title bar's close button call reject(). While importing, they cancel instead.
        if self.running:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)


def field_label(field_name: str) -> str:
    """Return the translated label of a lead field for the mapping combo boxes."""
    label = FIELD_LABELS.get(field_name)
    return QCoreApplication.translate("ImportDialog", label) if label else field_name
