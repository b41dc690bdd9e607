"""The follow-up dialog and the detail pane's follow-up actions, on real widgets and a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime, Qt
from sqlalchemy import select

from leaddesk.models import FollowUp, Lead, Rep
from leaddesk.services import follow_ups
from leaddesk.services.local_time import LocalDue
from leaddesk.ui.follow_up_dialog import FollowUpDialog
from leaddesk.ui.lead_table_model import DUE_COLUMN
from leaddesk.ui.main_window import MainWindow
from window_leads import Clock, add_overdue_and_waiting

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
BERLIN = "Europe/Berlin"


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    ids = add_overdue_and_waiting(database, NOW)
    with database.session() as session:
        session.add(Rep(name="tester"))
        session.add(Rep(name="Ben Ode"))
    return ids


@pytest.fixture
def window(qtbot, database, leads) -> MainWindow:
    window = MainWindow(database, clock=Clock(NOW), actor="tester")
    window.user_zone = BERLIN
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    return window


def rep_id(database, name: str) -> uuid.UUID:
    with database.session() as session:
        return session.scalar(select(Rep.id).where(Rep.name == name))


def open_dialog(qtbot, window) -> FollowUpDialog:
    qtbot.mouseClick(window.detail_pane.follow_up_button, Qt.MouseButton.LeftButton)
    (dialog,) = window.findChildren(FollowUpDialog)
    with qtbot.waitSignal(dialog.owners_loaded, timeout=5000):
        pass
    return dialog


def open_rows(database, lead_id: uuid.UUID) -> list[FollowUp]:
    with database.session() as session:
        return list(session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None))))


def test_dialog_shows_zone_and_owner(qtbot, window, database, leads):
    dialog = open_dialog(qtbot, window)

    assert dialog.zone_label.text() == "Europe/Berlin (UTC+02:00), your timezone"
    # The lead belongs to Ana Lopez, so she is preselected over the user's own rep.
    assert dialog.owner_combo.currentText() == "Ana Lopez"
    assert dialog.owner_combo.currentData() == rep_id(database, "Ana Lopez")
    labels = [dialog.owner_combo.itemText(index) for index in range(dialog.owner_combo.count())]
    assert labels == ["The lead's owner", "Ana Lopez", "Ben Ode", "tester (me)"]
    assert [dialog.repeat_combo.itemData(index) for index in range(dialog.repeat_combo.count())] == [
        None, "daily", "weekdays", "weekly"
    ]
    # Tomorrow 09:00 in Berlin.
    assert dialog.due().text() == "2026-05-05T09:00"
    assert dialog.due().zone_name == BERLIN


def test_dialog_defaults_to_me(qtbot, window, database, leads):
    window.table.selectRow(1)
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["waiting"])
    dialog = open_dialog(qtbot, window)

    assert dialog.owner_combo.currentText() == "tester (me)"


def test_date_only_weekly_for_ben(qtbot, window, database, leads):
    dialog = open_dialog(qtbot, window)
    dialog.date_only_check.setChecked(True)
    dialog.due_edit.setDate(QDate(2026, 5, 8))
    dialog.repeat_combo.setCurrentIndex(dialog.repeat_combo.findData("weekly"))
    dialog.owner_combo.setCurrentIndex(dialog.owner_combo.findText("Ben Ode"))
    dialog.note_edit.setText("send pricing")

    assert dialog.due_edit.displayFormat() == "yyyy-MM-dd"
    with qtbot.waitSignal(window.lead_changed, timeout=5000):
        dialog.accept()

    (row,) = open_rows(database, leads["overdue"])
    assert (row.due_local, row.time_zone, row.all_day) == ("2026-05-08", BERLIN, True)
    assert row.recurrence == "weekly"
    assert row.owner_id == rep_id(database, "Ben Ode")
    assert row.note == "send pricing"
    qtbot.waitUntil(lambda: window.detail_pane.follow_up_list.count() == 1)
    assert window.detail_pane.follow_up_list.item(0).text() == "2026-05-08 (all day) · weekly\nBen Ode — send pricing"


def test_timed_follow_up_in_user_zone(qtbot, window, database, leads):
    dialog = open_dialog(qtbot, window)
    dialog.due_edit.setDateTime(QDateTime(QDate(2026, 5, 6), QTime(14, 30)))

    with qtbot.waitSignal(window.lead_changed, timeout=5000):
        dialog.accept()

    (row,) = open_rows(database, leads["overdue"])
    assert (row.due_local, row.time_zone, row.all_day) == ("2026-05-06T14:30", BERLIN, False)
    assert row.due_at == datetime(2026, 5, 6, 12, 30, tzinfo=timezone.utc)


def add_follow_up(database, lead_id: uuid.UUID) -> uuid.UUID:
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        due = LocalDue.at(datetime(2026, 5, 5, 9, 0), BERLIN)
        follow_up = follow_ups.add_follow_up(session, lead, due, "call back", NOW, recurrence="daily")
        return follow_up.id


def test_pane_reschedule_button(qtbot, window, database, leads):
    follow_up_id = add_follow_up(database, leads["overdue"])
    window.load_detail(leads["overdue"])
    pane = window.detail_pane
    qtbot.waitUntil(lambda: pane.follow_up_list.count() == 1)
    assert pane.follow_up_reschedule_button.isEnabled()

    qtbot.mouseClick(pane.follow_up_reschedule_button, Qt.MouseButton.LeftButton)
    (dialog,) = window.findChildren(FollowUpDialog)
    assert dialog.windowTitle() == "Reschedule follow-up"
    assert dialog.due().text() == "2026-05-05T09:00"
    assert dialog.recurrence() == "daily"
    assert not dialog.note_edit.isEnabled()
    assert not dialog.owner_combo.isEnabled()
    dialog.date_only_check.setChecked(True)
    dialog.due_edit.setDate(QDate(2026, 5, 7))
    dialog.repeat_combo.setCurrentIndex(0)

    with qtbot.waitSignal(window.lead_changed, timeout=5000):
        dialog.accept()

    with database.session() as session:
        row = session.get(FollowUp, follow_up_id)
        assert (row.due_local, row.all_day, row.recurrence) == ("2026-05-07", True, None)
        assert row.completed_at is None


def test_pane_menu_marks_done(qtbot, window, database, leads):
    follow_up_id = add_follow_up(database, leads["overdue"])
    window.load_detail(leads["overdue"])
    pane = window.detail_pane
    qtbot.waitUntil(lambda: pane.follow_up_list.count() == 1)

    rect = pane.follow_up_list.visualItemRect(pane.follow_up_list.item(0))
    pane.show_follow_up_menu(rect.center())
    actions = [action.text() for action in pane.follow_up_menu.actions()]
    assert actions == ["Reschedule...", "Mark done"]
    with qtbot.waitSignal(window.lead_changed, timeout=5000):
        pane.follow_up_menu.actions()[1].trigger()
    pane.follow_up_menu.close()

    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).completed_at == NOW


def test_triage_menu_reschedules(qtbot, window, database, leads):
    follow_up_id = add_follow_up(database, leads["overdue"])
    window.table.setFocus()

    window.triage.ask_reschedule()
    qtbot.waitUntil(lambda: isinstance(window.triage.dialog, FollowUpDialog))
    dialog = window.triage.dialog
    dialog.due_edit.setDateTime(QDateTime(QDate(2026, 5, 5), QTime(16, 15)))
    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        dialog.accept()

    with database.session() as session:
        row = session.get(FollowUp, follow_up_id)
        assert (row.due_local, row.recurrence) == ("2026-05-05T16:15", "daily")


def test_closed_lead_pane_state(qtbot, window, database, leads):
    window.change_stage(leads["overdue"], window.detail_pane.detail.row_version, "lost")
    qtbot.waitUntil(lambda: window.detail_pane.detail.stage == "lost")

    assert window.detail_pane.state_label.text() == "Lost: no response deadline"
    qtbot.waitUntil(lambda: window.overdue_label.text() == "0 overdue")
    model = window.model
    row = next(row for row in range(model.rowCount()) if model.lead_id(row) == leads["overdue"])
    qtbot.waitUntil(lambda: model.row_data(row) is not None and model.row_data(row).stage == "lost")
    assert model.data(model.index(row, DUE_COLUMN)) == "closed"
    assert model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole) is None
