"""The merge history dialog: every recorded merge, newest first, with undo of one merge."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.dedup.history import MergeSummary, list_merges
from leaddesk.services.dedup.undo import MergeUndoReport
from leaddesk.ui.merge_dialog import undo_merge_by_id
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.history_table import history_table
from leaddesk.ui.tasks import TaskRunner, show_error

DATE_COLUMN, KEPT_COLUMN, MERGED_COLUMN, BY_COLUMN, STATE_COLUMN = range(5)


class MergeHistoryDialog(QDialog):
    """A table of merges with an "Undo merge" button for the selected one."""

    # Emitted after the merge list was read and shown.
    loaded = Signal()
    # Emitted with the MergeUndoReport after a merge was undone.
    undone = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, actor: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.summaries: list[MergeSummary] = []
        self._undoing = False
        # Shown in place of the default status once the list is read again after an undo.
        self._status_after_load: str | None = None

        self.setWindowTitle(self.tr("Merge history"))
        self.table = history_table(
            self,
            [self.tr("Date (UTC)"), self.tr("Kept"), self.tr("Merged into it"), self.tr("By"), self.tr("State")],
            stretch_column=MERGED_COLUMN,
            single_selection=True,
        )
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.status_label = QLabel(self.tr("Reading the merge history..."), self)
        self.status_label.setWordWrap(True)
        self.undo_button = QPushButton(self.tr("Undo merge"), self)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        close_button = QPushButton(self.tr("Close"), self)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, stretch=1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addLayout(buttons)
        self.resize(900, 480)
        self.load()

    def load(self) -> None:
        self.runner.read(list_merges, on_success=while_alive(self, self._show), description=self.tr("read the merge history"))

    def _show(self, summaries: list[MergeSummary]) -> None:
        self.summaries = summaries
        self.table.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            state = self.tr("undone {when}").format(when=f"{summary.undone_at:%Y-%m-%d %H:%M}") if summary.undone else self.tr("merged")
            cells = (
                f"{summary.created_at:%Y-%m-%d %H:%M}",
                summary.survivor_name,
                ", ".join(summary.merged_names),
                summary.created_by or "",
                state,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(summary.operation_id))
                self.table.setItem(row, column, item)
        if summaries:
            self.status_label.setText(self.tr("Select a merge to undo it."))
            self.table.selectRow(0)
        else:
            self.status_label.setText(self.tr("No merges recorded yet."))
        if self._status_after_load:
            self.status_label.setText(self._status_after_load)
            self._status_after_load = None
        self._update_buttons()
        self.loaded.emit()

    def selected_summary(self) -> MergeSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.summaries[rows[0].row()] if rows else None

    def select_operation(self, operation_id: uuid.UUID) -> None:
        for row, summary in enumerate(self.summaries):
            if summary.operation_id == operation_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        summary = self.selected_summary()
        self.undo_button.setEnabled(not self._undoing and summary is not None and not summary.undone)

    def undo_selected(self) -> None:
        summary = self.selected_summary()
        if summary is None or summary.undone or self._undoing:
            return
        self._undoing = True
        self._update_buttons()
        self.status_label.setText(self.tr("Undoing the merge into {name}...").format(name=summary.survivor_name))
        operation_id, actor = summary.operation_id, self.actor
        self.runner.write(
            lambda session: undo_merge_by_id(session, operation_id, actor),
            on_success=while_alive(self, self._on_undone),
            on_failure=while_alive(self, self._on_undo_failed),
            description=self.tr("undo the merge"),
        )

    def _on_undone(self, report: MergeUndoReport) -> None:
        self._undoing = False
        text = self.tr("Merge undone: %n lead(s) restored.", "", len(report.restored_leads))
        if report.conflicts:
            text += " " + self.tr("Kept later edits of {fields}.").format(fields=", ".join(c.field for c in report.conflicts))
        self._status_after_load = text
        self.status_label.setText(text)
        self.undone.emit(report)
        self.load()

    def _on_undo_failed(self, error: Exception) -> None:
        self._undoing = False
        self.status_label.setText(str(error))
        self._update_buttons()
        show_error(self, self.tr("undo the merge"), error)
