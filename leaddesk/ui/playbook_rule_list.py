"""An editor of one array of playbook tables, such as [[scoring.fit]] or [[routing.rules]]: a row per
entry, buttons to add, remove and move entries, and the selected entry's condition next to the table.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

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

TEXT, NUMBER, CHOICE, LIST = "text", "number", "choice", "list"


@dataclass(frozen=True)
class Column:
    """A table column: the TOML key it edits and how (TEXT, NUMBER, CHOICE from choices, or comma-separated LIST)."""

    key: str
    header: str
    kind: str = TEXT
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 1_000_000


@dataclass
class _Entry:
    base: dict[str, Any]
    origin: int | None
    mode: str = "all"
    rows: list[ConditionRow] = field(default_factory=list)


class RuleListEditor(QWidget):
    """Edit a list of tables; condition_title adds an editor of each entry's "when" condition."""

    def __init__(
        self,
        title: str,
        columns: list[Column],
        new_entry: dict[str, Any],
        condition_title: str | None = None,
        hint: str = "",
        parent: QWidget | None = None,
        side_by_side: bool = False,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.columns = columns
        self.new_entry = new_entry
        self._entries: list[_Entry] = []
        self._shown = -1

        stretch = next((index for index, column in enumerate(columns) if column.kind in (TEXT, LIST) and index > 0), 0)
        self.table = make_table(self, [column.header for column in columns], stretch)
        self.table.setMinimumHeight(120)
        self.table.currentCellChanged.connect(lambda row, _column, _old_row, _old_column: self._select(row))
        buttons, _made = button_row(
            self,
            (self.tr("Add"), self.add_entry),
            (self.tr("Remove"), self.remove_entry),
            (self.tr("Move up"), lambda: self.move_entry(-1)),
            (self.tr("Move down"), lambda: self.move_entry(1)),
        )

        box = QGroupBox(title, self)
        box_layout = QVBoxLayout(box)
        if hint:
            label = QLabel(hint, box)
            label.setWordWrap(True)
            box_layout.addWidget(label)
        entries = QVBoxLayout()
        entries.addWidget(self.table, stretch=1)
        entries.addLayout(buttons)
        # Side by side puts the condition right of the table, for a wide and low box.
        body = QHBoxLayout() if side_by_side else QVBoxLayout()
        body.addLayout(entries, stretch=1)
        self.condition: ConditionEditor | None = None
        if condition_title:
            self.condition = ConditionEditor(condition_title, box)
            body.addWidget(self.condition, stretch=1)
        box_layout.addLayout(body, stretch=1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)

    def load(self, raw: Any) -> None:
        items = raw if isinstance(raw, list) else []
        self._entries = []
        self._shown = -1
        self.table.setRowCount(0)
        for origin, item in enumerate(items):
            if isinstance(item, dict):
                self._append(item, origin)
        if self._entries:
            self.table.setCurrentCell(0, 0)
        self._select(0 if self._entries else -1)

    def entries(self) -> list[dict[str, Any]]:
        """Return the entries as TOML tables marked with their origin; raise ConditionFormError for a bad condition."""
        self._keep_details()
        items = []
        for row, entry in enumerate(self._entries):
            item = copy.deepcopy(entry.base)
            for index, column in enumerate(self.columns):
                self._put_cell(item, row, index, column, entry.base)
            if self.condition is not None:
                name = item.get("name") or item.get("label") or row + 1
                put(item, "when", write_condition(entry.mode, entry.rows, f"{self.title}, entry {name}"))
            if entry.origin is not None:
                item[ORIGIN_KEY] = entry.origin
            items.append(item)
        return items

    def _put_cell(self, item: dict[str, Any], row: int, index: int, column: Column, base: dict[str, Any]) -> None:
        if column.kind == NUMBER:
            put(item, column.key, spin_value(self.table.cellWidget(row, index)))
        elif column.kind == CHOICE:
            box = self.table.cellWidget(row, index)
            assert isinstance(box, QComboBox)
            put(item, column.key, box.currentText())
        elif column.kind == LIST:
            text = cell_text(self.table, row, index)
            # An unchanged cell keeps the file's value, which may be one text instead of a list.
            if text != show_list(base.get(column.key)):
                put(item, column.key, split_list(text))
        else:
            put(item, column.key, cell_text(self.table, row, index))

    def add_entry(self) -> None:
        self._keep_details()
        self._append(copy.deepcopy(self.new_entry), None)
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, 0)
        self._select(row)

    def remove_entry(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self._shown = -1
        del self._entries[row]
        self.table.removeRow(row)
        self._select(self.table.currentRow())

    def move_entry(self, offset: int) -> None:
        """Swap the selected entry with the one offset rows away, because order decides which rule wins."""
        self._keep_details()
        row = self.table.currentRow()
        target = swap_table_rows(self.table, self._entries, row, offset, self._cell_values, self._set_cell_values)
        if target is None:
            return
        # _keep_details ran above, and saving the editor again would put it into the swapped entry.
        self._shown = -1
        self.table.setCurrentCell(target, 0)
        self._select(target)

    def _cell_values(self, row: int) -> list[Any]:
        values: list[Any] = []
        for index, column in enumerate(self.columns):
            widget = self.table.cellWidget(row, index)
            if column.kind == NUMBER:
                values.append(widget.value())
            elif column.kind == CHOICE:
                values.append(widget.currentText())
            else:
                values.append(cell_text(self.table, row, index))
        return values

    def _set_cell_values(self, row: int, values: list[Any]) -> None:
        for index, (column, value) in enumerate(zip(self.columns, values)):
            widget = self.table.cellWidget(row, index)
            if column.kind == NUMBER:
                widget.setValue(value)
            elif column.kind == CHOICE:
                if widget.findText(value) < 0:
                    widget.addItem(value)
                widget.setCurrentText(value)
            else:
                self.table.setItem(row, index, text_item(value))

    def _append(self, item: dict[str, Any], origin: int | None) -> None:
        row = self.table.rowCount()
        mode, rows = read_condition(item.get("when"))
        self._entries.append(_Entry(copy.deepcopy(item), origin, mode, rows))
        self.table.insertRow(row)
        for index, column in enumerate(self.columns):
            value = item.get(column.key)
            if column.kind == NUMBER:
                number = value if isinstance(value, int) and not isinstance(value, bool) else 0
                self.table.setCellWidget(row, index, spin(self.table, number, column.maximum, minimum=column.minimum))
            elif column.kind == CHOICE:
                self.table.setCellWidget(row, index, combo(self.table, column.choices, str(value or column.choices[0])))
            else:
                self.table.setItem(row, index, text_item(show_list(value)))

    def _select(self, row: int) -> None:
        if self.condition is None or row == self._shown:
            return
        self._keep_details()
        self._shown = row if 0 <= row < len(self._entries) else -1
        self.condition.setEnabled(self._shown >= 0)
        if self._shown < 0:
            self.condition.set_rows("all", [])
            return
        entry = self._entries[self._shown]
        self.condition.set_rows(entry.mode, entry.rows)

    def _keep_details(self) -> None:
        if self.condition is None or not 0 <= self._shown < len(self._entries):
            return
        entry = self._entries[self._shown]
        entry.mode, entry.rows = self.condition.rows()
