"""Widgets that the playbook forms share: a condition editor, table cells and add/remove buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.playbook.condition_rows import (
    ACTIVITY,
    ADVANCED,
    MATCH_ALL,
    MATCH_ANY,
    ConditionRow,
    read_condition,
    write_condition,
)
from leaddesk.services.playbook.conditions import FIELD_NAMES, OPERATORS

# Below this value a spin box shows its "none" text and the key is left out of the file.
NONE_VALUE = -1
NOT_COLUMN, FIELD_COLUMN, OPERATOR_COLUMN, VALUE_COLUMN, WINDOW_COLUMN = range(5)


def text_item(text: str) -> QTableWidgetItem:
    return QTableWidgetItem(text)


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


def swap_table_rows(
    table: QTableWidget,
    items: list[Any],
    row: int,
    offset: int,
    read_row: Callable[[int], Any],
    write_row: Callable[[int, Any], None],
) -> int | None:
    """Swap row with the row offset away, in the table cells and in items, and return the target row.

    Returns None and changes nothing when no row is selected or the target is outside the table.
    """
    target = row + offset
    if row < 0 or not 0 <= target < table.rowCount():
        return None
    first, second = read_row(row), read_row(target)
    write_row(row, second)
    write_row(target, first)
    items[row], items[target] = items[target], items[row]
    return target


def combo(parent: QWidget, choices: Sequence[str], current: str, editable: bool = False) -> QComboBox:
    """Return a combo box of choices showing current, which is added when it is not a choice."""
    box = QComboBox(parent)
    box.setEditable(editable)
    box.addItems(list(choices))
    if current and current not in choices:
        box.addItem(current)
    box.setCurrentText(current)
    return box


def spin(parent: QWidget, value: int | None, maximum: int = 1_000_000, none_text: str = "", minimum: int = 0) -> QSpinBox:
    """Return a spin box; with none_text, the value NONE_VALUE shows that text and stands for an absent key."""
    box = QSpinBox(parent)
    if none_text:
        box.setMinimum(NONE_VALUE)
        box.setSpecialValueText(none_text)
    else:
        box.setMinimum(minimum)
    box.setMaximum(maximum)
    box.setValue(NONE_VALUE if value is None and none_text else int(value or 0))
    return box


def spin_value(box: QWidget) -> int | None:
    assert isinstance(box, QSpinBox)
    return None if box.specialValueText() and box.value() == NONE_VALUE else box.value()


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def show_list(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def put(table: dict[str, Any], key: str, value: Any) -> None:
    """Set key to value in a TOML table, or remove it for None, "" or []."""
    if value is None or value == "" or value == []:
        table.pop(key, None)
    else:
        table[key] = value


def button_row(parent: QWidget, *buttons: tuple[str, Callable[[], None]]) -> tuple[QHBoxLayout, list[QPushButton]]:
    layout = QHBoxLayout()
    made = []
    for label, slot in buttons:
        button = QPushButton(label, parent)
        button.clicked.connect(slot)
        layout.addWidget(button)
        made.append(button)
    layout.addStretch(1)
    return layout, made


def make_table(parent: QWidget, headers: Sequence[str], stretch: int) -> QTableWidget:
    """Return a table with one selected row at a time and column stretch taking the spare width."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class ConditionEditor(QWidget):
    """Edit one playbook condition as "all of" or "any of" a list of tests."""

    edited = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox(self)
        self.mode.addItem(self.tr("all of these tests pass"), MATCH_ALL)
        self.mode.addItem(self.tr("any of these tests passes"), MATCH_ANY)
        self.table = make_table(self, [self.tr("Not"), self.tr("Field"), self.tr("Operator"), self.tr("Value"), self.tr("Within")], VALUE_COLUMN)
        self.table.setMinimumHeight(110)
        # An advanced test's inline TOML is longer than the column, so the cell's tooltip shows all of it.
        self.table.itemChanged.connect(self._show_value_tooltip)
        heading = QHBoxLayout()
        heading.addWidget(QLabel(title, self))
        heading.addWidget(self.mode)
        heading.addStretch(1)
        buttons, _made = button_row(self, (self.tr("Add test"), self.add_row), (self.tr("Remove test"), self.remove_row))
        hint = QLabel(
            self.tr("Lists are comma-separated. Yes/no fields take yes or no. For an activity, enter its names "
                    "and optionally a window such as 7d. An advanced test is an inline TOML condition."),
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        layout.addWidget(self.table, stretch=1)
        layout.addLayout(buttons)
        layout.addWidget(hint)

    def set_condition(self, raw: Any) -> None:
        mode, rows = read_condition(raw)
        self.set_rows(mode, rows)

    def set_rows(self, mode: str, rows: list[ConditionRow]) -> None:
        self.mode.setCurrentIndex(self.mode.findData(mode))
        self.table.setRowCount(0)
        for row in rows:
            self._append(row)

    def rows(self) -> tuple[str, list[ConditionRow]]:
        """Return the match mode and the rows as typed, without checking them."""
        rows = []
        for index in range(self.table.rowCount()):
            negate = self.table.cellWidget(index, NOT_COLUMN)
            field = self.table.cellWidget(index, FIELD_COLUMN)
            operator = self.table.cellWidget(index, OPERATOR_COLUMN)
            rows.append(
                ConditionRow(
                    field=field.currentText().strip(),
                    operator=operator.currentText() if operator.isEnabled() else "",
                    value=cell_text(self.table, index, VALUE_COLUMN),
                    negate=negate.isChecked(),
                    window=cell_text(self.table, index, WINDOW_COLUMN),
                )
            )
        return self.mode.currentData(), rows

    def condition(self, where: str) -> dict[str, Any] | None:
        """Return the condition table, or None without tests; raise ConditionFormError naming where."""
        mode, rows = self.rows()
        return write_condition(mode, rows, where)

    def add_row(self) -> None:
        self._append(ConditionRow("employees", "at_least", ""))
        self.table.selectRow(self.table.rowCount() - 1)
        self.edited.emit()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.edited.emit()

    def _append(self, row: ConditionRow) -> None:
        index = self.table.rowCount()
        self.table.insertRow(index)
        negate = QCheckBox(self.table)
        negate.setChecked(row.negate)
        negate.setToolTip(self.tr("Pass when the test fails"))
        field = combo(self.table, [*FIELD_NAMES, ACTIVITY, ADVANCED], row.field, editable=True)
        field.setToolTip(self.tr('A lead field, "custom.HEADER" for an imported column, activity, or advanced'))
        operator = combo(self.table, OPERATORS, row.operator or OPERATORS[0])
        self.table.setCellWidget(index, NOT_COLUMN, negate)
        self.table.setCellWidget(index, FIELD_COLUMN, field)
        self.table.setCellWidget(index, OPERATOR_COLUMN, operator)
        self.table.setItem(index, VALUE_COLUMN, text_item(row.value))
        self.table.setItem(index, WINDOW_COLUMN, text_item(row.window))
        field.currentTextChanged.connect(lambda text, box=operator: self._field_changed(box, text))
        self._field_changed(operator, row.field)

    def _show_value_tooltip(self, item: QTableWidgetItem) -> None:
        # Setting the tooltip emits itemChanged again, and the equality check ends that loop.
        if item.column() == VALUE_COLUMN and item.toolTip() != item.text():
            item.setToolTip(item.text())

    def _field_changed(self, operator: QComboBox, field: str) -> None:
        # Activity and advanced tests have no operator; only activity tests have a window.
        operator.setEnabled(field not in (ACTIVITY, ADVANCED))
        for index in range(self.table.rowCount()):
            if self.table.cellWidget(index, OPERATOR_COLUMN) is operator:
                window = self.table.item(index, WINDOW_COLUMN)
                if window is not None:
                    flags = window.flags()
                    enabled = field == ACTIVITY
                    window.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled)
        self.edited.emit()
