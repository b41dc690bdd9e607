"""The import dialog's account of label groups, with real widgets and worker threads."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from leaddesk.services.importing.export_format import IGNORED
from leaddesk.ui.import_dialog import ImportDialog
from leaddesk.ui.tasks import TaskRunner

HEADERS = ["First Name", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value"]
ROWS = [["Ann", "Home", "+1 555 010 1111", "Work", "+1 555 010 2222"]]

GROUP_LINE = (
    "the phone field is chosen row by row from 'Phone 1 - Value' and 'Phone 2 - Value' "
    "by the labels in 'Phone 1 - Label' and 'Phone 2 - Label'. "
    'A primary label (one starting with "*") wins, then work or business, then a label without a kind word '
    "such as Main, then mobile, then home or other, and fax or pager come last. "
    "Equal labels go to the column listed first, and every label and value column is also kept as a custom field"
)
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
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADERS, *ROWS])
    opened = ImportDialog(runner, path, actor="tester")
    qtbot.addWidget(opened)
    opened.show()
    qtbot.waitUntil(lambda: opened.preview is not None)
    return opened


def run_plan(qtbot, dialog: ImportDialog):
    with qtbot.waitSignal(dialog.plan_ready, timeout=20_000) as ready:
        dialog.start_plan()
    return ready.args[0]


def test_dialog_shows_group_line(qtbot, dialog: ImportDialog):
    assert dialog.warnings_label.isVisible()
    assert dialog.warnings_label.text() == GROUP_LINE

    plan = run_plan(qtbot, dialog)

    assert GROUP_LINE in dialog.plan_totals_label.text().splitlines()
    assert plan.totals()["create"] == 1
    assert dialog.mapping()["Phone 1 - Value"] == "phone"


def test_dialog_ignored_labels_line(qtbot, dialog: ImportDialog):
    for header in ("Phone 1 - Label", "Phone 2 - Label"):
        combo = dialog.target_combo(header)
        combo.setCurrentIndex(combo.findData(IGNORED))

    run_plan(qtbot, dialog)

    lines = dialog.plan_totals_label.text().splitlines()
    assert GROUP_LINE not in lines
    assert COLUMN_ORDER_LINE in lines
