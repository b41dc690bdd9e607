"""Chart export: Excel-safe sheet names and a message box, never an uncaught error, when saving fails."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox

from leaddesk.services.reporting.tables import BAR, ChartTable, sheet_title
from leaddesk.ui.dashboard_tab import ChartCard


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
