"""The import dialog's read options, import policy and dry run, with real widgets and worker threads."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt

from leaddesk.models import Lead
from leaddesk.services.importing import run_import
from leaddesk.ui.import_dialog import PLAN_DETAIL_COLUMN, ImportDialog
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


def open_dialog(qtbot, runner, path: Path) -> ImportDialog:
    dialog = ImportDialog(runner, path, actor="tester")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None)
    return dialog


def sample_text(dialog: ImportDialog, header: str) -> str:
    for row in range(dialog.mapping_table.rowCount()):
        if dialog.mapping_table.item(row, 0).text() == header:
            return dialog.mapping_table.item(row, 2).text()
    raise AssertionError(f"no column {header!r} in the mapping table")


def choose(qtbot, dialog: ImportDialog, combo, data) -> object:
    """Pick the combo entry with this data and return the preview that the change reads."""
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000) as ready:
        combo.setCurrentIndex(combo.findData(data))
    return ready.args[0]


def lead_count(database) -> int:
    with database.session() as session:
        return session.query(Lead).count()


def test_encoding_choice_rereads_preview(qtbot, runner, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("Name,Company\nZoë Ärger,Café €uro\n".encode("cp1252"))
    dialog = open_dialog(qtbot, runner, path)
    assert dialog.encoding_combo.currentText() == "Detected: cp1252"
    assert sample_text(dialog, "Company") == "Café €uro"

    preview = choose(qtbot, dialog, dialog.encoding_combo, "latin-1")
    assert preview.encoding == "latin-1"
    assert sample_text(dialog, "Company") == "Café \x80uro"
    assert "Encoding: latin-1" in dialog.format_label.text()

    preview = choose(qtbot, dialog, dialog.encoding_combo, "utf-8")
    assert preview is None
    assert "not valid utf-8" in dialog.file_label.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.encoding_combo.isEnabled()

    choose(qtbot, dialog, dialog.encoding_combo, "cp1252")
    assert sample_text(dialog, "Name") == "Zoë Ärger"
    assert dialog.import_button.isEnabled()


def test_sheet_choice_rereads_preview(qtbot, runner, tmp_path):
    path = tmp_path / "two sheets.xlsx"
    workbook = Workbook()
    first = workbook.active
    first.title = "Leads"
    first.append(["Email", "Company"])
    first.append(["ann@example.com", "Initech"])
    second = workbook.create_sheet("Partners")
    second.append(["Partner email", "Region"])
    second.append(["bob@example.com", "North"])
    workbook.save(path)
    dialog = open_dialog(qtbot, runner, path)
    assert dialog.sheet_combo.isVisible()
    assert [dialog.sheet_combo.itemText(index) for index in range(dialog.sheet_combo.count())] == ["Leads", "Partners"]
    assert dialog.preview.headers == ["Email", "Company"]
    assert not dialog.encoding_combo.isEnabled()

    preview = choose(qtbot, dialog, dialog.sheet_combo, "Partners")

    assert preview.sheet == "Partners"
    assert preview.headers == ["Partner email", "Region"]
    assert sample_text(dialog, "Region") == "North"
    assert dialog.read_options()["sheet"] == "Partners"


def test_one_sheet_hides_sheet_choice(qtbot, runner, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    assert not dialog.sheet_combo.isVisible()
    assert dialog.read_options() == {"encoding": None, "header_row": None, "sheet": None, "fill_merged": False}
    assert not dialog.fill_merged_check.isVisible()


def test_header_row_spin_rereads_preview(qtbot, runner, tmp_path):
    path = tmp_path / "preamble.csv"
    path.write_text("Exported,2024-05-01\nEmail,Company\nann@example.com,Initech\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    detected = dialog.preview.header_row

    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000) as ready:
        dialog.header_row_spin.setValue(1)
    assert ready.args[0].header_row == 1
    assert ready.args[0].headers == ["Exported", "2024-05-01"]

    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000) as ready:
        dialog.header_row_spin.setValue(2)
    assert ready.args[0].headers == ["Email", "Company"]
    assert detected == 2


def test_dry_run_lists_actions_stores_nothing(qtbot, runner, database, tmp_path):
    existing = tmp_path / "existing.csv"
    existing.write_text("Email,Company\nann@example.com,Initech\n", encoding="utf-8")
    run_import(database, existing, now=NOW)
    path = tmp_path / "new.csv"
    path.write_text(
        "Email,Company\nann@example.com,Hooli\nbob@example.com,Globex\nnot an address,Acme\n",
        encoding="utf-8",
    )
    dialog = open_dialog(qtbot, runner, path)

    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000) as ready:
        qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)

    plan = ready.args[0]
    assert plan.totals() == {"create": 1, "update": 1, "skip": 0, "reject": 1}
    assert "create 1, update 1, skip 0 and reject 1" in dialog.plan_totals_label.text()
    actions = [dialog.plan_table.item(row, 1).text() for row in range(dialog.plan_table.rowCount())]
    assert actions == ["Update", "Create", "Reject"]
    assert "matched by email" in dialog.plan_table.item(0, PLAN_DETAIL_COLUMN).text()
    assert "company" in dialog.plan_table.item(0, PLAN_DETAIL_COLUMN).text()
    assert dialog.plan_table.item(2, PLAN_DETAIL_COLUMN).text() != ""
    assert dialog.tabs.currentWidget() is dialog.plan_page
    assert lead_count(database) == 1
    with database.session() as session:
        assert session.query(Lead).one().company == "Initech"
    assert dialog.import_button.isEnabled()


def test_skip_policy_in_dry_run(qtbot, runner, database, tmp_path):
    existing = tmp_path / "existing.csv"
    existing.write_text("Email,Company\nann@example.com,Initech\n", encoding="utf-8")
    run_import(database, existing, now=NOW)
    path = tmp_path / "new.csv"
    path.write_text("Email,Company\nann@example.com,Hooli\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    dialog.on_match_combo.setCurrentIndex(dialog.on_match_combo.findData("skip"))
    assert not dialog.fill_blanks_check.isEnabled()

    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000) as ready:
        dialog.start_plan()

    assert ready.args[0].totals()["skip"] == 1
    assert dialog.plan_table.item(0, 1).text() == "Skip"


def test_fill_blanks_policy_applied(qtbot, runner, database, tmp_path):
    existing = tmp_path / "existing.csv"
    existing.write_text("Email,Company,City\nann@example.com,Initech,\n", encoding="utf-8")
    run_import(database, existing, now=NOW)
    path = tmp_path / "new.csv"
    path.write_text("Email,Company,City\nann@example.com,Hooli,Oslo\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    dialog.fill_blanks_check.setChecked(True)
    assert dialog.policy().fill_blanks_only

    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.start_import()

    with database.session() as session:
        lead = session.query(Lead).one()
        assert lead.company == "Initech"
        assert lead.city == "Oslo"


def test_changed_option_clears_dry_run(qtbot, runner, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("Email\nbob@example.com\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000):
        dialog.start_plan()
    assert dialog.plan_table.rowCount() == 1

    dialog.historical_check.setChecked(True)

    assert dialog.plan is None
    assert dialog.plan_table.rowCount() == 0


def test_saved_mapping_named(qtbot, runner, database, tmp_path):
    first = tmp_path / "crm-may.csv"
    first.write_text("Mail,Firm\nann@example.com,Initech\n", encoding="utf-8")
    run_import(database, first, mapping={"Mail": "email", "Firm": "company"}, now=NOW)
    second = tmp_path / "crm-june.csv"
    second.write_text("Mail,Firm\nbob@example.com,Hooli\n", encoding="utf-8")

    dialog = open_dialog(qtbot, runner, second)

    assert dialog.saved_mapping_label.isVisible()
    assert "Using the mapping saved on 2024-05-06" in dialog.saved_mapping_label.text()
    assert "using the mapping saved" not in dialog.warnings_label.text()
    assert dialog.mapping() == {"Mail": "email", "Firm": "company"}


def test_suggested_mapping_not_named(qtbot, runner, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    assert not dialog.saved_mapping_label.isVisible()


def test_fill_merged_check_imports_filled(qtbot, runner, database, tmp_path):
    path = tmp_path / "merged.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Email", "City"])
    sheet.append(["Acme", "ann@example.com", "Oslo"])
    sheet.append([None, "bo@example.com", None])
    sheet.append(["Bolt", "cy@example.com", "Rome"])
    sheet.append([None, "dee@example.com", None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("C2:C3")
    workbook.save(path)
    dialog = open_dialog(qtbot, runner, path)
    assert dialog.fill_merged_check.isVisible()
    assert dialog.fill_merged_check.text() == "Fill merged cells (3 range(s))"
    assert sample_text(dialog, "Company") == "Acme | Bolt"
    assert [row[0] for row in dialog.preview.sample_rows] == ["Acme", "", "Bolt", ""]

    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000) as ready:
        dialog.fill_merged_check.setChecked(True)
    assert ready.args[0].fill_merged
    assert [row[0] for row in dialog.preview.sample_rows] == ["Acme", "Acme", "Bolt", "Bolt"]
    assert dialog.read_options()["fill_merged"] is True

    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.start_import()

    with database.session() as session:
        leads = {lead.email: (lead.company, lead.city) for lead in session.query(Lead)}
    assert leads == {
        "ann@example.com": ("Acme", "Oslo"),
        "bo@example.com": ("Acme", "Oslo"),
        "cy@example.com": ("Bolt", "Rome"),
        "dee@example.com": ("Bolt", None),
    }


def test_dry_run_shows_competing_columns(qtbot, runner, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text("Email,Mobile,Office\nann@example.com,+44 7700 900123,+44 20 7946 0958\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)
    dialog.target_combo("Mobile").setCurrentIndex(dialog.target_combo("Mobile").findData("phone"))
    dialog.target_combo("Office").setCurrentIndex(dialog.target_combo("Office").findData("phone"))

    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000):
        dialog.start_plan()

    assert (
        "2 columns could fill the phone field; 'Mobile' fills it, and 'Office' is kept as a custom field "
        "that fills it only in rows where 'Mobile' is empty"
    ) in dialog.plan_totals_label.text().splitlines()


def test_summary_shows_competing_columns(qtbot, runner, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("Email,Work Email\n,ann@work.example\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, path)

    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.start_import()

    assert (
        "2 columns could fill the e-mail field; 'Email' fills it, and 'Work Email' is kept as a custom field "
        "that fills it only in rows where 'Email' is empty"
    ) in dialog.status_label.text().splitlines()
