"""The main window with real widgets and worker threads, on a temporary SQLite file."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QMimeData, QPoint, QPointF, Qt, QTranslator, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from leaddesk.models import Activity, Lead
from leaddesk.services.database import Database
from leaddesk.services.playbook import set_team_timezone
from leaddesk.ui import app
from leaddesk.ui.import_dialog import ImportDialog
from leaddesk.ui.labels import DUE_SOON_BACKGROUND, OVERDUE_BACKGROUND
from leaddesk.ui.lead_dialogs import FollowUpDialog, NoteDialog
from leaddesk.ui.lead_table_model import COLUMN_INDEX, STATE_ROLE
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.tasks import TaskRunner
from window_leads import Clock, add_overdue_and_waiting

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)
BACKGROUND = Qt.ItemDataRole.BackgroundRole


class WordTranslator(QTranslator):
    """A translator that replaces whole source texts from a dictionary, in any context."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def translate(self, context, source_text, disambiguation=None, n=-1):
        return self.texts.get(source_text, source_text)


class GatedRunner(TaskRunner):
    """A TaskRunner whose reads with a gated description run their queries, then wait for the test to open the gate.

    The result is read when the read starts but arrives when the test chooses. A waiting read
    holds no SQLite lock, because its SELECT statements have finished.
    """

    def __init__(self, database) -> None:
        super().__init__(database)
        self.gates: dict[str, threading.Event] = {}

    def gate(self, description: str) -> threading.Event:
        self.gates[description] = threading.Event()
        return self.gates[description]

    def read(self, work, on_success=None, on_failure=None, description="read"):
        gate = self.gates.get(description)
        if gate is not None:
            inner = work

            def work(session):
                result = inner(session)
                gate.wait(10)
                return result

        super().read(work, on_success, on_failure, description)


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    return add_overdue_and_waiting(
        database,
        NOW,
        overdue_fields={"company": "Acme", "custom_fields": {"Budget": "50k"}},
        waiting_fields={"company": "Globex", "score": 20},
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def window(qtbot, database, leads, clock) -> MainWindow:
    window = MainWindow(database, clock=clock, actor="tester")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    qtbot.waitUntil(lambda: window.model.row_data(0) is not None and window.model.row_data(1) is not None)
    return window


def row_of(window: MainWindow, lead_id: uuid.UUID) -> int:
    row = window.model.row_of(lead_id)
    assert row is not None
    return row


def painted_colour(window: MainWindow, row: int):
    """Return the colour painted near the right end of the row's name cell, past the short name."""
    rect = window.table.visualRect(window.model.index(row, COLUMN_INDEX["name"]))
    image = window.table.viewport().grab().toImage()
    return image.pixelColor(rect.right() - 4, rect.center().y())


def test_overdue_row_red(window, leads):
    row = row_of(window, leads["overdue"])

    assert row == 0
    assert window.model.data(window.model.index(row, 0), BACKGROUND) == OVERDUE_BACKGROUND
    window.table.clearSelection()
    assert painted_colour(window, row) == OVERDUE_BACKGROUND
    assert window.model.data(window.model.index(1, 0), BACKGROUND) is None


def test_mark_contacted_clears_overdue(qtbot, window, leads, database):
    row = row_of(window, leads["overdue"])
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    assert window.overdue_label.text() == "1 overdue"

    with qtbot.waitSignal(window.lead_changed):
        qtbot.mouseClick(window.detail_pane.contacted_button, Qt.MouseButton.LeftButton)

    def contacted() -> bool:
        new_row = window.model.row_of(leads["overdue"])
        return new_row is not None and window.model.data(window.model.index(new_row, 0), STATE_ROLE) == "contacted"

    qtbot.waitUntil(contacted)
    new_row = row_of(window, leads["overdue"])
    assert window.model.data(window.model.index(new_row, 0), BACKGROUND) is None
    window.table.clearSelection()
    other_row = row_of(window, leads["waiting"])
    assert painted_colour(window, new_row) == painted_colour(window, other_row)
    assert painted_colour(window, new_row) != OVERDUE_BACKGROUND
    qtbot.waitUntil(lambda: window.overdue_label.text() == "0 overdue")
    with database.session() as session:
        lead = session.get(Lead, leads["overdue"])
        assert lead.first_contacted_at == NOW
        assert lead.updated_by == "tester"


def test_contacted_before_first_page(qtbot, database, leads):
    runner = GatedRunner(database)
    pages = runner.gate("load leads")
    window = MainWindow(database, runner=runner, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    assert not window.model.is_page_loaded(0)

    refreshes = runner.gate("refresh the inbox")
    with qtbot.waitSignal(window.lead_changed):
        qtbot.mouseClick(window.detail_pane.contacted_button, Qt.MouseButton.LeftButton)

    # The write's own read-back shows the row before any page or refresh arrives.
    assert window.model.data(window.model.index(0, 0), STATE_ROLE) == "contacted"
    assert window.detail_pane.detail.first_contacted_at == NOW

    # The first page was requested before the write and still contains the overdue lead.
    with qtbot.waitSignal(window.model.page_loaded):
        pages.set()
    assert window.model.is_page_loaded(0)
    assert window.model.data(window.model.index(0, 0), STATE_ROLE) == "contacted"
    assert window.model.data(window.model.index(0, 0), BACKGROUND) is None

    with qtbot.waitSignal(window.refreshed):
        refreshes.set()
    qtbot.waitUntil(lambda: window.model.is_page_loaded(0))
    row = row_of(window, leads["overdue"])
    assert row == 1
    assert window.model.data(window.model.index(row, 0), STATE_ROLE) == "contacted"
    assert window.model.data(window.model.index(row, 0), BACKGROUND) is None
    assert window.overdue_label.text() == "0 overdue"
    assert window.detail_pane.lead_id == leads["overdue"]


def test_old_detail_read_ignored(qtbot, window, leads):
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    before = window.detail_pane.detail

    with qtbot.waitSignal(window.lead_changed):
        qtbot.mouseClick(window.detail_pane.contacted_button, Qt.MouseButton.LeftButton)
    window._show_detail(before)

    assert window.detail_pane.detail.row_version == before.row_version + 1
    assert window.detail_pane.detail.first_contacted_at == NOW


def test_sample_leads_select_first(qtbot, tmp_path):
    database = Database.open(tmp_path / "fresh.sqlite")
    window = MainWindow(database, clock=lambda: NOW)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.total_label.text() == "0 lead(s) shown")

    window.load_sample_leads()

    qtbot.waitUntil(lambda: window.detail_pane.lead_id is not None)
    assert window.detail_pane.lead_id == window.model.lead_id(0)
    window.close()
    database.dispose()


def test_columns_fit_1400_wide(qtbot, window):
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.width() == 1400)
    table = window.table
    header = table.horizontalHeader()

    assert not table.horizontalScrollBar().isVisible()
    for key, index in COLUMN_INDEX.items():
        right_edge = header.sectionViewportPosition(index) + header.sectionSize(index)
        assert right_edge <= table.viewport().width(), key
    for key in ("due", "stage", "owner", "score", "received"):
        assert header.sectionSize(COLUMN_INDEX[key]) >= table.natural_widths[key], key
    for key, minimum in table.minimum_widths.items():
        assert header.sectionSize(COLUMN_INDEX[key]) >= minimum, key
    assert window.detail_pane.width() >= 330


def test_dragged_column_width_kept(qtbot, window):
    header = window.table.horizontalHeader()
    email = COLUMN_INDEX["email"]
    header.resizeSection(email, 300)

    window.resize(1200, 800)
    qtbot.waitUntil(lambda: window.width() == 1200)

    assert header.sectionSize(email) == 300


def test_starts_on_most_urgent(qtbot, window, leads):
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])

    assert window.table.currentIndex().row() == 0


def test_detail_pane_fields(qtbot, window, leads):
    window.table.selectRow(row_of(window, leads["overdue"]))
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])

    pane = window.detail_pane
    assert pane.name_label.text() == "Late Lara"
    assert pane.state_label.text() == "Overdue by 30m 0s"
    shown = [
        pane.fields_form.itemAt(row, pane.fields_form.ItemRole.FieldRole).widget().text()
        for row in range(pane.fields_form.rowCount())
    ]
    assert "50k" in shown
    assert "Ana Lopez" in shown


def test_detail_state_translated(qtbot, window, leads):
    translator = WordTranslator(
        {
            "Overdue by {duration}": "Überfällig seit {duration}",
            "{minutes}m {seconds}s": "{minutes} Min. {seconds} Sek.",
        }
    )
    QCoreApplication.installTranslator(translator)
    try:
        qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
        window.tick()

        assert window.detail_pane.state_label.text() == "Überfällig seit 30 Min. 0 Sek."
    finally:
        QCoreApplication.removeTranslator(translator)


FRIDAY_EVENING = datetime(2024, 5, 10, 20, 0, tzinfo=timezone.utc)
MONDAY_OPENING = datetime(2024, 5, 13, 9, 0, tzinfo=timezone.utc)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture
def weekend_leads(database) -> dict[str, uuid.UUID]:
    """Create a business-hours lead and a round-the-clock lead on a Friday evening, in a UTC team."""
    with database.session() as session:
        set_team_timezone(session, "UTC")
        general = Lead(
            full_name="Weekend Wes",
            segment="general",
            received_at=FRIDAY_EVENING - timedelta(hours=1),
            response_due_at=datetime(2024, 5, 13, 18, 0, tzinfo=timezone.utc),
            response_warn_at=datetime(2024, 5, 13, 15, 45, tzinfo=timezone.utc),
        )
        demo = Lead(
            full_name="Demo Dana",
            segment="enterprise_demo",
            received_at=FRIDAY_EVENING - timedelta(minutes=2),
            response_due_at=FRIDAY_EVENING + timedelta(minutes=3),
            response_warn_at=FRIDAY_EVENING + timedelta(seconds=45),
        )
        session.add_all([general, demo])
        session.flush()
        return {"general": general.id, "demo": demo.id}


@pytest.fixture
def english_locale(qapp):
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


def test_paused_clock_noted(qtbot, database, weekend_leads, english_locale):
    clock = Clock(FRIDAY_EVENING)
    window = MainWindow(database, clock=clock, actor="tester")
    qtbot.addWidget(window)
    window.show()
    opening = MONDAY_OPENING.astimezone()
    when = f"{WEEKDAYS[opening.weekday()]} {opening:%H:%M}"

    qtbot.waitUntil(lambda: window.detail_pane.lead_id == weekend_leads["demo"])
    assert window.detail_pane.state_label.text() == "Due in 3m 0s"
    assert window.business_hours_label.isVisible()
    assert window.business_hours_label.text() == f"Outside business hours · clocks start {when}"
    assert "General website visitor" in window.business_hours_label.toolTip()
    assert "Enterprise demo request" not in window.business_hours_label.toolTip()

    window.table.selectRow(row_of(window, weekend_leads["general"]))
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == weekend_leads["general"])
    assert window.detail_pane.state_label.text() == f"Due in 2d 22h · clock starts {when}"

    clock.now = MONDAY_OPENING + timedelta(seconds=1)
    window.tick()

    assert not window.business_hours_label.isVisible()
    assert window.detail_pane.state_label.text() == "Due in 8h 59m"


def test_follow_up_dialog_saves(qtbot, window, leads, database):
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    qtbot.mouseClick(window.detail_pane.follow_up_button, Qt.MouseButton.LeftButton)
    (dialog,) = window.findChildren(FollowUpDialog)
    due_at = datetime(2024, 5, 8, 9, 30, tzinfo=timezone.utc)
    dialog.due_edit.setDateTime(QDateTime(due_at.astimezone()))
    dialog.note_edit.setText("send pricing")

    with qtbot.waitSignal(window.lead_changed):
        dialog.accept()

    with database.session() as session:
        assert session.get(Lead, leads["overdue"]).next_follow_up_at == due_at
    qtbot.waitUntil(lambda: len(window.detail_pane.detail.follow_ups) == 1)
    assert window.detail_pane.detail.follow_ups[0].note == "send pricing"
    assert window.detail_pane.follow_up_list.count() == 1


def test_note_dialog_saves(qtbot, window, leads):
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    qtbot.mouseClick(window.detail_pane.note_button, Qt.MouseButton.LeftButton)
    (dialog,) = window.findChildren(NoteDialog)
    ok_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok_button.isEnabled()

    dialog.text_edit.setPlainText("Asked for a demo next week")
    assert ok_button.isEnabled()
    with qtbot.waitSignal(window.lead_changed):
        qtbot.mouseClick(ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.detail_pane.detail.timeline != ())
    assert window.detail_pane.detail.timeline[0].summary == "Asked for a demo next week"
    assert window.detail_pane.detail.timeline[0].actor == "tester"


def test_clock_turns_row_amber(qtbot, window, leads, clock):
    row = row_of(window, leads["waiting"])
    assert window.model.data(window.model.index(row, 0), BACKGROUND) is None

    clock.now = NOW + timedelta(minutes=12)
    window.tick()

    assert window.model.data(window.model.index(row, 0), BACKGROUND) == DUE_SOON_BACKGROUND
    due = window.model.data(window.model.index(row, COLUMN_INDEX["due"]))
    assert due == "due in 8m 0s"


def test_header_click_sorts(qtbot, window, leads):
    header = window.table.horizontalHeader()
    score_x = header.sectionViewportPosition(COLUMN_INDEX["score"]) + 5

    def click_score_header() -> None:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(score_x, 5))

    def first_is(lead_id: uuid.UUID) -> bool:
        return window.model.lead_id(0) == lead_id

    click_score_header()
    click_score_header()
    qtbot.waitUntil(lambda: first_is(leads["waiting"]))
    assert header.sortIndicatorSection() == COLUMN_INDEX["score"]

    click_score_header()
    qtbot.waitUntil(lambda: first_is(leads["overdue"]))
    assert header.sortIndicatorSection() == -1


def test_search_filters_rows(qtbot, window):
    window.filter_bar.search_edit.setText("globex")
    window.filter_bar.flush_search()

    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    qtbot.waitUntil(lambda: window.model.row_data(0) is not None)
    assert window.model.row_data(0).name == "Wait Walt"


def test_owner_filter_lists_reps(qtbot, window):
    combo = window.filter_bar.owner_combo
    qtbot.waitUntil(lambda: combo.count() == 2)

    combo.setCurrentIndex(combo.findData("Ana Lopez"))

    qtbot.waitUntil(lambda: window.model.rowCount() == 1)


def test_change_stage_from_combo(qtbot, window, leads, database):
    window.table.selectRow(row_of(window, leads["waiting"]))
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["waiting"])
    combo = window.detail_pane.stage_combo

    with qtbot.waitSignal(window.lead_changed):
        combo.setCurrentIndex(combo.findData("qualified"))
        combo.activated.emit(combo.currentIndex())

    with database.session() as session:
        assert session.get(Lead, leads["waiting"]).stage == "qualified"
    qtbot.waitUntil(lambda: window.detail_pane.detail.stage == "qualified")
    assert window.detail_pane.detail.timeline[0].kind == "stage_change"


def test_stale_edit_shows_error(qtbot, window, leads, database):
    window.table.selectRow(row_of(window, leads["waiting"]))
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["waiting"])
    with database.session() as session:
        session.get(Lead, leads["waiting"]).notes = "edited elsewhere"

    qtbot.mouseClick(window.detail_pane.contacted_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.detail_pane.detail.row_version == 2)
    with database.session() as session:
        assert session.get(Lead, leads["waiting"]).first_contacted_at is None
    shown = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(shown) == 1
    assert "changed by someone else" in shown[0].informativeText()


@pytest.mark.sqlite_only("it expects SQLite's 'no such table' error; on PostgreSQL the rename waits for the open window's lock")
def test_refresh_failure_in_status_bar(qtbot, window, database):
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE leads RENAME TO leads_moved")

    window.refresh()

    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Could not refresh the inbox"))
    assert "no such table" in window.statusBar().currentMessage()
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
    assert window.model.rowCount() == 2


def test_sample_leads_load(qtbot, tmp_path):
    database = Database.open(tmp_path / "fresh.sqlite")
    window = MainWindow(database, clock=lambda: NOW)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.total_label.text() == "0 lead(s) shown")

    window.load_sample_leads()

    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    assert window.model.rowCount() >= 10
    window.close()
    database.dispose()


def test_drop_opens_import(qtbot, window, tmp_path):
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("Email,Company\nnew@example.com,Initech\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv_file))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )

    window.dropEvent(event)

    dialogs = window.findChildren(ImportDialog)
    assert len(dialogs) == 1
    assert dialogs[0].path == csv_file
    qtbot.waitUntil(lambda: dialogs[0].preview is not None)
    dialogs[0].reject()


def test_import_dialog_imports(qtbot, window, database, tmp_path):
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text(
        "Email,Company,Fav colour\nnew@example.com,Initech,blue\nsecond@example.com,Hooli,red\n", encoding="utf-8"
    )
    window.open_import_dialog(csv_file)
    (dialog,) = window.findChildren(ImportDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None)
    assert dialog.mapping() == {"Email": "email", "Company": "company", "Fav colour": "custom:Fav colour"}

    combo = dialog.target_combo("Fav colour")
    combo.setCurrentIndex(combo.findData("industry"))
    dialog.historical_check.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    report = imported.args[0]
    assert "Delimiter: comma" in dialog.format_label.text()
    assert report.created == 2
    assert "Created 2, updated 0, skipped 0, rejected 0." in dialog.status_label.text()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    with database.session() as session:
        lead = session.query(Lead).filter_by(email="new@example.com").one()
        assert lead.industry == "blue"
        assert lead.response_due_at is None
        assert session.query(Activity).filter_by(lead_id=lead.id).count() >= 1


def test_import_dialog_cancel(qtbot, window, database, tmp_path):
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("Email,Company\nnew@example.com,Initech\n", encoding="utf-8")
    window.open_import_dialog(csv_file)
    (dialog,) = window.findChildren(ImportDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None)
    # Hold the write lane, so the import cannot start before the cancel is set.
    gate = threading.Event()
    window.runner.job(lambda _database: gate.wait(10))

    dialog.start_import()
    dialog.reject()
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.import_finished):
        gate.set()

    assert "cancelled" in dialog.status_label.text()
    assert dialog.report is None
    with database.session() as session:
        assert session.query(Lead).filter_by(email="new@example.com").count() == 0


def test_import_dialog_bad_file(qtbot, window, tmp_path):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)

    window.open_import_dialog(binary)
    (dialog,) = window.findChildren(ImportDialog)

    qtbot.waitUntil(lambda: dialog.file_label.text().startswith("Cannot import"))
    assert dialog.preview is None
    assert not dialog.import_button.isEnabled()


def test_open_database_error_box(monkeypatch, tmp_path):
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_text("plain text\n")
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))

    assert app.open_database(str(not_sqlite)) is None

    assert len(messages) == 1
    assert "not a LeadDesk database" in messages[0]


def test_core_imports_no_qt():
    """Import every module under leaddesk.models and leaddesk.services in a fresh interpreter; no Qt may load."""
    package_root = Path(__file__).resolve().parents[1] / "leaddesk"
    modules = []
    for folder in ("models", "services"):
        for path in sorted((package_root / folder).rglob("*.py")):
            parts = path.relative_to(package_root.parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules.append(".".join(parts))
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(name for name in sys.modules if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(qt))\n"
    )

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert "leaddesk.services.inbox" in modules
    assert result.stdout.strip() == ""
