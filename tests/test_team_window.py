"""The window's team entries with real widgets: team folders, live changes, server, backups, presence, history."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from leaddesk.models import Lead
from leaddesk.services import lead_actions
from leaddesk.services.backups import RESTORE_COPY, create_backup
from leaddesk.services.database import Database
from leaddesk.services.server_db.credentials import KEYRING_SERVICE
from leaddesk.services.sync import create_team, join_team, load_identity, sync_pass
from leaddesk.services.team_setup import team_database_path
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.team_dialogs import PresenceDialog, ServerDialog
from pg_server import PASSWORD_ROLE, PASSWORD_ROLE_SECRET

WAIT_MS = 15_000


def open_window(qtbot, database: Database, actor: str = "bob") -> MainWindow:
    window = MainWindow(database, actor=actor)
    qtbot.addWidget(window)
    window.show()
    return window


def close_all(window: MainWindow) -> None:
    while window is not None:
        window.close()
        window = window.replacement


def lead_names(window: MainWindow) -> set[str]:
    names = set()
    for row in range(window.model.rowCount()):
        data = window.model.row_data(row)
        if data is not None:
            names.add(data.name)
    return names


def add_lead(database: Database, **fields) -> Lead:
    with database.session() as session:
        lead = Lead(**fields)
        session.add(lead)
    return lead


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_new_team_database(qtbot, database, tmp_path):
    window = open_window(qtbot, database)
    dialog = window.open_team_folder_dialog(create=True)
    dialog.folder_edit.setText(str(tmp_path / "Dropbox" / "Team"))
    dialog.person_edit.setText("Bob")

    with qtbot.waitSignal(dialog.set_up, timeout=WAIT_MS):
        dialog.ok_button.click()

    assert (tmp_path / "Dropbox" / "Team" / "leaddesk-team.json").is_file()
    with database.session() as session:
        identity = load_identity(session)
        assert identity.person == "Bob"
        assert identity.bundle_path == str((tmp_path / "Dropbox" / "Team").resolve())
    assert window.sync_watcher is not None
    assert "syncs with" in window.statusBar().currentMessage()
    close_all(window)


def test_open_team_database_rejects_plain_folder(qtbot, database, tmp_path):
    window = open_window(qtbot, database)
    dialog = window.open_team_folder_dialog(create=False)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.ok_button.click()

    assert dialog.error_label.isVisible()
    assert "leaddesk-team.json" in dialog.error_label.text()
    with database.session() as session:
        assert load_identity(session) is None
    close_all(window)


@pytest.fixture
def ann_team(tmp_path):
    """Ann's device with the team folder and one lead, synced once."""
    ann = Database.open(tmp_path / "ann.sqlite")
    folder = tmp_path / "Team"
    create_team(ann, folder, "Team", person="Ann", device_name="ann-laptop")
    add_lead(ann, full_name="Ada Byron", company="Acme")
    sync_pass(ann)
    yield ann, folder
    ann.dispose()


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_open_team_database_shows_team_leads(qtbot, database, ann_team):
    _ann, folder = ann_team
    window = open_window(qtbot, database)
    dialog = window.open_team_folder_dialog(create=False)
    dialog.folder_edit.setText(str(folder))
    dialog.person_edit.setText("Bob")
    dialog.ok_button.click()

    qtbot.waitUntil(lambda: "Ada Byron" in lead_names(window), timeout=WAIT_MS)
    assert window.replacement is None
    close_all(window)


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_teammate_change_appears_live(qtbot, database, ann_team):
    ann, folder = ann_team
    join_team(database, folder, person="Bob")
    sync_pass(database)
    window = open_window(qtbot, database)
    qtbot.waitUntil(lambda: window.sync_watcher is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Ada Byron" in lead_names(window), timeout=WAIT_MS)

    with ann.session() as session:
        lead = session.query(Lead).filter_by(full_name="Ada Byron").one()
        lead.company = "Acme Europe"
    sync_pass(ann)

    qtbot.waitUntil(lambda: "Ann changed" in window.last_team_message, timeout=WAIT_MS)
    assert "company of Ada Byron" in window.last_team_message
    close_all(window)


def test_open_team_database_switches_when_in_other_team(qtbot, database, ann_team, tmp_path):
    _ann, folder = ann_team
    create_team(database, tmp_path / "OtherTeam", "Other", person="Bob")
    window = open_window(qtbot, database)
    dialog = window.open_team_folder_dialog(create=False)
    dialog.folder_edit.setText(str(folder))
    dialog.person_edit.setText("Bob")
    dialog.ok_button.click()

    qtbot.waitUntil(lambda: window.replacement is not None, timeout=WAIT_MS)
    replacement = window.replacement
    assert replacement.database.path == team_database_path(folder)
    assert replacement.owns_database
    qtbot.waitUntil(lambda: "Ada Byron" in lead_names(replacement), timeout=WAIT_MS)
    assert not window.isVisible()
    close_all(window)


@pytest.mark.sqlite_only("backups are copies of a local SQLite file")
def test_restore_backup_reopens_window(qtbot, database):
    add_lead(database, full_name="Kept Kim")
    create_backup(database, "manual")
    add_lead(database, full_name="Later Lou")
    window = open_window(qtbot, database)
    qtbot.waitUntil(lambda: lead_names(window) == {"Kept Kim", "Later Lou"}, timeout=WAIT_MS)

    dialog = window.open_restore_dialog()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, dialog.KIND_COLUMN).text() == "manual"
    dialog.restore_button.click()
    assert "Restore the backup taken" in dialog.confirm_box.text()
    dialog.confirm_box.button(QMessageBox.StandardButton.Yes).click()

    qtbot.waitUntil(lambda: window.replacement is not None, timeout=WAIT_MS)
    replacement = window.replacement
    qtbot.waitUntil(lambda: lead_names(replacement) == {"Kept Kim"}, timeout=WAIT_MS)
    assert "Restored the backup" in replacement.statusBar().currentMessage()
    close_all(window)


@pytest.mark.sqlite_only("backups are copies of a local SQLite file")
def test_restore_cancel_changes_nothing(qtbot, database):
    add_lead(database, full_name="Kept Kim")
    create_backup(database, "manual")
    add_lead(database, full_name="Later Lou")
    window = open_window(qtbot, database)
    dialog = window.open_restore_dialog()
    dialog.restore_button.click()
    dialog.confirm_box.button(QMessageBox.StandardButton.Cancel).click()

    assert window.replacement is None
    with database.session() as session:
        assert session.query(Lead).count() == 2
    close_all(window)


@pytest.mark.sqlite_only("backups are copies of a local SQLite file")
def test_restore_runs_off_gui_thread(qtbot, database, monkeypatch):
    """The GUI thread shows each step while the worker thread copies, and the copy reports its pages."""
    from leaddesk.ui import restore_job

    add_lead(database, full_name="Kept Kim")
    backup = create_backup(database, "manual")
    add_lead(database, full_name="Later Lou")
    copying = threading.Event()
    release = threading.Event()
    worker_threads: set[str] = set()
    real_restore = restore_job.restore_backup

    def paused_restore(database_path, backup_path, progress):
        def report(step, copied, total):
            worker_threads.add(threading.current_thread().name)
            progress(step, copied, total)
            if step == RESTORE_COPY and not copying.is_set():
                copying.set()
                assert release.wait(WAIT_MS / 1000), "the test never released the restore"

        return real_restore(database_path, backup_path, report)

    monkeypatch.setattr(restore_job, "restore_backup", paused_restore)
    window = open_window(qtbot, database)
    steps: list[tuple[str, int, int]] = []

    job = window.restore_backup(backup)
    job.progressed.connect(lambda *step: steps.append(step), Qt.ConnectionType.QueuedConnection)

    # The worker waits inside the copy, so the label can only change if the GUI thread keeps running.
    qtbot.waitUntil(lambda: window.restore_progress.labelText() == "Copying the backup...", timeout=WAIT_MS)
    assert copying.is_set()
    assert window.restore_progress.isVisible()
    assert window.replacement is None
    release.set()

    qtbot.waitUntil(lambda: window.replacement is not None, timeout=WAIT_MS)
    replacement = window.replacement
    qtbot.waitUntil(lambda: lead_names(replacement) == {"Kept Kim"}, timeout=WAIT_MS)
    assert "Restored the backup" in replacement.statusBar().currentMessage()
    assert window.restore_progress is None
    assert worker_threads == {"leaddesk-restore"}
    copies = [(copied, total) for step, copied, total in steps if step == RESTORE_COPY and total]
    assert copies
    assert copies[-1][0] == copies[-1][1]
    close_all(window)


@pytest.mark.sqlite_only("backups are copies of a local SQLite file")
def test_restore_damaged_backup_reports_error(qtbot, database):
    add_lead(database, full_name="Kept Kim")
    backup = create_backup(database, "manual")
    add_lead(database, full_name="Later Lou")
    damaged = bytearray(backup.read_bytes())
    damaged[100:4096] = b"\xff" * (4096 - 100)
    backup.write_bytes(bytes(damaged))
    window = open_window(qtbot, database)

    window.restore_backup(backup)

    qtbot.waitUntil(lambda: window.replacement is not None, timeout=WAIT_MS)
    replacement = window.replacement
    qtbot.waitUntil(lambda: lead_names(replacement) == {"Kept Kim", "Later Lou"}, timeout=WAIT_MS)
    message = replacement.statusBar().currentMessage()
    assert message.startswith(f"Could not restore the backup {backup.name}")
    assert "choose an older backup" in message
    boxes = replacement.findChildren(QMessageBox)
    assert [box.text() for box in boxes] == [message]
    close_all(window)


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_presence_lists_devices(qtbot, database, ann_team):
    ann, folder = ann_team
    join_team(database, folder, person="Bob", device_name="bob-desktop")
    sync_pass(database)
    presence_file = folder / "devices" / load_device(ann) / "presence.json"
    record = json.loads(presence_file.read_text())
    record["last_sync_at"] = (datetime.now(timezone.utc) - timedelta(hours=3)).isoformat()
    presence_file.write_text(json.dumps(record))
    window = open_window(qtbot, database)

    dialog = window.open_presence_dialog()
    assert isinstance(dialog, PresenceDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    rows = {
        dialog.table.item(row, dialog.PERSON_COLUMN).text(): dialog.table.item(row, dialog.STATUS_COLUMN).text()
        for row in range(2)
    }
    assert rows == {"Ann": "away", "Bob": "this device"}
    assert dialog.table.item(1, dialog.DEVICE_COLUMN).text() in ("ann-laptop", "bob-desktop")
    close_all(window)


def load_device(database: Database) -> str:
    with database.session() as session:
        return load_identity(session).device_id


def test_lead_history_shows_old_values(qtbot, database):
    lead = add_lead(database, full_name="Ada Byron", company="Acme")
    with database.session() as session:
        lead_actions.edit_lead(session, lead.id, {"company": "Acme Europe"}, "ann")
    with database.session() as session:
        lead_actions.edit_lead(session, lead.id, {"company": "Bolt"}, "bob")
    window = open_window(qtbot, database)
    window.show_lead(lead.id)
    qtbot.waitUntil(lambda: window.detail_pane.detail is not None, timeout=WAIT_MS)

    dialog = window.open_lead_history_dialog()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    newest = [dialog.table.item(0, column).text() for column in range(6)]
    assert newest[1:] == ["bob", "", "company", "Acme Europe", "Bolt"]
    older = [dialog.table.item(1, column).text() for column in range(6)]
    assert older[1:] == ["ann", "", "company", "Acme", "Acme Europe"]
    assert dialog.table.item(1, 0).toolTip() == "Replaced by a later change"
    close_all(window)


def test_lead_history_shows_team_device(qtbot, database, ann_team):
    ann, folder = ann_team
    join_team(database, folder, person="Bob", device_name="bob-desktop")
    sync_pass(database)
    window = open_window(qtbot, database)
    qtbot.waitUntil(lambda: "Ada Byron" in lead_names(window), timeout=WAIT_MS)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail_pane.detail is not None, timeout=WAIT_MS)

    dialog = window.open_lead_history_dialog()
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    rows = [[dialog.table.item(row, column).text() for column in range(6)] for row in range(dialog.table.rowCount())]
    assert ["Ann", "ann-laptop", "company", "(blank)", "Acme"] == rows_for(rows, "company")[1:]
    close_all(window)


def rows_for(rows: list[list[str]], field: str) -> list[str]:
    return next(row for row in rows if row[3] == field)


def test_server_dialog_stores_password(qtbot, pg_server, pg_database, pg_url, memory_keyring):
    name = pg_url.rsplit("/", 1)[1]
    pg_server.execute_admin(f'GRANT CONNECT ON DATABASE "{name}" TO {PASSWORD_ROLE}')
    with pg_database.engine.begin() as connection:
        connection.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {PASSWORD_ROLE}"))
    url = pg_server.url_for(name, role=PASSWORD_ROLE).render_as_string(hide_password=False).replace("+psycopg", "")
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.url_edit.setText(url)
    dialog.password_edit.setText("wrong password")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=WAIT_MS)
    assert "rejected the password" in dialog.error_label.text()
    assert memory_keyring.passwords == {}

    dialog.password_edit.setText(PASSWORD_ROLE_SECRET)
    with qtbot.waitSignal(dialog.opened, timeout=WAIT_MS) as opened:
        dialog.connect_button.click()

    database = opened.args[0]
    assert database.engine.dialect.name == "postgresql"
    database.dispose()
    assert list(memory_keyring.passwords.values()) == [PASSWORD_ROLE_SECRET]
    assert next(iter(memory_keyring.passwords))[0] == KEYRING_SERVICE


def test_server_change_appears_live(qtbot, pg_database, pg_url):
    window = open_window(qtbot, pg_database, actor="ann")
    qtbot.waitUntil(lambda: window.live_watcher is not None and window.live_watcher.listener is not None, timeout=WAIT_MS)
    assert window.live_watcher.listener.wait_listening(10)

    other = Database.open(pg_url)
    try:
        with other.session() as session:
            session.add(Lead(full_name="Ada Byron", updated_by="bob"))
        qtbot.waitUntil(lambda: "Ada Byron" in lead_names(window), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "bob changed" in window.last_team_message, timeout=WAIT_MS)
        assert "Ada Byron" in window.last_team_message

        with other.session() as session:
            session.execute(text("UPDATE leads SET company = 'Bolt', updated_by = 'carl'"))
        qtbot.waitUntil(lambda: "carl changed Ada Byron" in window.last_team_message, timeout=WAIT_MS)
    finally:
        other.dispose()
    close_all(window)


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_copied_database_notice_shown(qtbot, database, ann_team, tmp_path):
    """A window on Ann's database, copied and used elsewhere, shows that it became a new device."""
    ann, _folder = ann_team
    ann.dispose()
    copy_path = tmp_path / "copy" / "leads.sqlite"
    copy_path.parent.mkdir()
    shutil.copy(ann.path, copy_path)
    copy = Database.open(copy_path)
    with copy.session() as session:
        session.add(Lead(full_name="Copy Carl"))
    sync_pass(copy)
    original = Database.open(ann.path)
    window = open_window(qtbot, original, actor="ann")
    messages: list[str] = []
    show = window.show_team_message
    # The teammate-change message of the same pass replaces the notice in the status bar, so record both.
    window.show_team_message = lambda text: (messages.append(text), show(text))
    try:
        qtbot.waitUntil(lambda: window.sync_watcher is not None, timeout=WAIT_MS)
        window.sync_watcher.request_pass()
        qtbot.waitUntil(lambda: any("This database is now device" in message for message in messages), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "Copy Carl" in lead_names(window), timeout=WAIT_MS)
    finally:
        close_all(window)
        copy.dispose()
        original.dispose()
