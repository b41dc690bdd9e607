"""The kanban board: one column per stage; dragging a card to another column changes the lead's stage.

The stage change goes through the window's change_stage, which logs it on the timeline
and rejects it when someone else edited the lead since the board loaded.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from leaddesk.models import STAGES
from leaddesk.services import kanban
from leaddesk.services.kanban import Card, Column
from leaddesk.ui.labels import OVERDUE_BACKGROUND, stage_label

if TYPE_CHECKING:
    from leaddesk.ui.main_window import MainWindow

# The drag payload: "lead id:row_version", so a drop needs no lookup.
CARD_MIME_TYPE = "application/x-leaddesk-card"
LEAD_ID_ROLE = Qt.ItemDataRole.UserRole
ROW_VERSION_ROLE = Qt.ItemDataRole.UserRole + 1


class StageList(QListWidget):
    """One column. It drags cards out as CARD_MIME_TYPE and reports cards dropped in from other columns."""

    card_dropped = Signal(object, int, str)

    def __init__(self, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        # A gap between cards, so two-line cards do not run into each other. A style sheet
        # border would hide the overdue background, which Qt then no longer paints.
        self.setSpacing(4)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def mimeTypes(self) -> list[str]:
        return [CARD_MIME_TYPE]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:
        mime = QMimeData()
        item = items[0]
        payload = f"{item.data(LEAD_ID_ROLE)}:{item.data(ROW_VERSION_ROLE)}"
        mime.setData(CARD_MIME_TYPE, QByteArray(payload.encode("ascii")))
        return mime

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CARD_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(CARD_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        card = read_card(event.mimeData())
        if card is None or self.find_card(card[0]) is not None:
            # Not a card, or a card dropped back on its own column.
            event.ignore()
            return
        # The board reloads after the change is saved; moving the item here would show a
        # stage change that the database may still reject.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.card_dropped.emit(card[0], card[1], self.stage)

    def find_card(self, lead_id: uuid.UUID) -> QListWidgetItem | None:
        for row in range(self.count()):
            if self.item(row).data(LEAD_ID_ROLE) == str(lead_id):
                return self.item(row)
        return None


def read_card(mime: QMimeData) -> tuple[uuid.UUID, int] | None:
    """Return (lead id, row_version) from a card's drag payload, or None for anything else."""
    if not mime.hasFormat(CARD_MIME_TYPE):
        return None
    try:
        lead_text, version_text = bytes(mime.data(CARD_MIME_TYPE)).decode("ascii").split(":")
        return uuid.UUID(lead_text), int(version_text)
    except ValueError:
        return None


class KanbanBoard(QWidget):
    """Columns of lead cards by stage. stage_change_requested carries (lead id, row_version, new stage)."""

    stage_change_requested = Signal(object, int, str)
    open_requested = Signal(object)

    def __init__(self, stages: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("LeadDesk — Board"))
        self.lists: dict[str, StageList] = {}
        self.headers: dict[str, QLabel] = {}
        layout = QHBoxLayout(self)
        for stage in stages:
            column = QVBoxLayout()
            header = QLabel(self)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            stage_list = StageList(stage, self)
            stage_list.card_dropped.connect(self.stage_change_requested)
            stage_list.itemActivated.connect(lambda item: self.open_requested.emit(uuid.UUID(item.data(LEAD_ID_ROLE))))
            column.addWidget(header)
            column.addWidget(stage_list)
            layout.addLayout(column)
            self.lists[stage] = stage_list
            self.headers[stage] = header
        self.resize(1200, 600)

    def show_columns(self, columns: list[Column], now: datetime | None = None) -> None:
        for column in columns:
            stage_list = self.lists.get(column.stage)
            if stage_list is None:
                continue
            shown = len(column.cards)
            title = f"{stage_label(column.stage)} ({column.total})"
            if shown < column.total:
                title += self.tr(", first {count} shown").format(count=shown)
            self.headers[column.stage].setText(title)
            stage_list.clear()
            for card in column.cards:
                stage_list.addItem(_card_item(card))


def _card_item(card: Card) -> QListWidgetItem:
    lines = [card.name]
    details = " · ".join(part for part in (card.company, card.owner_name) if part)
    if details:
        lines.append(details)
    item = QListWidgetItem("\n".join(lines))
    item.setData(LEAD_ID_ROLE, str(card.lead_id))
    item.setData(ROW_VERSION_ROLE, card.row_version)
    if card.overdue:
        item.setBackground(QBrush(QColor(OVERDUE_BACKGROUND)))
    return item


def open_board(window: MainWindow) -> KanbanBoard:
    """Show the window's board (creating it on first use) and load it; it reloads after every saved change."""
    board = getattr(window, "kanban_board", None)
    if board is None:
        board = KanbanBoard(STAGES, window)
        board.setWindowFlag(Qt.WindowType.Window)
        board.stage_change_requested.connect(window.change_stage)
        board.open_requested.connect(window.show_lead)
        window.lead_changed.connect(lambda _change: reload_board(window, board))
        window.kanban_board = board
    board.show()
    board.raise_()
    reload_board(window, board)
    return board


def reload_board(window: MainWindow, board: KanbanBoard) -> None:
    if not board.isVisible():
        return
    now = window.clock()
    window.runner.read(
        lambda session: kanban.board(session, now),
        on_success=lambda columns: board.show_columns(columns, now),
        description="load the board",
    )
