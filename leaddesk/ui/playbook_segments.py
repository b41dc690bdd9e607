"""The playbook form of segments: match rules, response SLAs and each segment's escalation ladder."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget
from PySide6.QtCore import Qt

from leaddesk.services.playbook import EscalationAction
from leaddesk.services.playbook.condition_rows import ConditionRow, read_condition, write_condition
from leaddesk.services.playbook.toml_writer import ORIGIN_KEY
from leaddesk.ui.playbook_widgets import (
    ConditionEditor,
    button_row,
    cell_text,
    combo,
    make_table,
    put,
    show_list,
    spin,
    spin_value,
    split_list,
    swap_table_rows,
    text_item,
)

CLOCKS = ("business_hours", "around_the_clock")
ACTIONS = tuple(action.value for action in EscalationAction)
KEY_COLUMN, LABEL_COLUMN, RESPOND_COLUMN, CLOCK_COLUMN, MIN_COLUMN, MAX_COLUMN, SOURCE_COLUMN = range(7)
AT_COLUMN, ACTION_COLUMN = range(2)


@dataclass
class _Step:
    base: dict[str, Any]
    origin: int | None
    at: str
    action: str


@dataclass
class _Segment:
    """A segment row's parts that the table does not show: its condition and ladder."""

    base: dict[str, Any]
    origin: int | None
    mode: str = "all"
    rows: list[ConditionRow] = field(default_factory=list)
    steps: list[_Step] = field(default_factory=list)


class SegmentsForm(QWidget):
    """Edit [[segments]]: the table lists the segments in match order, the boxes below the selected one's details."""

    # Emitted with a message for the dialog's status line, such as why a segment cannot be removed.
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._segments: list[_Segment] = []
        self._shown = -1

        self.table = make_table(
            self,
            [self.tr("Key"), self.tr("Label"), self.tr("Respond within"), self.tr("Clock"),
             self.tr("Min employees"), self.tr("Max employees"), self.tr("Source contains")],
            SOURCE_COLUMN,
        )
        self.table.currentCellChanged.connect(lambda row, _column, _old_row, _old_column: self._select(row))
        segment_buttons, _made = button_row(
            self,
            (self.tr("Add segment"), self.add_segment),
            (self.tr("Remove segment"), self.remove_segment),
            (self.tr("Move up"), lambda: self.move_segment(-1)),
            (self.tr("Move down"), lambda: self.move_segment(1)),
        )
        intro = QLabel(
            self.tr("Segments in match order: the first whose rules all hold wins, and the last is the fallback. "
                    "Respond within takes a duration such as 15m or 1h30m, or same business day, or next business day. "
                    "Max employees is exclusive."),
            self,
        )
        intro.setWordWrap(True)

        self.ladder = make_table(self, [self.tr("At"), self.tr("Action")], ACTION_COLUMN)
        ladder_buttons, _made = button_row(self, (self.tr("Add step"), self.add_step), (self.tr("Remove step"), self.remove_step))
        ladder_hint = QLabel(self.tr('"At" is a share of the SLA such as 80% (100% is the breach), or a time after arrival such as 1h.'), self)
        ladder_hint.setWordWrap(True)
        self.ladder.horizontalHeader().setMinimumSectionSize(90)
        ladder_box = QGroupBox(self.tr("Escalation ladder of the selected segment"), self)
        self.ladder_box = ladder_box
        ladder_layout = QVBoxLayout(ladder_box)
        ladder_layout.addWidget(self.ladder, stretch=1)
        ladder_layout.addLayout(ladder_buttons)
        ladder_layout.addWidget(ladder_hint)

        self.condition = ConditionEditor(self.tr("The lead also matches when"), self)
        condition_box = QGroupBox(self.tr("Extra condition of the selected segment (optional)"), self)
        self.condition_box = condition_box
        QVBoxLayout(condition_box).addWidget(self.condition)

        details = QHBoxLayout()
        details.addWidget(ladder_box, stretch=2)
        details.addWidget(condition_box, stretch=3)
        details_widget = QWidget(self)
        details_widget.setLayout(details)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(intro)
        top_layout.addWidget(self.table, stretch=1)
        top_layout.addLayout(segment_buttons)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(details_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # Reading and writing the document.

    def load(self, document: dict[str, Any]) -> None:
        raw = document.get("segments", [])
        items = raw if isinstance(raw, list) else []
        self._segments = []
        self._shown = -1
        self.table.setRowCount(0)
        for origin, item in enumerate(items):
            if isinstance(item, dict):
                self._append(item, origin)
        if self._segments:
            self.table.setCurrentCell(0, LABEL_COLUMN)
            self._select(0)

    def store(self, document: dict[str, Any]) -> None:
        """Write the segments into document; raise ConditionFormError for a condition the form cannot read."""
        self._keep_details()
        items = []
        for row, segment in enumerate(self._segments):
            item = copy.deepcopy(segment.base)
            put(item, "key", cell_text(self.table, row, KEY_COLUMN))
            put(item, "label", cell_text(self.table, row, LABEL_COLUMN))
            put(item, "respond_within", cell_text(self.table, row, RESPOND_COLUMN))
            clock = self.table.cellWidget(row, CLOCK_COLUMN).currentText()
            # A file that leaves clock out means business hours, so that default is not written.
            if "clock" in segment.base or clock != CLOCKS[0]:
                put(item, "clock", clock)
            put(item, "min_employees", spin_value(self.table.cellWidget(row, MIN_COLUMN)))
            put(item, "max_employees", spin_value(self.table.cellWidget(row, MAX_COLUMN)))
            sources = cell_text(self.table, row, SOURCE_COLUMN)
            if sources != show_list(segment.base.get("source_contains")):
                put(item, "source_contains", split_list(sources))
            where = f"segment {item.get('key') or row + 1}"
            put(item, "when", write_condition(segment.mode, segment.rows, f"{where}, extra condition"))
            put(item, "escalation", [self._step_item(step) for step in segment.steps])
            if segment.origin is not None:
                item[ORIGIN_KEY] = segment.origin
            items.append(item)
        document["segments"] = items

    @staticmethod
    def _step_item(step: _Step) -> dict[str, Any]:
        item = copy.deepcopy(step.base)
        item["at"] = step.at
        item["action"] = step.action
        if step.origin is not None:
            item[ORIGIN_KEY] = step.origin
        return item

    # Rows.

    def _append(self, item: dict[str, Any], origin: int | None, row: int | None = None) -> None:
        row = self.table.rowCount() if row is None else row
        mode, rows = read_condition(item.get("when"))
        steps = [
            _Step(step, index, str(step.get("at", "")), str(step.get("action", "")))
            for index, step in enumerate(item.get("escalation", []) if isinstance(item.get("escalation"), list) else [])
            if isinstance(step, dict)
        ]
        self._segments.insert(row, _Segment(copy.deepcopy(item), origin, mode, rows, steps))
        self.table.insertRow(row)
        self.table.setItem(row, KEY_COLUMN, text_item(str(item.get("key", ""))))
        self.table.setItem(row, LABEL_COLUMN, text_item(str(item.get("label", ""))))
        self.table.setItem(row, RESPOND_COLUMN, text_item(str(item.get("respond_within", ""))))
        self.table.setCellWidget(row, CLOCK_COLUMN, combo(self.table, CLOCKS, str(item.get("clock", "business_hours"))))
        self.table.setCellWidget(row, MIN_COLUMN, spin(self.table, _int_or_none(item.get("min_employees")), none_text=self.tr("none")))
        self.table.setCellWidget(row, MAX_COLUMN, spin(self.table, _int_or_none(item.get("max_employees")), none_text=self.tr("none")))
        self.table.setItem(row, SOURCE_COLUMN, text_item(show_list(item.get("source_contains"))))

    def add_segment(self) -> None:
        """Add a segment just above the fallback, which must stay last."""
        self._keep_details()
        row = max(self.table.rowCount() - 1, 0)
        number = self.table.rowCount() + 1
        item = {"key": f"segment_{number}", "label": self.tr("New segment"), "respond_within": "1h", "clock": "business_hours"}
        self._append(item, None, row)
        self._shown = -1
        self.table.setCurrentCell(row, LABEL_COLUMN)
        self._select(row)

    def remove_segment(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.message.emit(self.tr("Select a segment to remove."))
            return
        if self.table.rowCount() == 1:
            self.message.emit(self.tr("A playbook needs at least one segment, so the last one cannot be removed."))
            return
        self._shown = -1
        del self._segments[row]
        self.table.removeRow(row)
        self._select(self.table.currentRow())

    def move_segment(self, offset: int) -> None:
        """Swap the selected segment with the one offset rows away, because the first match wins."""
        self._keep_details()
        row = self.table.currentRow()
        target = swap_table_rows(self.table, self._segments, row, offset, self._row_values, self._set_row_values)
        if target is None:
            return
        # _keep_details ran above, and saving the editors again would put them into the swapped segment.
        self._shown = -1
        self.table.setCurrentCell(target, LABEL_COLUMN)
        self._select(target)

    def _row_values(self, row: int) -> tuple[str, str, str, str, int, int, str]:
        return (
            cell_text(self.table, row, KEY_COLUMN),
            cell_text(self.table, row, LABEL_COLUMN),
            cell_text(self.table, row, RESPOND_COLUMN),
            self.table.cellWidget(row, CLOCK_COLUMN).currentText(),
            self.table.cellWidget(row, MIN_COLUMN).value(),
            self.table.cellWidget(row, MAX_COLUMN).value(),
            cell_text(self.table, row, SOURCE_COLUMN),
        )

    def _set_row_values(self, row: int, values: tuple[str, str, str, str, int, int, str]) -> None:
        key, label, respond, clock, minimum, maximum, sources = values
        self.table.setItem(row, KEY_COLUMN, text_item(key))
        self.table.setItem(row, LABEL_COLUMN, text_item(label))
        self.table.setItem(row, RESPOND_COLUMN, text_item(respond))
        clock_box = self.table.cellWidget(row, CLOCK_COLUMN)
        if clock_box.findText(clock) < 0:
            clock_box.addItem(clock)
        clock_box.setCurrentText(clock)
        self.table.cellWidget(row, MIN_COLUMN).setValue(minimum)
        self.table.cellWidget(row, MAX_COLUMN).setValue(maximum)
        self.table.setItem(row, SOURCE_COLUMN, text_item(sources))

    def add_step(self) -> None:
        if self._shown < 0:
            self.message.emit(self.tr("Select a segment first."))
            return
        self._add_step_row("100%", ACTIONS[0])
        self.ladder.setCurrentCell(self.ladder.rowCount() - 1, AT_COLUMN)

    def remove_step(self) -> None:
        row = self.ladder.currentRow()
        if row >= 0 and self._shown >= 0:
            self._keep_details()
            del self._segments[self._shown].steps[row]
            self.ladder.removeRow(row)

    def _add_step_row(self, at: str, action: str) -> None:
        row = self.ladder.rowCount()
        self.ladder.insertRow(row)
        self.ladder.setItem(row, AT_COLUMN, text_item(at))
        self.ladder.setCellWidget(row, ACTION_COLUMN, combo(self.ladder, ACTIONS, action))
        if self._shown >= 0 and len(self._segments[self._shown].steps) < self.ladder.rowCount():
            self._segments[self._shown].steps.append(_Step({}, None, at, action))

    # The details of the selected segment.

    def _select(self, row: int) -> None:
        if row == self._shown:
            return
        self._keep_details()
        self._shown = row
        self.ladder.setRowCount(0)
        if row < 0 or row >= len(self._segments):
            self._shown = -1
            self.condition.set_rows("all", [])
            return
        segment = self._segments[row]
        name = cell_text(self.table, row, LABEL_COLUMN) or cell_text(self.table, row, KEY_COLUMN)
        self.ladder_box.setTitle(self.tr("Escalation ladder: {segment}").format(segment=name))
        self.condition_box.setTitle(self.tr("Extra condition of {segment} (optional)").format(segment=name))
        for step in segment.steps:
            self._add_step_row(step.at, step.action)
        self.condition.set_rows(segment.mode, segment.rows)

    def _keep_details(self) -> None:
        """Copy the ladder and condition editors into the segment they show."""
        if self._shown < 0 or self._shown >= len(self._segments):
            return
        segment = self._segments[self._shown]
        for row, step in enumerate(segment.steps):
            step.at = cell_text(self.ladder, row, AT_COLUMN)
            action = self.ladder.cellWidget(row, ACTION_COLUMN)
            if isinstance(action, QComboBox):
                step.action = action.currentText()
        segment.mode, segment.rows = self.condition.rows()


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
