"""The import dialog: read a file with chosen options, adjust the mapping, preview the actions, import with progress."""

from __future__ import annotations

import html
import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.database import Database
from leaddesk.services.importing import (
    CUSTOM_PREFIX,
    LEAD_FIELDS,
    ImportCancelled,
    ImportPlan,
    ImportPolicy,
    ImportPreview,
    ImportReport,
    OnMatch,
    PlannedRow,
    RowAction,
    plan_import,
    preview_import,
    run_import,
)
from leaddesk.services.importing.export_format import IGNORED
from leaddesk.services.importing.mapping import LEADDESK_ID, mapping_label_groups
from leaddesk.services.importing.rejected import default_rejected_target
from leaddesk.ui.cancellable_dialog import CancellableDialog
from leaddesk.ui.post_import_status import PostImportStatus, post_import_status
from leaddesk.ui.tasks import ProgressRelay, TaskRunner, show_error

logger = logging.getLogger(__name__)

# Sample values shown per column in the mapping table.
SAMPLE_VALUES_SHOWN = 3
# Rejected rows listed in the result; the rejected-rows file contains all of them.
REJECTED_ROWS_SHOWN = 5
# Rows listed on the "Preview actions" tab; the totals above the list count every row.
PLAN_ROWS_SHOWN = 1000
# Warnings shown above that list; the label's tooltip contains all of them.
PLAN_WARNINGS_SHOWN = 3
# Text encodings the user can force; the first entry of the combo is the detected one.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
# The header row can be at most this far down, preamble rows included.
MAX_HEADER_ROW = 100

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

ON_MATCH_LABELS = {
    OnMatch.UPDATE: QT_TRANSLATE_NOOP("ImportDialog", "Update the lead"),
    OnMatch.SKIP: QT_TRANSLATE_NOOP("ImportDialog", "Skip the row"),
    OnMatch.CREATE: QT_TRANSLATE_NOOP("ImportDialog", "Always create a new lead"),
}

ACTION_LABELS = {
    RowAction.CREATE: QT_TRANSLATE_NOOP("ImportDialog", "Create"),
    RowAction.UPDATE: QT_TRANSLATE_NOOP("ImportDialog", "Update"),
    RowAction.SKIP: QT_TRANSLATE_NOOP("ImportDialog", "Skip"),
    RowAction.REJECT: QT_TRANSLATE_NOOP("ImportDialog", "Reject"),
}

DELIMITER_NAMES = {
    ",": QT_TRANSLATE_NOOP("ImportDialog", "comma"),
    ";": QT_TRANSLATE_NOOP("ImportDialog", "semicolon"),
    "\t": QT_TRANSLATE_NOOP("ImportDialog", "tab"),
    "|": QT_TRANSLATE_NOOP("ImportDialog", "vertical bar"),
}

HEADER_COLUMN, TARGET_COLUMN, SAMPLE_COLUMN = range(3)
PLAN_ROW_COLUMN, PLAN_ACTION_COLUMN, PLAN_LEAD_COLUMN, PLAN_PHONE_COLUMN, PLAN_EMAIL_COLUMN, PLAN_DETAIL_COLUMN = range(6)


class ImportDialog(CancellableDialog):
    """Preview, mapping, dry run and progress of one file's import."""

    # Emitted with the ImportReport after an import stored its leads.
    imported = Signal(object)
    # Emitted with the ImportPreview once it is shown, or with None when the file cannot be read.
    preview_ready = Signal(object)
    # Emitted with the ImportPlan of a dry run once it is shown, or with None when it was cancelled or failed.
    plan_ready = Signal(object)
    # Emitted when an import ends: done, cancelled or failed.
    import_finished = Signal()

    def __init__(self, runner: TaskRunner, path: Path, parent: QWidget | None = None, actor: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.path = Path(path)
        self.actor = actor
        self.preview: ImportPreview | None = None
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        # The progress of the work after the import, once an import stored leads.
        self.post_import: PostImportStatus | None = None
        self._cancel: threading.Event | None = None
        self._preview_generation = 0
        self._detected_encoding: str | None = None
        # The header row the user typed; None lets the reader find it.
        self._header_row_override: int | None = None
        self._relay = ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

        self.setWindowTitle(self.tr("Import {name}").format(name=self.path.name))
        self.file_label = QLabel(self.tr("Reading {path}...").format(path=self.path), self)
        self.file_label.setWordWrap(True)
        self._build_read_options()
        self.format_label = QLabel(self)
        self.saved_mapping_label = QLabel(self)
        self.saved_mapping_label.hide()
        self.warnings_label = QLabel(self)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #8a5a00;")
        self.warnings_label.hide()

        self._build_mapping_table()
        self._build_plan_tab()
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.mapping_table, self.tr("Columns"))
        self.tabs.addTab(self.plan_page, self.tr("Preview actions"))
        self._build_policy_options()

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.plan_button = QPushButton(self.tr("Preview actions"), self)
        self.plan_button.setToolTip(self.tr("Run the import without storing anything and list what each row would do."))
        self.plan_button.setEnabled(False)
        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.plan_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addLayout(self.read_options_layout)
        layout.addWidget(self.format_label)
        layout.addWidget(self.saved_mapping_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.tabs, stretch=1)
        layout.addLayout(self.policy_layout)
        layout.addWidget(self.historical_check)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.plan_button.clicked.connect(self.start_plan)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resize(900, 680)
        self._load_preview()

    # --- Building -----------------------------------------------------------------------

    def _build_read_options(self) -> None:
        self.encoding_combo = QComboBox(self)
        # The first entry's text grows to "Detected: utf-8-sig" after the first read.
        self.encoding_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.encoding_combo.addItem(self.tr("Detected"), None)
        for encoding in ENCODINGS:
            self.encoding_combo.addItem(encoding, encoding)
        self.sheet_combo = QComboBox(self)
        self.header_row_spin = QSpinBox(self)
        self.header_row_spin.setRange(1, MAX_HEADER_ROW)
        self.header_row_spin.setToolTip(self.tr("The row that holds the column names, counting from the top of the file."))

        self.encoding_label = QLabel(self.tr("&Encoding:"), self)
        self.encoding_label.setBuddy(self.encoding_combo)
        self.sheet_label = QLabel(self.tr("&Sheet:"), self)
        self.sheet_label.setBuddy(self.sheet_combo)
        header_row_label = QLabel(self.tr("&Header row:"), self)
        header_row_label.setBuddy(self.header_row_spin)
        # Shown only for a sheet with merged cells in its data, with the number of ranges.
        self.fill_merged_check = QCheckBox(self)
        self.fill_merged_check.setToolTip(
            self.tr("Copy the value of each merged range into every cell of the range, so each row gets it.")
        )
        self.fill_merged_check.hide()

        self.read_options_layout = QHBoxLayout()
        for widget in (
            self.encoding_label, self.encoding_combo, self.sheet_label, self.sheet_combo,
            header_row_label, self.header_row_spin, self.fill_merged_check,
        ):
            self.read_options_layout.addWidget(widget)
        self.read_options_layout.addStretch(1)
        self.sheet_label.hide()
        self.sheet_combo.hide()

        self.encoding_combo.currentIndexChanged.connect(self._on_encoding_chosen)
        self.sheet_combo.currentIndexChanged.connect(self._on_sheet_chosen)
        self.header_row_spin.valueChanged.connect(self._on_header_row_chosen)
        self.fill_merged_check.toggled.connect(self._on_fill_merged_toggled)

    def _build_mapping_table(self) -> None:
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

    def _build_plan_tab(self) -> None:
        self.plan_page = QWidget(self)
        self.plan_totals_label = QLabel(
            self.tr("Click Preview actions to see what the import would do with each row. Nothing is stored."),
            self.plan_page,
        )
        self.plan_totals_label.setWordWrap(True)
        self.plan_table = QTableWidget(0, 6, self.plan_page)
        self.plan_table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Action"), self.tr("Lead"), self.tr("Phone"), self.tr("E-mail"), self.tr("Details")]
        )
        self.plan_table.verticalHeader().hide()
        # One line of text per row, so that more rows fit below the totals and warnings.
        self.plan_table.verticalHeader().setDefaultSectionSize(self.plan_table.fontMetrics().height() + 8)
        self.plan_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.plan_table.setWordWrap(False)
        header = self.plan_table.horizontalHeader()
        for column in (PLAN_ROW_COLUMN, PLAN_ACTION_COLUMN, PLAN_LEAD_COLUMN, PLAN_PHONE_COLUMN, PLAN_EMAIL_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PLAN_DETAIL_COLUMN, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self.plan_page)
        layout.addWidget(self.plan_totals_label)
        layout.addWidget(self.plan_table, stretch=1)

    def _build_policy_options(self) -> None:
        self.on_match_combo = QComboBox(self)
        for action, label in ON_MATCH_LABELS.items():
            self.on_match_combo.addItem(self.tr(label), action.value)
        self.fill_blanks_check = QCheckBox(self.tr("Fill empty fields only"), self)
        self.fill_blanks_check.setToolTip(self.tr("An update keeps every value the lead has and only fills its empty fields."))
        on_match_label = QLabel(self.tr("When a lead already &exists:"), self)
        on_match_label.setBuddy(self.on_match_combo)
        self.policy_layout = QHBoxLayout()
        self.policy_layout.addWidget(on_match_label)
        self.policy_layout.addWidget(self.on_match_combo)
        self.policy_layout.addWidget(self.fill_blanks_check)
        self.policy_layout.addStretch(1)

        self.historical_check = QCheckBox(self.tr("Import as history (no response clocks)"), self)
        self.historical_check.setToolTip(
            self.tr("For old leads: they get no response deadline, so they never show as overdue.")
        )
        self.on_match_combo.currentIndexChanged.connect(self._on_policy_changed)
        self.fill_blanks_check.toggled.connect(self._on_policy_changed)
        self.historical_check.toggled.connect(self._on_policy_changed)

    # --- Preview ------------------------------------------------------------------------

    def _load_preview(self) -> None:
        """Read the head of the file with the chosen options on the read pool; older results are dropped."""
        self._preview_generation += 1
        generation = self._preview_generation
        path = self.path
        options = self.read_options()
        self.import_button.setEnabled(False)
        self.plan_button.setEnabled(False)
        self._clear_plan()
        self.runner.read_job(
            lambda database: preview_import(database, path, **options),
            on_success=lambda preview: self._show_preview(generation, preview),
            on_failure=lambda error: self._on_preview_failed(generation, error),
            description=self.tr("read {name}").format(name=path.name),
        )

    def read_options(self) -> dict[str, Any]:
        """Return the encoding, header_row and sheet the user chose, None where the reader detects them, and fill_merged."""
        return {
            "encoding": self.encoding_combo.currentData(),
            "header_row": self._header_row_override,
            "sheet": self.sheet_combo.currentData() if self.sheet_combo.count() > 1 else None,
            "fill_merged": self.fill_merged_check.isChecked(),
        }

    def _on_encoding_chosen(self, _index: int) -> None:
        self._load_preview()

    def _on_sheet_chosen(self, _index: int) -> None:
        # Another sheet has its own layout, so its header row is detected again.
        self._header_row_override = None
        self._load_preview()

    def _on_header_row_chosen(self, value: int) -> None:
        self._header_row_override = value
        self._load_preview()

    def _on_fill_merged_toggled(self, _checked: bool) -> None:
        self._load_preview()

    def _show_preview(self, generation: int, preview: ImportPreview) -> None:
        if generation != self._preview_generation:
            return
        self.preview = preview
        self.file_label.setText(self.tr("File: {path}").format(path=preview.path))
        self._show_read_options(preview)
        self._show_format(preview)

        self.mapping_table.setRowCount(len(preview.headers))
        grouped = self._label_group_fields(preview)
        for row, header in enumerate(preview.headers):
            self.mapping_table.setItem(row, HEADER_COLUMN, QTableWidgetItem(header))
            combo = self._target_combo(header, preview.mapping.get(header))
            if header in grouped:
                self._mark_label_group(combo, grouped[header])
            self.mapping_table.setCellWidget(row, TARGET_COLUMN, combo)
            samples = [line[row] for line in preview.sample_rows if row < len(line) and line[row].strip()]
            sample_item = QTableWidgetItem(" | ".join(samples[:SAMPLE_VALUES_SHOWN]))
            sample_item.setToolTip("\n".join(samples))
            self.mapping_table.setItem(row, SAMPLE_COLUMN, sample_item)
        self.import_button.setEnabled(bool(preview.headers) and not self.running)
        self.plan_button.setEnabled(bool(preview.headers) and not self.running)
        self.preview_ready.emit(preview)

    def _show_read_options(self, preview: ImportPreview) -> None:
        """Set the option controls to what the reader used, without reading the file again."""
        controls = (self.encoding_combo, self.sheet_combo, self.header_row_spin, self.fill_merged_check)
        for widget in controls:
            widget.blockSignals(True)
        try:
            self._set_read_options(preview)
        finally:
            for widget in controls:
                widget.blockSignals(False)

    def _set_read_options(self, preview: ImportPreview) -> None:
        if self.encoding_combo.currentData() is None and preview.encoding:
            self._detected_encoding = preview.encoding
        if self._detected_encoding:
            self.encoding_combo.setItemText(0, self.tr("Detected: {encoding}").format(encoding=self._detected_encoding))
        # A workbook stores text, not bytes, so it has no encoding to choose.
        self.encoding_combo.setEnabled(preview.encoding is not None)

        if [self.sheet_combo.itemData(index) for index in range(self.sheet_combo.count())] != preview.sheet_names:
            self.sheet_combo.clear()
            for name in preview.sheet_names:
                self.sheet_combo.addItem(name, name)
        if preview.sheet is not None:
            self.sheet_combo.setCurrentIndex(max(self.sheet_combo.findData(preview.sheet), 0))
        several_sheets = len(preview.sheet_names) > 1
        self.sheet_label.setVisible(several_sheets)
        self.sheet_combo.setVisible(several_sheets)

        self.header_row_spin.setValue(preview.header_row)

        self.fill_merged_check.setText(
            self.tr("Fill merged cells (%n range(s))", "", preview.merged_ranges)
        )
        self.fill_merged_check.setVisible(preview.merged_ranges > 0)

    def _show_format(self, preview: ImportPreview) -> None:
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

        warnings = list(preview.warnings)
        if preview.saved_mapping_at is not None:
            self.saved_mapping_label.setText(
                self.tr("Using the mapping saved on {date} for files with these columns.").format(
                    date=f"{preview.saved_mapping_at:%Y-%m-%d}"
                )
            )
            self.saved_mapping_label.show()
            # The label above replaces the service's own note about the saved mapping.
            warnings = [line for line in warnings if not line.startswith("using the mapping saved on")]
        else:
            self.saved_mapping_label.hide()
        self.warnings_label.setText("\n".join(warnings))
        self.warnings_label.setVisible(bool(warnings))

    def _target_combo(self, header: str, target: str | None) -> QComboBox:
        combo = QComboBox(self.mapping_table)
        combo.addItem(self.tr("Custom field"), CUSTOM_PREFIX + header)
        combo.addItem(self.tr("Leave out"), IGNORED)
        for field_name in LEAD_FIELDS:
            combo.addItem(field_label(field_name), field_name)
        combo.addItem(self.tr("LeadDesk id (matches leads, not stored)"), LEADDESK_ID)
        index = combo.findData(target) if target else 0
        combo.setCurrentIndex(max(index, 0))
        # A dry run of another mapping would differ, so an old one is cleared.
        combo.currentIndexChanged.connect(self._on_policy_changed)
        return combo

    @staticmethod
    def _label_group_fields(preview: ImportPreview) -> dict[str, str]:
        """Return the field of each value column whose row labels choose the field's value, by header."""
        fields = {}
        for group in mapping_label_groups(preview.headers, preview.mapping):
            for pair in group.pairs:
                fields[preview.headers[pair.value_index]] = group.field
        return fields

    def _mark_label_group(self, combo: QComboBox, field_name: str) -> None:
        """Show a value column of a label group as part of its field, with the target it already has.

        The added first item keeps the combo's current target, so mapping() returns the same
        mapping: the field for the mapped column and its custom field for the others.
        """
        target = combo.currentData()
        combo.blockSignals(True)
        combo.insertItem(
            0, self.tr("{field}, chosen by the row's label").format(field=field_label(field_name)), target
        )
        combo.setCurrentIndex(0)
        combo.blockSignals(False)
        combo.setToolTip(
            self.tr(
                "Each row takes its {field} from this column or another value column of the group, by the labels "
                "in the matching \"- Label\" columns. The value is also kept as a custom field."
            ).format(field=field_label(field_name).lower())
        )

    def _on_preview_failed(self, generation: int, error: Exception) -> None:
        if generation != self._preview_generation:
            return
        self.preview = None
        self.file_label.setText(self.tr("Cannot import {path}: {error}").format(path=self.path, error=error))
        self.mapping_table.setRowCount(0)
        self.import_button.setEnabled(False)
        self.plan_button.setEnabled(False)
        self.preview_ready.emit(None)

    def target_combo(self, header: str) -> QComboBox | None:
        """Return the combo box that sets the target of a column, or None for an unknown header."""
        for row in range(self.mapping_table.rowCount()):
            if self.mapping_table.item(row, HEADER_COLUMN).text() == header:
                return self.mapping_table.cellWidget(row, TARGET_COLUMN)
        return None

    def mapping(self) -> dict[str, str]:
        """Return the mapping as the user set it: header to lead field, "custom:<header>" or "ignored"."""
        result = {}
        for row in range(self.mapping_table.rowCount()):
            header = self.mapping_table.item(row, HEADER_COLUMN).text()
            result[header] = self.mapping_table.cellWidget(row, TARGET_COLUMN).currentData()
        return result

    def policy(self) -> ImportPolicy:
        """Return the import policy the user chose; fill-blanks-only applies to updates only."""
        on_match = OnMatch(self.on_match_combo.currentData())
        fill_blanks = on_match is OnMatch.UPDATE and self.fill_blanks_check.isChecked()
        return ImportPolicy.build(on_match, fill_blanks_only=fill_blanks)

    def _on_policy_changed(self, *_args: object) -> None:
        self.fill_blanks_check.setEnabled(self.on_match_combo.currentData() == OnMatch.UPDATE.value)
        if not self.running:
            self._clear_plan()

    def _import_arguments(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping(),
            "policy": self.policy(),
            "historical": self.historical_check.isChecked(),
            "actor": self.actor,
            **self.read_options(),
        }

    # --- Dry run ------------------------------------------------------------------------

    def start_plan(self) -> None:
        """Run the import as a dry run on the write lane and list each row's action; nothing is stored."""
        if self.preview is None or self.running:
            return
        arguments = self._import_arguments()
        path = self.path
        relay = self._relay
        cancel = self._start_running(self.tr("Working out the actions..."))

        def work(database: Database) -> ImportPlan | None:
            try:
                return plan_import(database, path, progress=relay.progressed.emit, cancel=cancel, **arguments)
            except ImportCancelled:
                logger.info("dry run of %s cancelled", path)
                return None

        self.runner.job(
            work,
            on_success=self._on_planned,
            on_failure=self._on_plan_failed,
            description=self.tr("preview the import of {name}").format(name=path.name),
        )

    def _on_planned(self, plan: ImportPlan | None) -> None:
        self._stop_running()
        self.progress_bar.hide()
        if plan is None:
            self.status_label.setText(self.tr("Preview cancelled."))
            self.plan_ready.emit(None)
            return
        self.plan = plan
        totals = plan.totals()
        text = self.tr("The import would create {create}, update {update}, skip {skip} and reject {reject} rows.").format(
            **totals
        )
        if len(plan.rows) > PLAN_ROWS_SHOWN:
            text += " " + self.tr("The list shows the first {shown} of {total} rows.").format(
                shown=PLAN_ROWS_SHOWN, total=len(plan.rows)
            )
        # The plan's warnings hold for the mapping as the user set it, unlike the preview's. Those
        # that the preview's warnings above the tabs already show are left out here.
        shown_above = set() if self.warnings_label.isHidden() else set(self.warnings_label.text().splitlines())
        new_warnings = [line for line in plan.report.warnings if line not in shown_above]
        self._show_plan_warnings(text, new_warnings)
        shown = plan.rows[:PLAN_ROWS_SHOWN]
        self.plan_table.setRowCount(len(shown))
        for index, planned in enumerate(shown):
            self.plan_table.setItem(index, PLAN_ROW_COLUMN, QTableWidgetItem(str(planned.row)))
            self.plan_table.setItem(index, PLAN_ACTION_COLUMN, QTableWidgetItem(self.tr(ACTION_LABELS[planned.action])))
            self.plan_table.setItem(index, PLAN_LEAD_COLUMN, QTableWidgetItem(planned.lead_label))
            self.plan_table.setItem(index, PLAN_PHONE_COLUMN, QTableWidgetItem(planned.phone))
            self.plan_table.setItem(index, PLAN_EMAIL_COLUMN, QTableWidgetItem(planned.email))
            detail = QTableWidgetItem(self._plan_detail(planned))
            detail.setToolTip(detail.text())
            self.plan_table.setItem(index, PLAN_DETAIL_COLUMN, detail)
        self.status_label.setText(self.tr("Nothing was stored. Click Import to store these changes."))
        self.tabs.setCurrentWidget(self.plan_page)
        self.plan_ready.emit(plan)

    def _show_plan_warnings(self, totals: str, warnings: list[str]) -> None:
        """Show the totals and the first PLAN_WARNINGS_SHOWN warnings, so that the row list keeps its room.

        The label's tooltip lists every warning.
        """
        lines = [totals, *warnings[:PLAN_WARNINGS_SHOWN]]
        hidden = len(warnings) - PLAN_WARNINGS_SHOWN
        if hidden > 0:
            lines.append(self.tr("%n more warning(s): point at this text to read them all.", "", hidden))
        self.plan_totals_label.setText("\n".join(lines))
        # Paragraphs make the tooltip wrap long warnings.
        self.plan_totals_label.setToolTip("".join(f"<p>{html.escape(line)}</p>" for line in warnings))

    def _plan_detail(self, planned: PlannedRow) -> str:
        parts = []
        if planned.action is RowAction.REJECT:
            parts.append(planned.reason if not planned.column else
                         self.tr("{column}: {reason}").format(column=planned.column, reason=planned.reason))
            return "; ".join(parts)
        if planned.matched_by:
            parts.append(self.tr("matched by {key}").format(key=planned.matched_by.replace("_", " ")))
        if planned.fields:
            parts.append(self.tr("changes {fields}").format(fields=", ".join(planned.fields)))
        if planned.duplicate_of is not None:
            parts.append(self.tr("same lead as row {row}").format(row=planned.duplicate_of))
        if planned.reason:
            parts.append(planned.reason)
        return "; ".join(parts)

    def _on_plan_failed(self, error: Exception) -> None:
        self._stop_running()
        self.progress_bar.hide()
        self.status_label.setText(self.tr("Preview failed: {error}").format(error=error))
        self.plan_ready.emit(None)
        show_error(self, self.tr("preview the import of {name}").format(name=self.path.name), error)

    def _clear_plan(self) -> None:
        if self.plan is None and self.plan_table.rowCount() == 0:
            return
        self.plan = None
        self.plan_table.setRowCount(0)
        self.plan_totals_label.setToolTip("")
        self.plan_totals_label.setText(self.tr("The options changed. Click Preview actions to work out the actions again."))

    # --- Import -------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.preview is None or self.running:
            return
        arguments = self._import_arguments()
        path = self.path
        relay = self._relay
        cancel = self._start_running(self.tr("Importing..."))
        # The same file as the CLI's: SOURCE.rejected.csv, or the data folder when the source's folder is read-only.
        rejected_target = default_rejected_target(path)

        def work(database: Database) -> ImportReport | None:
            try:
                return run_import(
                    database, path, progress=relay.progressed.emit, cancel=cancel, rejected_target=rejected_target,
                    **arguments,
                )
            except ImportCancelled:
                # A cancel is the user's choice, not a failure, so it returns no report.
                logger.info("import of %s cancelled; nothing was stored", path)
                return None

        self.runner.job(
            work,
            on_success=self._on_imported,
            on_failure=self._on_import_failed,
            description=self.tr("import {name}").format(name=path.name),
        )

    def _start_running(self, message: str) -> threading.Event:
        cancel = threading.Event()
        self._cancel = cancel
        self._set_inputs_enabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.status_label.setText(message)
        return cancel

    def _stop_running(self) -> None:
        self._cancel = None
        self._set_inputs_enabled(True)
        self.cancel_button.setEnabled(True)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        has_columns = self.preview is not None and bool(self.preview.headers)
        for widget in (
            self.mapping_table, self.historical_check, self.on_match_combo,
            self.sheet_combo, self.header_row_spin, self.fill_merged_check,
        ):
            widget.setEnabled(enabled)
        self.encoding_combo.setEnabled(enabled and self.preview is not None and self.preview.encoding is not None)
        self.fill_blanks_check.setEnabled(enabled and self.on_match_combo.currentData() == OnMatch.UPDATE.value)
        self.import_button.setEnabled(enabled and has_columns)
        self.plan_button.setEnabled(enabled and has_columns)

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
        if report.rejected_file:
            lines.append(
                self.tr(
                    "Rejected rows with their original columns, row and reason: {path}. "
                    "Correct them there and import that file again."
                ).format(path=report.rejected_file)
            )
        lines.extend(report.warnings)
        if report.batch_id:
            lines.append(self.tr("Enrichment, routing and scoring of the imported leads run in the background."))
        self.status_label.setText("\n".join(lines))
        self._finish(self.tr("Close"))
        if report.batch_id:
            self.post_import = self._post_import_status()
            self.post_import.start()
        from leaddesk.ui.dedup_import_notice import show_import_duplicates

        # Scans the imported leads and adds "N possible duplicates found - Review" under the summary.
        self.duplicates_label = show_import_duplicates(self, report)
        self.imported.emit(report)

    def _post_import_status(self) -> PostImportStatus:
        """Return the status bar widget of the main window, or without one, a widget under the summary."""
        window = self.parentWidget()
        if isinstance(window, QMainWindow):
            return post_import_status(window, self.runner)
        status = PostImportStatus(self.runner, self)
        self.layout().insertWidget(self.layout().indexOf(self.status_label) + 1, status)
        return status

    def _on_import_failed(self, error: Exception) -> None:
        self._stop_running()
        self.progress_bar.hide()
        self.status_label.setText(self.tr("Import failed: {error}").format(error=error))
        self.import_finished.emit()
        show_error(self, self.tr("import {name}").format(name=self.path.name), error)

    def _finish(self, cancel_text: str) -> None:
        self.cancel_button.setText(cancel_text)
        self.cancel_button.setEnabled(True)
        self.import_finished.emit()


def field_label(field_name: str) -> str:
    """Return the translated label of a lead field for the mapping combo boxes."""
    label = FIELD_LABELS.get(field_name)
    return QCoreApplication.translate("ImportDialog", label) if label else field_name
