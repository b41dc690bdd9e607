"""The inbox table view: row selection, sorting by header clicks, column widths that fit the view and triage keys."""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from leaddesk.ui.lead_table_model import COLUMN_INDEX, LeadTableModel

# Text that sets each column's natural width, so typical values fit without truncation.
COLUMN_WIDTH_SAMPLES = {
    "name": "Jonah Whitcombe",
    "company": "Northwind Logistics",
    "email": "priya.raman@quillstack.ex",
    "segment": "Mid-market form",
    "stage": "Contacted",
    "owner": "Sam Rivera",
    "score": "Score",
    "grade": "B SQL",
    "received": "2024-05-06 14:30",
    "due": "overdue by 23h 59m",
}

# Columns that give up width when the view is too narrow for every natural width, down to
# the width of their text here. The others keep their natural width, so fitting never cuts
# deadlines, dates or scores.
COLUMN_MINIMUM_SAMPLES = {
    "name": "Jonah Whitc",
    "company": "Northwind Lo",
    "email": "priya@…stack.ex",
    "segment": "Mid-market",
}

# Pixels around a cell's text.
CELL_PADDING = 16

# Keys that request a triage action on the current lead, without modifiers. The shortcut
# sheet lists the same keys, so keep both in step.
TRIAGE_KEYS = {
    Qt.Key.Key_Return: "open",
    Qt.Key.Key_Enter: "open",
    Qt.Key.Key_C: "contacted",
    Qt.Key.Key_L: "log_activity",
    Qt.Key.Key_M: "email",
    Qt.Key.Key_N: "note",
    Qt.Key.Key_F: "follow_up",
    Qt.Key.Key_S: "snooze",
    Qt.Key.Key_E: "done",
    Qt.Key.Key_B: "next_best_action",
    Qt.Key.Key_Q: "sequence",
    Qt.Key.Key_Slash: "search",
    Qt.Key.Key_Question: "shortcuts",
}
# j and k move like the down and up arrows, as in mail clients and vi.
MOVE_KEYS = {Qt.Key.Key_J: 1, Qt.Key.Key_K: -1}


class MiddleElideDelegate(QStyledItemDelegate):
    """A delegate that elides text in the middle, so both ends of an email address stay visible."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class LeadTableView(QTableView):
    """The inbox table. Header clicks ask the model to sort in SQL.

    Columns fit the view's width until the user resizes one. The keys of TRIAGE_KEYS emit
    triage_requested with the action name, and Ctrl+Z emits it with "undo".
    """

    triage_requested = Signal(str)

    def __init__(self, model: LeadTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setItemDelegateForColumn(COLUMN_INDEX["email"], MiddleElideDelegate(self))

        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        # The deadline is what a rep scans first, so it sits right after the name on screen.
        # The model keeps its column order, and the user can drag sections elsewhere.
        header.moveSection(header.visualIndex(COLUMN_INDEX["due"]), 1)

        # Clicking a header sorts by that column in SQL, and a third click returns to priority order.
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)

        # Measured once sorting is on, because only then do the header's size hints include the sort arrow.
        self.natural_widths = self._measure(COLUMN_WIDTH_SAMPLES, with_title=True)
        self.minimum_widths = self._measure(COLUMN_MINIMUM_SAMPLES, with_title=False)
        # Widths that fit_columns() set last, to tell them from widths the user dragged.
        self._fitted_widths: list[int] | None = None
        for key, width in self.natural_widths.items():
            header.resizeSection(COLUMN_INDEX[key], width)

    def fit_columns(self) -> None:
        """Shrink the elidable columns so that every column fits the view's width, as far as their minimums allow."""
        # Room for the vertical scroll bar is kept free, because it appears once the rows
        # outgrow the view, and that does not resize the view itself.
        available = self.contentsRect().width() - self.verticalScrollBar().sizeHint().width()
        widths = fit_widths(self.natural_widths, available, self.minimum_widths)
        header = self.horizontalHeader()
        for key, width in widths.items():
            header.resizeSection(COLUMN_INDEX[key], width)
        self._fitted_widths = self._section_widths()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.triage_requested.emit("undo")
            return
        # "?" and "/" need Shift on many layouts, so Shift does not count as a modifier here.
        ignored = Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier
        if event.modifiers() & ~ignored == Qt.KeyboardModifier.NoModifier:
            key = event.key()
            if key in MOVE_KEYS:
                self.move_current(MOVE_KEYS[key])
                return
            if key in TRIAGE_KEYS:
                self.triage_requested.emit(TRIAGE_KEYS[key])
                return
        super().keyPressEvent(event)

    def move_current(self, step: int) -> None:
        """Select the row step rows below (or above, when negative) the current one, within the list."""
        count = self.model().rowCount()
        if count == 0:
            return
        current = self.currentIndex().row()
        row = 0 if current < 0 else min(max(current + step, 0), count - 1)
        self.selectRow(row)
        self.scrollTo(self.model().index(row, 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted_widths is None or self._section_widths() == self._fitted_widths:
            self.fit_columns()

    def _section_widths(self) -> list[int]:
        """Return the widths of all sections but the last on screen, which stretches with the view."""
        header = self.horizontalHeader()
        last = header.logicalIndex(header.count() - 1)
        return [header.sectionSize(index) for index in range(header.count()) if index != last]

    def _measure(self, samples: Mapping[str, str], with_title: bool) -> dict[str, int]:
        metrics = self.fontMetrics()
        header = self.horizontalHeader()
        widths = {}
        for key, sample in samples.items():
            width = metrics.horizontalAdvance(sample) + CELL_PADDING
            if with_title:
                # The header's size hint covers the title, its margins and the sort arrow.
                width = max(width, header.sectionSizeHint(COLUMN_INDEX[key]))
            widths[key] = width
        return widths


def fit_widths(natural: Mapping[str, int], available: int, minimums: Mapping[str, int]) -> dict[str, int]:
    """Return column widths that sum to at most available pixels, or as close as the minimums allow.

    Only the columns in minimums shrink, each in proportion to its width above its minimum.
    """
    widths = dict(natural)
    excess = sum(widths.values()) - available
    room = {key: max(widths[key] - minimum, 0) for key, minimum in minimums.items() if key in widths}
    total_room = sum(room.values())
    if excess <= 0 or total_room == 0:
        return widths

    cut = min(excess, total_room)
    for key, key_room in room.items():
        # Rounding each share up makes the cuts add up to at least cut, and no share exceeds key_room.
        widths[key] -= math.ceil(cut * key_room / total_room)
    return widths
