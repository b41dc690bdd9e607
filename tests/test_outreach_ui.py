"""The window's outreach parts with real widgets, worker threads, SQLite and a loopback SMTP server:
the template editor, the email dialog with SMTP sending, the SMTP account dialog, and the sequence panel and context menu.
"""

from __future__ import annotations

import uuid
from email import message_from_bytes
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, SequenceEnrollment
from leaddesk.services import sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.smtp_account import Security, SmtpAccount, load_account, save_account
from leaddesk.services.template_store import get_template, list_templates
from leaddesk.ui.email_dialog import SEND_SMTP, EmailDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.smtp_settings_dialog import SmtpSettingsDialog
from leaddesk.ui.template_editor import TemplateEditor
from window_leads import Clock, add_overdue_and_waiting

pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extra; run `make test`")

from smtp_server import LOOPBACK, Mailbox, free_loopback_port, start_server  # noqa: E402

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
WAIT_MS = 10_000


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    lara = {"email": "lara@acme.example", "first_name": "Lara", "company": "Acme"}
    return add_overdue_and_waiting(database, NOW, overdue_fields=lara)


@pytest.fixture
def window(qtbot, database, leads) -> MainWindow:
    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    window.table.setFocus()
    return window


def _open_editor(qtbot, window) -> TemplateEditor:
    window.triage.outreach.open_template_editor()
    qtbot.waitUntil(lambda: isinstance(window.triage.outreach.dialog, TemplateEditor))
    editor = window.triage.outreach.dialog
    qtbot.waitUntil(lambda: editor.template_list.count() == 2)
    return editor


def _open_email_dialog(qtbot, window) -> EmailDialog:
    window.triage.ask_email()
    qtbot.waitUntil(lambda: isinstance(window.triage.dialog, EmailDialog))
    return window.triage.dialog


def _activities(database, lead_id) -> list[tuple[str, str]]:
    with database.session() as session:
        rows = session.execute(select(Activity.kind, Activity.summary).where(Activity.lead_id == lead_id))
        return [tuple(row) for row in rows]


# --- Template editor ---------------------------------------------------------------------


def test_editor_previews_selected_lead(qtbot, window):
    editor = _open_editor(qtbot, window)

    assert editor.name_edit.text() == "First touch"
    assert editor.key_label.text() == "first_touch"
    assert editor.preview_box.title() == "Preview for Late Lara"
    assert editor.preview_subject.text() == "Subject: Your request at Acme"
    assert editor.preview_body.toPlainText().startswith("Hi Lara,")
    assert not editor.save_button.isEnabled()


def test_editor_flags_unknown_field(qtbot, window, database):
    editor = _open_editor(qtbot, window)

    editor.body_edit.setPlainText("Hi {first_name}, about {budget} at {company}")

    assert editor.fields_label.text().startswith("Unknown field in the body: {budget}.\nUse one of: {first_name}")
    assert not editor.save_button.isEnabled()
    assert editor.preview_body.toPlainText() == "Hi Lara, about {budget} at Acme"

    editor.body_edit.setPlainText("Hi {first_name}, about the budget at {company}")
    assert editor.fields_label.text().startswith("Fields: {first_name}")
    assert editor.save_button.isEnabled()

    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        editor.save_button.click()
    with database.session() as session:
        assert get_template(session, "first_touch").body == "Hi {first_name}, about the budget at {company}"


def test_editor_flags_malformed_brace(qtbot, window):
    editor = _open_editor(qtbot, window)

    editor.subject_edit.setText("Hi {first_name")

    assert 'invalid brace in template text "Hi {first_name"' in editor.fields_label.text()
    assert not editor.save_button.isEnabled()


def test_editor_rejects_format_spec_preview(qtbot, window):
    editor = _open_editor(qtbot, window)

    editor.subject_edit.setText("Hi {first_name!r} at {company.upper}")
    editor.body_edit.setPlainText("Dear {first_name:>40}\n{unknown_field}\nbad {brace")

    lines = editor.fields_label.text().split("\n")
    assert lines[0].startswith("placeholder {first_name!r} uses a conversion")
    assert lines[1].startswith("invalid brace in template text")
    assert lines[-1].startswith("Use one of:")
    assert "\\n" not in editor.fields_label.text()
    assert "built-in method" not in editor.preview_subject.text()
    assert "'Lara'" not in editor.preview_subject.text()
    assert not editor.save_button.isEnabled()


def test_editor_keeps_unsaved_edit(qtbot, window):
    editor = _open_editor(qtbot, window)
    editor.subject_edit.setText("Changed subject")

    editor.template_list.setCurrentRow(1)

    assert editor.template_list.currentRow() == 0
    assert editor.subject_edit.text() == "Changed subject"
    assert editor.error_label.text() == "Save or revert your changes to First touch first."
    editor.revert_button.click()
    assert editor.subject_edit.text() == "Your request at {company}"


def test_editor_creates_then_deletes(qtbot, window, database):
    editor = _open_editor(qtbot, window)

    editor.new_button.click()
    editor.name_edit.setText("Case study")
    editor.subject_edit.setText("How {company} saves time")
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        editor.save_button.click()
    qtbot.waitUntil(lambda: editor.template_list.count() == 3)
    assert editor.current_key == "case_study"
    assert editor.template_list.currentItem().text() == "Case study"

    editor.ask_delete()
    box = editor.confirm_box
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: editor.template_list.count() == 2)
    with database.session() as session:
        assert [template.key for template in list_templates(session)] == ["first_touch", "follow_up"]


def test_email_dialog_uses_edited_template(qtbot, window, database):
    editor = _open_editor(qtbot, window)
    editor.subject_edit.setText("Quick question for {company}")
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        editor.save_button.click()
    editor.close()

    dialog = _open_email_dialog(qtbot, window)

    assert dialog.subject_label.text() == "Quick question for Acme"
    assert dialog.send_button is None
    assert dialog.via_label.text().startswith("Without an SMTP account")
    dialog.close()


# --- SMTP -----------------------------------------------------------------------------------


def test_send_by_smtp_logs_email(qtbot, window, database, leads, request):
    mailbox = Mailbox()
    server = start_server(mailbox)
    request.addfinalizer(server.stop)
    with database.session() as session:
        save_account(session, "tester", SmtpAccount(LOOPBACK, server.port, Security.NONE, "", "tester@example.com"))

    dialog = _open_email_dialog(qtbot, window)
    assert dialog.send_button is not None
    assert dialog.send_button.isDefault()
    with qtbot.waitSignal(window.triage.outreach.sent, timeout=WAIT_MS):
        dialog.send_button.click()

    assert dialog.send_mode == SEND_SMTP
    assert [envelope.rcpt_tos for envelope in mailbox.messages] == [["lara@acme.example"]]
    assert _activities(database, leads["overdue"]) == [
        ("email", f"Email sent: Your request at Acme (first_touch template, by SMTP to lara@acme.example)")
    ]
    with database.session() as session:
        assert session.get(Lead, leads["overdue"]).first_contacted_at == NOW


def test_send_signs_with_rep_name(qtbot, window, database, leads, request):
    mailbox = Mailbox()
    server = start_server(mailbox)
    request.addfinalizer(server.stop)
    account = SmtpAccount(LOOPBACK, server.port, Security.NONE, "", "tester@example.com", display_name="Sam Lee")
    with database.session() as session:
        save_account(session, "tester", account)

    dialog = _open_email_dialog(qtbot, window)
    with qtbot.waitSignal(window.triage.outreach.sent, timeout=WAIT_MS):
        dialog.send_button.click()

    sent = message_from_bytes(mailbox.messages[0].original_content)
    body = sent.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert sent["From"] == "Sam Lee <tester@example.com>"
    assert body.rstrip().endswith("Best,\nSam Lee")
    assert "tester" not in body


def test_send_failure_shows_setting(qtbot, window, database, leads):
    port = free_loopback_port()
    with database.session() as session:
        save_account(session, "tester", SmtpAccount(LOOPBACK, port, Security.NONE, "", "tester@example.com"))

    dialog = _open_email_dialog(qtbot, window)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: window.triage.outreach.error_box is not None, timeout=WAIT_MS)

    box = window.triage.outreach.error_box
    assert box.text() == "Could not send the email."
    assert f"could not reach SMTP server {LOOPBACK}:{port}" in box.informativeText()
    assert "check Host and Port in Leads > SMTP account" in box.informativeText()
    assert _activities(database, leads["overdue"]) == []
    box.close()


def test_smtp_dialog_saves_account_and_password(qtbot, window, database, memory_keyring):
    window.triage.outreach.open_smtp_settings()
    qtbot.waitUntil(lambda: isinstance(window.triage.outreach.dialog, SmtpSettingsDialog))
    dialog = window.triage.outreach.dialog
    assert dialog.port_spin.value() == 587

    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData("ssl"))
    assert dialog.port_spin.value() == 465
    dialog.host_edit.setText("smtp.example.com")
    dialog.user_edit.setText("tester@example.com")
    dialog.from_edit.setText("tester")
    dialog.password_edit.setText("pw-123")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.error_label.text().startswith("invalid From address 'tester'")

    dialog.from_edit.setText("tester@example.com")
    with qtbot.waitSignal(window.triage.message, timeout=WAIT_MS) as status:
        dialog.accept()

    assert status.args[0] == "SMTP account saved. The password is saved in your system keyring."
    assert memory_keyring.passwords == {("LeadDesk SMTP", "tester@example.com@smtp.example.com"): "pw-123"}
    with database.session() as session:
        assert load_account(session, "tester") == SmtpAccount(
            "smtp.example.com", 465, Security.SSL, "tester@example.com", "tester@example.com"
        )


def test_leads_menu_has_outreach_actions(window):
    outreach = window.triage.outreach

    assert outreach.templates_action.text() == "Email &templates..."
    assert outreach.smtp_action.text() == "SMTP &account..."


# --- Sequences ------------------------------------------------------------------------------


def _enrollment_status(database, lead_id) -> list[tuple[str, str]]:
    with database.session() as session:
        rows = session.execute(select(SequenceEnrollment.sequence_key, SequenceEnrollment.status).where(SequenceEnrollment.lead_id == lead_id))
        return [tuple(row) for row in rows]


def test_panel_enroll_pause_resume_stop(qtbot, window, database, leads):
    panel = window.triage.sequence_panel
    qtbot.waitUntil(lambda: panel.lead_id == leads["overdue"] and len(panel.catalog) == 2)
    assert panel.empty_label.isVisibleTo(window)
    assert panel.enroll_button.isEnabled()

    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.enroll_menu.actions()[0].trigger()
    assert panel.list.item(0).text().startswith("New inbound lead: step 2 of 5: call, due ")
    assert panel.pause_button.isEnabled()
    assert not panel.resume_button.isEnabled()

    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.pause_button.click()
    assert panel.list.item(0).text() == "New inbound lead: step 2 of 5: call (paused: paused by tester)"
    assert panel.resume_button.isEnabled()

    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.resume_button.click()
    assert _enrollment_status(database, leads["overdue"]) == [("new_inbound", "active")]

    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.stop_button.click()
    assert panel.list.item(0).text() == "New inbound lead: stopped (stopped by tester)"
    assert not panel.stop_button.isEnabled()
    assert _enrollment_status(database, leads["overdue"]) == [("new_inbound", "stopped")]


def test_context_menu_pauses_sequence(qtbot, window, database, leads):
    with database.session() as session:
        sequences.enroll(session, leads["overdue"], "reengage", "tester", NOW, BusinessCalendar(timezone_name="UTC"))
    row = window.model.row_of(leads["overdue"])
    rect = window.table.visualRect(window.model.index(row, 0))

    window.triage.show_context_menu(QPoint(rect.center()))
    qtbot.waitUntil(lambda: window.triage.context_menu is not None)

    menu = window.triage.context_menu
    texts = [action.text() for action in menu.actions()]
    assert "Re-engage a quiet lead: step 1 of 2: email (follow_up)" in texts
    assert "Resume Re-engage a quiet lead" not in texts
    pause = next(action for action in menu.actions() if action.text() == "Pause Re-engage a quiet lead")
    with qtbot.waitSignal(window.triage.changed, timeout=WAIT_MS):
        pause.trigger()
    menu.close()
    assert _enrollment_status(database, leads["overdue"]) == [("reengage", "paused")]


def test_resume_sequence_advances(qtbot, window, database, leads):
    calendar = BusinessCalendar(timezone_name="UTC")
    with database.session() as session:
        enrollment = sequences.enroll(session, leads["overdue"], "reengage", "tester", NOW, calendar)
        sequences.pause(session, enrollment.id, "tester", NOW)
        enrollment_id = enrollment.id

    with qtbot.waitSignal(window.triage.changed, timeout=WAIT_MS):
        window.triage.resume_enrollment(leads["overdue"], enrollment_id)

    assert _enrollment_status(database, leads["overdue"]) == [("reengage", "active")]
    with database.session() as session:
        notes = list(session.scalars(select(FollowUp.note).where(FollowUp.lead_id == leads["overdue"])))
    assert any(note.startswith("Re-engage a quiet lead, step 1 of 2") for note in notes), notes


def test_m_preselects_sequence_template(qtbot, window, database, leads):
    calendar = BusinessCalendar(timezone_name="UTC")
    with database.session() as session:
        sequences.enroll(session, leads["overdue"], "reengage", "tester", NOW, calendar)
        sequences.advance(session, NOW, calendar)

    dialog = _open_email_dialog(qtbot, window)

    assert dialog.template_key() == "follow_up"
    assert dialog.subject_label.text() == "Following up, Lara"
    dialog.close()
