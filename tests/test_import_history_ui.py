"""The import history dialog with real widgets and worker threads: listing batches and undoing one."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from leaddesk.models import Lead
from leaddesk.services.importing import run_import
from leaddesk.services.importing.history import list_imports
from leaddesk.ui.history_dialog import ImportHistoryDialog
from leaddesk.ui.main_window import MainWindow

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def imported(database, tmp_path):
    """Import two files: one creates two leads, the next updates one of them and creates a third."""
    first = tmp_path / "first.csv"
    first.write_text("Email,Company\nann@example.com,Initech\nbob@example.com,Hooli\n", encoding="utf-8")
    run_import(database, first, now=NOW)
    second = tmp_path / "second.csv"
    second.write_text("Email,Company\nann@example.com,Globex\ncid@example.com,Acme\n", encoding="utf-8")
    run_import(database, second, now=NOW.replace(hour=13))
    return list_imports(database)


@pytest.fixture
def window(qtbot, database, imported):
    window = MainWindow(database, clock=lambda: NOW.replace(hour=14), actor="tester")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    return window


def open_history(qtbot, window: MainWindow) -> ImportHistoryDialog:
    window.history_action.trigger()
    (dialog,) = window.findChildren(ImportHistoryDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0)
    return dialog


def cell(dialog: ImportHistoryDialog, row: int, column: int) -> str:
    return dialog.table.item(row, column).text()


def emails(database) -> set[str]:
    with database.session() as session:
        return {lead.email for lead in session.query(Lead).filter(Lead.deleted_at.is_(None))}


def test_history_lists_batches(qtbot, window):
    dialog = open_history(qtbot, window)
    assert dialog.table.rowCount() == 2
    assert cell(dialog, 0, 1) == "second.csv"
    assert [cell(dialog, 0, column) for column in range(2, 6)] == ["1", "1", "0", "0"]
    assert cell(dialog, 1, 1) == "first.csv"
    assert [cell(dialog, 1, column) for column in range(2, 6)] == ["2", "0", "0", "0"]
    assert dialog.undo_button(0) is not None
    assert "2 import(s)" in dialog.status_label.text()


def test_undo_removes_created_leads(qtbot, window, database):
    dialog = open_history(qtbot, window)

    qtbot.mouseClick(dialog.undo_button(0), Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box is not None
    assert "second.csv" in box.text()
    with qtbot.waitSignal(dialog.undone, timeout=20_000) as undone:
        box.button(QMessageBox.StandardButton.Yes).click()

    report = undone.args[0]
    assert report.deleted == 1
    assert report.restored_leads == 1
    assert emails(database) == {"ann@example.com", "bob@example.com"}
    with database.session() as session:
        assert session.query(Lead).filter_by(email="ann@example.com").one().company == "Initech"
    assert "deleted 1 leads" in dialog.result_text.toPlainText()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    qtbot.waitUntil(lambda: dialog.undo_button(0) is None)
    assert dialog.table.cellWidget(0, 6).text().startswith("Undone")


def test_undo_cancel_keeps_leads(qtbot, window, database):
    dialog = open_history(qtbot, window)
    dialog.ask_undo(dialog.summaries[1].id)
    dialog.confirm_box.button(QMessageBox.StandardButton.Cancel).click()
    assert emails(database) == {"ann@example.com", "bob@example.com", "cid@example.com"}


def test_undo_shows_kept_lead(qtbot, window, database):
    with database.session() as session:
        lead = session.query(Lead).filter_by(email="cid@example.com").one()
        lead.notes = "called, wants a demo"
        lead.updated_by = "tester"
    dialog = open_history(qtbot, window)

    with qtbot.waitSignal(dialog.undone, timeout=20_000) as undone:
        dialog.undo(dialog.summaries[0].id)

    report = undone.args[0]
    kept = [item.label for item in report.kept_leads]
    assert len(kept) == 1
    assert "Kept 1 lead(s)" in dialog.result_text.toPlainText()
    assert "cid@example.com" in emails(database)


def test_history_empty(qtbot, database):
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.open_history_dialog()
    (dialog,) = window.findChildren(ImportHistoryDialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        pass
    assert dialog.table.rowCount() == 0
    assert dialog.status_label.text() == "No imports yet."


def test_undo_lists_deleted_reps(qtbot, database, tmp_path):
    owners = tmp_path / "owners.csv"
    owners.write_text("Email,Owner\ndee@example.com,Pat Lee\n", encoding="utf-8")
    run_import(database, owners, now=NOW)
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.open_history_dialog()
    (dialog,) = window.findChildren(ImportHistoryDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)

    with qtbot.waitSignal(dialog.undone, timeout=20_000) as undone:
        dialog.undo(dialog.summaries[0].id)

    assert undone.args[0].deleted_reps == ["Pat Lee"]
    assert "Deleted 1 rep(s) that the import created: Pat Lee" in dialog.result_text.toPlainText()
