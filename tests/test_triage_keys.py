"""Keyboard triage and reminders in the main window, with real widgets, worker threads and SQLite."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead
from leaddesk.services.clock_watch import ClockWatch
from leaddesk.services.notifications.notifier import Notification, RecordingNotifier
from leaddesk.ui.activity_dialog import ActivityDialog
from leaddesk.ui.email_dialog import EmailDialog
from leaddesk.ui.lead_dialogs import FollowUpDialog, NoteDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.notification_banner import NotificationBanner
from leaddesk.ui.shortcut_sheet import ShortcutSheet
from window_leads import Clock, add_overdue_and_waiting

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    return add_overdue_and_waiting(database, NOW)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def window(qtbot, database, leads, clock, notifier) -> MainWindow:
    window = MainWindow(database, clock=clock, actor="tester", notifier=notifier)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    qtbot.waitUntil(lambda: window.reminders.next_wake is not None)
    window.table.setFocus()
    return window


def press(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.table, key, modifier)


def saved(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        press(qtbot, window, key, modifier)


def lead(database, lead_id: uuid.UUID) -> Lead:
    with database.session() as session:
        return session.get(Lead, lead_id)


def kinds(database, lead_id: uuid.UUID) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(Activity.kind).where(Activity.lead_id == lead_id).order_by(Activity.created_at)))


def add_follow_up(database, lead_id: uuid.UUID, due_at: datetime) -> uuid.UUID:
    with database.session() as session:
        row = FollowUp(lead_id=lead_id, due_at=due_at, note="send deck")
        session.add(row)
        session.flush()
        session.get(Lead, lead_id).next_follow_up_at = due_at
        return row.id


def test_j_and_k_move_selection(qtbot, window):
    assert window.table.currentIndex().row() == 0

    press(qtbot, window, Qt.Key.Key_J)
    assert window.table.currentIndex().row() == 1
    press(qtbot, window, Qt.Key.Key_J)
    assert window.table.currentIndex().row() == 1
    press(qtbot, window, Qt.Key.Key_K)
    assert window.table.currentIndex().row() == 0
    press(qtbot, window, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 1


def test_c_contacted_then_undo(qtbot, window, leads, database):
    saved(qtbot, window, Qt.Key.Key_C)

    contacted = lead(database, leads["overdue"])
    assert contacted.first_contacted_at == NOW
    assert contacted.stage == "contacted"
    assert kinds(database, leads["overdue"]) == ["contacted"]
    assert window.statusBar().currentMessage() == "Mark contacted: saved. Ctrl+Z undoes it."

    saved(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    restored = lead(database, leads["overdue"])
    assert restored.first_contacted_at is None
    assert restored.stage == "new"
    assert kinds(database, leads["overdue"]) == []
    assert window.statusBar().currentMessage() == "Undone: Mark contacted."


def test_undo_expires_after_window(qtbot, window, leads, database, clock):
    saved(qtbot, window, Qt.Key.Key_C)
    clock.now = NOW + timedelta(seconds=31)

    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert window.statusBar().currentMessage() == "Mark contacted can no longer be undone."
    assert lead(database, leads["overdue"]).first_contacted_at == NOW


def test_undo_rejected_after_later_edit(qtbot, window, leads, database):
    saved(qtbot, window, Qt.Key.Key_C)
    with database.session() as session:
        session.get(Lead, leads["overdue"]).score = 50

    with qtbot.waitSignal(window.triage.message, timeout=5000) as message:
        press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert message.args[0] == "Mark contacted cannot be undone because the lead changed since; reload it and fix it by hand"
    assert lead(database, leads["overdue"]).first_contacted_at == NOW


def test_l_logs_call_with_outcome(qtbot, window, leads, database):
    press(qtbot, window, Qt.Key.Key_L)
    dialog = window.triage.dialog
    assert isinstance(dialog, ActivityDialog)
    assert dialog.outcome_combo.isEnabled()
    dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("no_answer"))

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        dialog.accept()

    with database.session() as session:
        activity = session.scalars(select(Activity).where(Activity.lead_id == leads["overdue"])).one()
        assert (activity.kind, activity.outcome, activity.summary) == ("call", "no_answer", "Call: no answer")
        assert session.get(Lead, leads["overdue"]).first_contacted_at == NOW


def test_m_opens_mail_app(qtbot, window, leads, database, monkeypatch):
    with database.session() as session:
        session.get(Lead, leads["overdue"]).email = "lara@acme.example"
    opened = []
    monkeypatch.setattr("leaddesk.ui.triage.QDesktopServices.openUrl", lambda url: opened.append(bytes(url.toEncoded()).decode()) or True)

    press(qtbot, window, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: isinstance(window.triage.dialog, EmailDialog))
    dialog = window.triage.dialog
    assert dialog.subject_label.text() == "Your request at your team"
    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        dialog.accept()

    assert len(opened) == 1
    assert opened[0].startswith("mailto:lara@acme.example?subject=Your%20request%20at%20your%20team&body=Hi%20there")
    with database.session() as session:
        activity = session.scalars(select(Activity).where(Activity.lead_id == leads["overdue"])).one()
        assert (activity.kind, activity.summary) == ("email", "Email: Your request at your team (first_touch template)")
        assert session.get(Lead, leads["overdue"]).first_contacted_at == NOW


def test_m_without_email(qtbot, window):
    press(qtbot, window, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: isinstance(window.triage.dialog, EmailDialog))
    dialog = window.triage.dialog

    assert dialog.error_label.text() == "lead 'Late Lara' has no email address; add one before writing to them"
    assert not dialog.mail_app_button.isEnabled()
    dialog.reject()


def test_email_disables_outcome(qtbot, window):
    press(qtbot, window, Qt.Key.Key_L)
    dialog = window.triage.dialog
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("email"))

    assert not dialog.outcome_combo.isEnabled()
    assert dialog.outcome() is None
    dialog.reject()


def test_n_adds_note(qtbot, window, leads, database):
    press(qtbot, window, Qt.Key.Key_N)
    dialog = window.triage.dialog
    assert isinstance(dialog, NoteDialog)
    dialog.text_edit.setPlainText("Asked for pricing")

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        dialog.accept()

    assert kinds(database, leads["overdue"]) == ["note"]


def test_f_plans_follow_up(qtbot, window, leads, database):
    press(qtbot, window, Qt.Key.Key_F)
    dialog = window.triage.dialog
    assert isinstance(dialog, FollowUpDialog)

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        dialog.accept()

    with database.session() as session:
        rows = list(session.scalars(select(FollowUp).where(FollowUp.lead_id == leads["overdue"])))
    assert len(rows) == 1
    assert rows[0].due_at == dialog.due_at()


def test_s_snoozes_next_follow_up(qtbot, window, leads, database):
    follow_up_id = add_follow_up(database, leads["overdue"], NOW - timedelta(minutes=5))

    press(qtbot, window, Qt.Key.Key_S)
    menu = window.triage.snooze_menu
    assert isinstance(menu, QMenu)
    labels = [action.text() for action in menu.actions()]
    assert labels == ["10 minutes", "1 hour", "Tomorrow 09:00", "Next Monday 09:00", "Custom..."]
    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        menu.actions()[1].trigger()
    menu.close()

    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).due_at == NOW + timedelta(hours=1)


def test_e_done_then_undo(qtbot, window, leads, database):
    follow_up_id = add_follow_up(database, leads["overdue"], NOW - timedelta(minutes=5))

    saved(qtbot, window, Qt.Key.Key_E)
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).completed_at == NOW
        assert session.get(Lead, leads["overdue"]).next_follow_up_at is None

    saved(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).completed_at is None
        assert session.get(Lead, leads["overdue"]).next_follow_up_at == NOW - timedelta(minutes=5)


def test_e_without_follow_up(qtbot, window):
    with qtbot.waitSignal(window.triage.message, timeout=5000) as message:
        press(qtbot, window, Qt.Key.Key_E)

    assert message.args[0] == "this lead has no open follow-up to mark done; press f to plan one"


def test_slash_focuses_search(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Slash)

    assert QApplication.focusWidget() is window.filter_bar.search_edit


def test_question_mark_opens_sheet(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)

    sheet = window.triage.dialog
    assert isinstance(sheet, ShortcutSheet)
    assert sheet.isVisible()
    assert [keys for keys, _text in sheet.rows()] == [
        "↓ / j", "↑ / k", "Enter", "c", "l", "m", "n", "f", "s", "e", "b", "q", "/", "Ctrl+Z", "?"
    ]


def test_enter_opens_lead(qtbot, window, leads):
    press(qtbot, window, Qt.Key.Key_J)
    with qtbot.waitSignal(window.detail_shown, timeout=5000):
        press(qtbot, window, Qt.Key.Key_Return)

    assert window.detail_pane.lead_id == leads["waiting"]


def test_reminder_fires_at_due_time(qtbot, window, leads, database, clock, notifier):
    add_follow_up(database, leads["waiting"], NOW + timedelta(minutes=15))
    with qtbot.waitSignal(window.reminders.checked, timeout=5000) as armed:
        window.reminders.check_now()
    assert armed.args[0].next_wake == NOW + timedelta(minutes=10)

    clock.now = NOW + timedelta(minutes=10)
    with qtbot.waitSignal(window.reminders.checked, timeout=5000) as warned:
        window.reminders.check_now()
    assert warned.args[0].next_wake == NOW + timedelta(minutes=15)
    assert window.reminders.wake_timer.isActive()
    assert window.reminders.wake_timer.interval() == 5 * 60 * 1000
    clock.now = NOW + timedelta(minutes=15)
    with qtbot.waitSignal(window.reminders.notified, timeout=5000):
        window.reminders.check_now()

    titles = [notification.title for notification in notifier.posted]
    assert titles == ["Respond soon: Wait Walt", "Follow-up due: Wait Walt"]


def test_sleep_jump_shows_one_group(qtbot, window, leads, database, clock, notifier):
    add_follow_up(database, leads["waiting"], NOW + timedelta(minutes=30))
    add_follow_up(database, leads["overdue"], NOW + timedelta(minutes=60))
    monotonic = [0.0]
    window.reminders.watch = ClockWatch(clock, lambda: "UTC", lambda: monotonic[0])

    clock.now = NOW + timedelta(minutes=95)
    monotonic[0] = 60.0
    with qtbot.waitSignal(window.reminders.notified, timeout=5000):
        window.reminders.watch_clock()
    window.reminders.check_now()
    qtbot.waitUntil(lambda: not window.reminders._checking)

    assert [notification.title for notification in notifier.posted] == [
        "2 follow-ups, 1 deadline warning and 1 missed deadline came due while you were away"
    ]


def test_banner_shows_and_opens_lead(qtbot, leads, database, clock, monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    banner_window = MainWindow(database, clock=clock, actor="tester", notifier=None)
    qtbot.addWidget(banner_window)
    banner_window.show()
    qtbot.waitUntil(lambda: banner_window.model.rowCount() == 2)
    banner = banner_window.banner
    assert isinstance(banner, NotificationBanner)
    # Without a session bus, and with no tray under offscreen Qt, the banner is the fallback.
    assert not banner.service_label.isHidden()
    assert banner.isVisible()
    assert banner.title_label.text() == "Reminders show in this banner"
    assert banner.open_button.isHidden()

    banner.post(Notification(title="Follow-up due: Wait Walt", body="send deck", lead_id=leads["waiting"]))
    assert banner.isVisible()
    assert banner.title_label.text() == "Follow-up due: Wait Walt"
    with qtbot.waitSignal(banner_window.detail_shown, timeout=5000):
        qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)

    assert banner.isHidden()
    assert banner_window.detail_pane.lead_id == leads["waiting"]


def test_notification_buttons_act(qtbot, window, leads, database):
    from leaddesk.ui.desktop_notifier import handle_action

    follow_up_id = add_follow_up(database, leads["waiting"], NOW - timedelta(minutes=1))
    notification = Notification(
        title="Follow-up due: Wait Walt", body="", lead_id=leads["waiting"], follow_up_id=follow_up_id
    )

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        handle_action(window, window.banner, notification, "snooze")
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).due_at == NOW + timedelta(minutes=10)

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        handle_action(window, window.banner, notification, "done")
    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).completed_at == NOW

    with qtbot.waitSignal(window.detail_shown, timeout=5000):
        handle_action(window, window.banner, notification, "open")
    assert window.detail_pane.lead_id == leads["waiting"]


def test_reminder_settings_saved(qtbot, window, database):
    from leaddesk.services.notifications.preferences import Scope, load_preferences
    from leaddesk.ui.reminder_settings_dialog import ReminderSettingsDialog

    window.reminders.open_settings(window)
    qtbot.waitUntil(lambda: isinstance(window.reminders.settings_dialog, ReminderSettingsDialog))
    dialog = window.reminders.settings_dialog
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("mine"))
    assert not ok.isEnabled()
    assert dialog.error_label.text().startswith("Pick the rep you are")
    dialog.rep_combo.setCurrentIndex(dialog.rep_combo.findData("Ana Lopez"))
    dialog.quiet_check.setChecked(True)
    assert ok.isEnabled()

    with qtbot.waitSignal(window.reminders.checked, timeout=5000):
        dialog.accept()

    with database.session() as session:
        saved = load_preferences(session, "tester", "UTC")
    assert saved.scope is Scope.MINE
    assert saved.rep_name == "Ana Lopez"
    assert (saved.quiet_start.hour, saved.quiet_end.hour) == (20, 8)


def test_b_shows_next_best_action(qtbot, window, leads, database):
    with database.session() as session:
        session.get(Lead, leads["overdue"]).phone = "+81 3 5550 0101"

    press(qtbot, window, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: isinstance(window.triage.dialog, QMessageBox))
    box = window.triage.dialog

    # 10:00 UTC on Monday 4 May 2026 is 19:00 in Tokyo, after calling hours.
    assert box.text() == "Next: call at Tue 09:00 their time (Asia/Tokyo)."
    assert box.informativeText().splitlines()[0] == "The lead's timezone is Asia/Tokyo (from the phone number)."
    box.close()


def test_q_enrolls_and_undo_removes(qtbot, window, leads, database):
    from leaddesk.models import SequenceEnrollment

    press(qtbot, window, Qt.Key.Key_Q)
    qtbot.waitUntil(lambda: window.triage.sequence_menu is not None)
    menu = window.triage.sequence_menu
    assert [action.text() for action in menu.actions()] == [
        "Enroll in New inbound lead (5 steps)",
        "Enroll in Re-engage a quiet lead (2 steps)",
    ]
    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        menu.actions()[0].trigger()
    menu.close()

    with database.session() as session:
        enrollment = session.scalars(select(SequenceEnrollment)).one()
        assert (enrollment.lead_id, enrollment.step_index) == (leads["overdue"], 1)
        notes = list(session.scalars(select(FollowUp.note).where(FollowUp.lead_id == leads["overdue"])))
        assert notes == ["New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email"]

    saved(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with database.session() as session:
        assert list(session.scalars(select(FollowUp.id).where(FollowUp.lead_id == leads["overdue"]))) == []
        assert list(session.scalars(select(SequenceEnrollment.id))) == []
        assert kinds(database, leads["overdue"]) == []
