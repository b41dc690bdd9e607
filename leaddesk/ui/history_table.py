"""The read-only history table shared by the import and merge history dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QWidget


def history_table(parent: QWidget, labels: list[str], stretch_column: int, single_selection: bool = False) -> QTableWidget:
    """Build a read-only table that selects whole rows and sizes columns to their contents.

    The stretch_column takes the width left over, so long names stay readable.
    """
    table = QTableWidget(0, len(labels), parent)
    table.setHorizontalHeaderLabels(labels)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single_selection:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    for column in range(len(labels)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table
