"""The import dialog's account of label groups, with real widgets and worker threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaddesk.services.importing.export_format import IGNORED
from leaddesk.services.importing.label_groups import LABEL_RULE
from leaddesk.ui.import_dialog import (
    PLAN_EMAIL_COLUMN,
    PLAN_PHONE_COLUMN,
    PLAN_ROW_COLUMN,
    PLAN_WARNINGS_SHOWN,
    TARGET_COLUMN,
    ImportDialog,
)
from leaddesk.ui.tasks import TaskRunner

from import_dialogs import open_dialog
from import_files import write_csv

HEADERS = ["First Name", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value"]
ROWS = [
    ["Ann", "Home", "+1 555 010 1111", "Work", "+1 555 010 2222"],
    ["Bo", "Mobile", "+1 555 010 3333", "* Work", "=1+1"],
]

GROUP_LINE = "the phone field is chosen row by row from 'Phone 1 - Value' and 'Phone 2 - Value' by their labels"
COLUMN_ORDER_LINE = (
    "2 columns could fill the phone field; 'Phone 1 - Value' fills it, and 'Phone 2 - Value' is kept as a custom "
    "field that fills it only in rows where 'Phone 1 - Value' is empty"
)


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


@pytest.fixture
def dialog(qtbot, runner, tmp_path: Path) -> ImportDialog:
    path = write_csv(tmp_path / "contacts.csv", [HEADERS, *ROWS])
    return open_dialog(qtbot, runner, path)


def run_plan(qtbot, dialog: ImportDialog):
    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000) as ready:
        dialog.start_plan()
    return ready.args[0]


def test_dialog_shows_group_line(qtbot, dialog: ImportDialog):
    assert dialog.warnings_label.isVisible()
    assert dialog.warnings_label.text().splitlines() == [GROUP_LINE, LABEL_RULE]

    plan = run_plan(qtbot, dialog)

    # The plan's copy of the preview's lines is left out, so each note shows once.
    lines = dialog.plan_totals_label.text().splitlines()
    assert GROUP_LINE not in lines
    assert LABEL_RULE not in lines
    assert lines == [
        "The import would create 2, update 0, skip 0 and reject 0 rows.",
        "row 3: '=1+1' in column 'Phone 2 - Value' has fewer than 5 digits, so the phone comes from "
        "'Phone 1 - Value', and the value is kept as a custom field",
    ]
    assert plan.totals()["create"] == 2
    assert dialog.mapping()["Phone 1 - Value"] == "phone"


def test_plan_lists_chosen_phone(qtbot, dialog: ImportDialog):
    run_plan(qtbot, dialog)

    table = dialog.plan_table
    assert table.horizontalHeaderItem(PLAN_PHONE_COLUMN).text() == "Phone"
    assert table.horizontalHeaderItem(PLAN_EMAIL_COLUMN).text() == "E-mail"
    rows = [(table.item(row, PLAN_ROW_COLUMN).text(), table.item(row, PLAN_PHONE_COLUMN).text()) for row in range(2)]
    assert rows == [("2", "+1 555 010 2222"), ("3", "+1 555 010 3333")]
    assert table.item(0, PLAN_EMAIL_COLUMN).text() == ""


def test_value_columns_shown_as_group(qtbot, dialog: ImportDialog):
    texts = {}
    for row in range(dialog.mapping_table.rowCount()):
        header = dialog.mapping_table.item(row, 0).text()
        texts[header] = dialog.mapping_table.cellWidget(row, TARGET_COLUMN).currentText()

    assert texts["Phone 1 - Value"] == "Phone, chosen by the row's label"
    assert texts["Phone 2 - Value"] == "Phone, chosen by the row's label"
    assert texts["Phone 1 - Label"] == "Custom field"
    # The shown text changes nothing in the mapping the import gets.
    mapping = dialog.mapping()
    assert mapping["Phone 1 - Value"] == "phone"
    assert mapping["Phone 2 - Value"] == "custom:Phone 2 - Value"


def test_plan_warnings_capped(qtbot, dialog: ImportDialog):
    warnings = [f"warning {number}" for number in range(PLAN_WARNINGS_SHOWN + 2)]

    dialog._show_plan_warnings("totals", warnings)

    lines = dialog.plan_totals_label.text().splitlines()
    assert lines == ["totals", *warnings[:PLAN_WARNINGS_SHOWN], "2 more warning(s): point at this text to read them all."]
    assert dialog.plan_totals_label.toolTip() == "".join(f"<p>{line}</p>" for line in warnings)


def test_dialog_ignored_labels_line(qtbot, dialog: ImportDialog):
    for header in ("Phone 1 - Label", "Phone 2 - Label"):
        combo = dialog.target_combo(header)
        combo.setCurrentIndex(combo.findData(IGNORED))

    run_plan(qtbot, dialog)

    lines = dialog.plan_totals_label.text().splitlines()
    assert GROUP_LINE not in lines
    assert COLUMN_ORDER_LINE in lines
