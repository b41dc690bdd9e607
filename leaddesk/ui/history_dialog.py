"""History dialogs: every import batch with undo of one batch, and one lead's field changes with who made them."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.importing.history import ImportSummary, list_imports
from leaddesk.services.lead_history import HistoryEntry, lead_change_history
from leaddesk.services.importing.undo import UndoReport, undo_import
from leaddesk.ui.confirm_box import open_confirm_box
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.history_table import history_table
from leaddesk.ui.tasks import TaskRunner

DATE_COLUMN, FILE_COLUMN, CREATED_COLUMN, UPDATED_COLUMN, SKIPPED_COLUMN, REJECTED_COLUMN, UNDO_COLUMN = range(7)


class ImportHistoryDialog(QDialog):
    """A list of import batches, newest first, with an Undo button per batch."""

    # Emitted after the batch list was read and shown.
    loaded = Signal()
    # Emitted with the UndoReport after an import was undone.
    undone = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, actor: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.summaries: list[ImportSummary] = []
        self.confirm_box: QMessageBox | None = None
        self._undoing = False

        self.setWindowTitle(self.tr("Import history"))
        self.table = history_table(
            self,
            [self.tr("Date"), self.tr("File"), self.tr("Created"), self.tr("Updated"),
             self.tr("Skipped"), self.tr("Rejected"), ""],
            stretch_column=FILE_COLUMN,
        )

        self.status_label = QLabel(self.tr("Reading the import history..."), self)
        self.status_label.setWordWrap(True)
        self.result_text = QPlainTextEdit(self)
        self.result_text.setReadOnly(True)
        self.result_text.setPlaceholderText(self.tr("What an undo deleted, restored and kept shows here."))
        self.result_text.setMaximumHeight(160)

        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_text)
        layout.addLayout(buttons)
        self.resize(900, 520)
        self.load()

    def load(self) -> None:
        """Read the finished import batches on the read pool and list them."""
        self.runner.read_job(
            list_imports,
            on_success=self._show_batches,
            description=self.tr("read the import history"),
        )

    def _show_batches(self, summaries: list[ImportSummary]) -> None:
        self.summaries = summaries
        self.table.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            started = summary.started_at.astimezone()
            self.table.setItem(row, DATE_COLUMN, QTableWidgetItem(f"{started:%Y-%m-%d %H:%M}"))
            file_item = QTableWidgetItem(_file_name(summary.file_name))
            file_item.setToolTip(summary.file_name)
            self.table.setItem(row, FILE_COLUMN, file_item)
            counts = (summary.created, summary.updated, summary.skipped, summary.rejected)
            for column, count in zip((CREATED_COLUMN, UPDATED_COLUMN, SKIPPED_COLUMN, REJECTED_COLUMN), counts):
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            self.table.setCellWidget(row, UNDO_COLUMN, self._undo_cell(summary))
        if summaries:
            self.status_label.setText(self.tr("%n import(s).", "", len(summaries)))
        else:
            self.status_label.setText(self.tr("No imports yet."))
        self.loaded.emit()

    def _undo_cell(self, summary: ImportSummary) -> QWidget:
        if summary.undone_at is not None:
            undone = summary.undone_at.astimezone()
            label = QLabel(self.tr("Undone {date}").format(date=f"{undone:%Y-%m-%d %H:%M}"), self.table)
            label.setContentsMargins(6, 0, 6, 0)
            return label
        button = QPushButton(self.tr("Undo..."), self.table)
        button.setEnabled(not self._undoing)
        button.clicked.connect(lambda: self.ask_undo(summary.id))
        return button

    def undo_button(self, row: int) -> QPushButton | None:
        """Return the Undo button of a listed batch, or None when the batch was undone already."""
        widget = self.table.cellWidget(row, UNDO_COLUMN)
        return widget if isinstance(widget, QPushButton) else None

    def ask_undo(self, batch_id: uuid.UUID) -> None:
        """Ask for confirmation, then undo the batch."""
        summary = next((item for item in self.summaries if item.id == batch_id), None)
        if summary is None or self._undoing:
            return
        open_confirm_box(
            self,
            self.tr("Undo import"),
            self.tr("Undo the import of {name}? It deletes the {created} leads it created and restores the fields of the {updated} leads it updated.").format(
                name=_file_name(summary.file_name), created=summary.created, updated=summary.updated
            ),
            self.tr("Leads and fields that someone changed after the import are kept."),
            lambda: self.undo(batch_id),
        )

    def undo(self, batch_id: uuid.UUID) -> None:
        """Undo the batch on the write lane, then show what was kept and read the list again."""
        if self._undoing:
            return
        self._undoing = True
        self._set_undo_buttons_enabled(False)
        self.status_label.setText(self.tr("Undoing the import..."))
        actor = self.actor
        self.runner.job(
            lambda database: undo_import(database, batch_id, actor=actor),
            on_success=self._on_undone,
            on_failure=self._on_undo_failed,
            description=self.tr("undo the import"),
        )

    def _on_undone(self, report: UndoReport) -> None:
        self._undoing = False
        lines = [
            self.tr("Undid {batch}: deleted {deleted} leads, restored {fields} fields of {leads} leads.").format(
                batch=report.batch, deleted=report.deleted, fields=report.restored_fields, leads=report.restored_leads
            )
        ]
        if report.deleted_reps:
            lines.append(
                self.tr("Deleted %n rep(s) that the import created: ", "", len(report.deleted_reps))
                + ", ".join(report.deleted_reps)
            )
        if report.kept_leads:
            lines.append(self.tr("Kept %n lead(s) that changed after the import:", "", len(report.kept_leads)))
            lines.extend(f"  {kept.label}: {kept.reason}" for kept in report.kept_leads)
        if report.kept_fields:
            lines.append(self.tr("Kept %n field(s) that changed after the import:", "", len(report.kept_fields)))
            for kept in report.kept_fields:
                lines.append(
                    self.tr("  {lead}, {field}: kept {current!r}; the import set {imported!r}, before it {before!r}").format(
                        lead=kept.label, field=kept.field, current=kept.current, imported=kept.imported, before=kept.before
                    )
                )
        self.result_text.setPlainText("\n".join(lines))
        self.undone.emit(report)
        self.load()

    def _on_undo_failed(self, error: Exception) -> None:
        self._undoing = False
        self._set_undo_buttons_enabled(True)
        self.status_label.setText(self.tr("Undo failed: {error}").format(error=error))
        self.load()

    def _set_undo_buttons_enabled(self, enabled: bool) -> None:
        for row in range(self.table.rowCount()):
            button = self.undo_button(row)
            if button is not None:
                button.setEnabled(enabled)

    def reject(self) -> None:
        # Closing while an undo runs would drop its report, so the dialog stays until it ends.
        if self._undoing:
            return
        super().reject()


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


class LeadHistoryDialog(QDialog):
    """One lead's field changes, newest first: when, who, from which device, the field, the old and the new value."""

    # Emitted after the history was read and shown.
    loaded = Signal()

    WHEN_COLUMN, WHO_COLUMN, DEVICE_COLUMN, FIELD_COLUMN, OLD_COLUMN, NEW_COLUMN = range(6)

    def __init__(self, runner: TaskRunner, lead_id: uuid.UUID, lead_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.lead_id = lead_id
        self.entries: list[HistoryEntry] = []
        self.setWindowTitle(self.tr("History of {name}").format(name=lead_name))
        self.table = history_table(
            self,
            [self.tr("When"), self.tr("Who"), self.tr("Device"), self.tr("Field"), self.tr("Old value"), self.tr("New value")],
            stretch_column=self.NEW_COLUMN,
        )
        self.status_label = QLabel(self.tr("Reading the lead's history..."), self)
        self.status_label.setWordWrap(True)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.resize(920, 460)
        self.load()

    def load(self) -> None:
        lead_id = self.lead_id
        self.runner.read(
            lambda session: lead_change_history(session, lead_id),
            on_success=while_alive(self, self._show),
            description=self.tr("read the lead's history"),
        )

    def _show(self, entries: list[HistoryEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            values = (
                f"{entry.changed_at.astimezone():%Y-%m-%d %H:%M}",
                entry.person,
                entry.device or "",
                entry.field.replace("_", " "),
                _shown(entry.old_value),
                _shown(entry.value),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if not entry.current:
                    item.setForeground(Qt.GlobalColor.gray)
                    item.setToolTip(self.tr("Replaced by a later change"))
                self.table.setItem(row, column, item)
        if entries:
            self.status_label.setText(self.tr("%n change(s). Grey rows were replaced by a later change.", "", len(entries)))
        else:
            self.status_label.setText(self.tr("No field changes recorded for this lead yet."))
        self.loaded.emit()


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    return str(value)
