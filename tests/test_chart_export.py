"""Chart export: Excel-safe sheet names, numbers and dates as typed cells, and a message box when saving fails."""

from __future__ import annotations

from datetime import datetime

from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox

from leaddesk.services.reporting import ReportFilter, compute_dashboard, load_dashboard_facts, load_segment_labels
from leaddesk.services.reporting.tables import BAR, LINE, ChartTable, dashboard_tables, score_tables, sheet_title
from leaddesk.ui.dashboard_tab import ChartCard
from reporting_history import NOW, build_history


def table(title: str) -> ChartTable:
    return ChartTable("leading", title, BAR, ("field", "leads"), (("a", 1), ("b", 2)), "leads")


def test_sheet_title_forbidden_characters():
    cleaned = sheet_title("a:b\\c/d?e*f[g]h")

    assert cleaned == "a-b-c-d-e-f-g-h"


def test_sheet_title_length_limit():
    cleaned = sheet_title("Open leads (9240): leading indicators of conversion")

    assert len(cleaned) == 31
    assert ":" not in cleaned


def test_xlsx_with_colon_title(tmp_path):
    path = tmp_path / "chart.xlsx"

    table("Open leads (9240): leading indicators").write_xlsx(path)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Open leads (9240)- leading indi"]
    assert workbook.active["B3"].value == 2


def test_failed_export_shows_message(qtbot, tmp_path, monkeypatch):
    card = ChartCard(table("Speed"))
    qtbot.addWidget(card)
    target = tmp_path / "missing-folder" / "chart.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))

    def broken(_path):
        raise ValueError("invalid character in sheet title")

    card._ask_and_save("xlsx", broken)

    assert len(shown) == 1
    assert str(target) in shown[0]
    assert "invalid character in sheet title" in shown[0]


MODEL = {
    "version": 3,
    "trained_at": "2026-03-10T08:00:00",
    "auc": 0.81,
    "calibration": [{"from": 0.0, "to": 0.1, "mean_predicted": 0.05, "observed_rate": 0.04}],
    "lift_by_decile": [{"decile": decile, "lift": round(2.0 - decile / 10, 2), "conversion_rate": 0.3 - decile / 100}
                       for decile in range(1, 11)],
}


def test_lift_xlsx_numbers(tmp_path):
    report = compute_dashboard([], ReportFilter(), NOW, MODEL)
    lift = next(table for table in score_tables(report) if table.key == "model_lift")
    path = tmp_path / "lift.xlsx"

    lift.write_xlsx(path)

    sheet = load_workbook(path).active
    assert sheet["A2"].value == 1
    assert sheet["A11"].value == 10
    assert sheet["A2"].data_type == "n"
    assert sheet["B2"].value == 1.9
    assert sheet["C2"].value == 29.0


def test_week_xlsx_date_cells(tmp_path):
    table = ChartTable("speed_trend", "Speed to lead by week of arrival", LINE, ("week", "median wall"),
                       (("2026-03-02", 12.5), ("2026-03-09", None)), "minutes")
    xlsx = tmp_path / "trend.xlsx"
    text = tmp_path / "trend.csv"

    table.write_xlsx(xlsx)
    table.write_csv(text)

    sheet = load_workbook(xlsx).active
    assert sheet["A2"].value == datetime(2026, 3, 2)
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].value == 12.5
    assert sheet["B3"].value is None
    assert text.read_text(encoding="utf-8").splitlines()[1:] == ["2026-03-02,12.5", "2026-03-09,"]


def test_every_dashboard_export_numeric(tmp_path, database):
    build_history(database)
    report = compute_dashboard(load_dashboard_facts(database, NOW), ReportFilter(), NOW, MODEL,
                               load_segment_labels(database))

    for table in dashboard_tables(report):
        path = tmp_path / f"{table.key}.xlsx"
        table.write_xlsx(path)
        sheet = load_workbook(path).active
        for row in sheet.iter_rows(min_row=2, min_col=2):
            for cell in row:
                assert cell.value is None or cell.data_type == "n", (table.key, cell.coordinate, cell.value)
