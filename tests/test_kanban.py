"""The kanban board: columns by stage, and a drop that changes the stage and logs it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from sqlalchemy import select

from leaddesk.models import Activity, Lead
from leaddesk.services import kanban
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.ui.kanban_view import LEAD_ID_ROLE, open_board, read_card
from leaddesk.ui.main_window import MainWindow

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    with database.session() as session:
        rows = {
            "late": Lead(full_name="Late Lara", company="Acme", response_due_at=NOW - timedelta(minutes=5), score=10),
            "high": Lead(full_name="High Hal", score=90),
            "qualified": Lead(full_name="Qual Quinn", stage="qualified"),
        }
        session.add_all(rows.values())
        session.flush()
        return {key: lead.id for key, lead in rows.items()}


def test_board_columns(database, leads):
    with database.session() as session:
        columns = kanban.board(session, NOW)

    by_stage = {column.stage: column for column in columns}
    assert [column.stage for column in columns] == ["new", "contacted", "qualified", "won", "lost", "disqualified"]
    assert [card.name for card in by_stage["new"].cards] == ["Late Lara", "High Hal"]
    assert by_stage["new"].cards[0].overdue is True
    assert by_stage["new"].total == 2
    assert [card.name for card in by_stage["qualified"].cards] == ["Qual Quinn"]


def test_board_limit_keeps_total(database, leads):
    with database.session() as session:
        columns = kanban.board(session, NOW, limit=1)

    assert (columns[0].total, len(columns[0].cards)) == (2, 1)


def test_drop_changes_stage_and_logs(qtbot, database, leads):
    window = MainWindow(database, clock=lambda: NOW, actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    board = open_board(window)
    qtbot.waitUntil(lambda: board.lists["new"].count() == 2)
    assert board.headers["new"].text() == "New (2)"

    source = board.lists["new"]
    item = source.item(1)
    assert item.data(LEAD_ID_ROLE) == str(leads["high"])
    mime = source.mimeData([item])
    assert read_card(mime) == (leads["high"], 1)
    target = board.lists["won"]
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.lead_changed, timeout=5000):
        target.dropEvent(drop)

    qtbot.waitUntil(lambda: board.lists["won"].count() == 1)
    assert board.lists["new"].count() == 1
    with database.session() as session:
        assert session.get(Lead, leads["high"]).stage == "won"
        summaries = list(session.scalars(select(Activity.summary).where(Activity.lead_id == leads["high"])))
        assert summaries == ["Stage changed from new to won"]


def test_drop_on_own_column_ignored(qtbot, database, leads):
    window = MainWindow(database, clock=lambda: NOW, actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    window.show()
    board = open_board(window)
    qtbot.waitUntil(lambda: board.lists["new"].count() == 2)
    source = board.lists["new"]
    mime = source.mimeData([source.item(0)])
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )

    with qtbot.assertNotEmitted(board.stage_change_requested):
        source.dropEvent(drop)
    assert not drop.isAccepted()
