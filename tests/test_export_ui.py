"""File > Export with real widgets and worker threads: all leads or the filtered view, and cancel."""

from __future__ import annotations

import csv
import threading
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from leaddesk.models import Lead
from leaddesk.services.exporting import ExportCancelled, export_leads
from leaddesk.ui.export_dialog import ExportDialog
from leaddesk.ui.main_window import MainWindow

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def window(qtbot, database):
    with database.session() as session:
        for name, company in (("Ann Acme", "Acme"), ("Bob Acme", "Acme"), ("Cid Hooli", "Hooli")):
            session.add(
                Lead(
                    full_name=name,
                    company=company,
                    email=f"{name.split()[0].lower()}@example.com",
                    received_at=NOW - timedelta(hours=1),
                    response_due_at=NOW + timedelta(hours=1),
                    response_warn_at=NOW + timedelta(minutes=30),
                )
            )
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    return window


def filter_to_acme(qtbot, window: MainWindow) -> None:
    window.filter_bar.search_edit.setText("Acme")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def open_export(window: MainWindow, path) -> ExportDialog:
    window.open_export_dialog(path)
    (dialog,) = window.findChildren(ExportDialog)
    return dialog


def exported_emails(path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sorted(row["email"] for row in csv.DictReader(handle))


def test_export_current_view_only(qtbot, window, tmp_path):
    filter_to_acme(qtbot, window)
    path = tmp_path / "acme.csv"
    dialog = open_export(window, path)
    assert dialog.view_radio.isChecked()
    assert "(2)" in dialog.view_radio.text()

    with qtbot.waitSignal(dialog.exported, timeout=20_000) as exported:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    assert exported.args[0] == 2
    assert exported_emails(path) == ["ann@example.com", "bob@example.com"]
    assert "Exported 2 lead(s)" in dialog.status_label.text()
    assert dialog.cancel_button.text() == "Close"


def test_export_all_leads_xlsx(qtbot, window, tmp_path):
    filter_to_acme(qtbot, window)
    path = tmp_path / "all.xlsx"
    dialog = open_export(window, path)
    dialog.all_radio.setChecked(True)

    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.start_export()

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    email_column = rows[0].index("email")
    assert sorted(row[email_column] for row in rows[1:]) == ["ann@example.com", "bob@example.com", "cid@example.com"]


def test_export_cancel_writes_nothing(qtbot, window, tmp_path):
    path = tmp_path / "cancelled.csv"
    dialog = open_export(window, path)
    # Hold both read threads, so the export cannot start before the cancel is set.
    gate = threading.Event()
    window.runner.run_in_background(lambda: gate.wait(10))
    window.runner.run_in_background(lambda: gate.wait(10))

    dialog.start_export()
    dialog.reject()
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        gate.set()

    assert "cancelled" in dialog.status_label.text()
    assert dialog.count is None
    assert not path.exists()
    assert list(tmp_path.glob(".cancelled-*")) == []


def test_export_bad_folder_fails(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("leaddesk.ui.export_dialog.show_error", lambda *args: shown.append(args))
    dialog = open_export(window, tmp_path / "missing" / "leads.csv")

    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        dialog.start_export()

    assert "does not exist" in dialog.status_label.text()
    assert len(shown) == 1
    assert dialog.export_button.isEnabled()


def test_export_leads_cancel_event(database, tmp_path):
    cancel = threading.Event()
    cancel.set()
    with database.session() as session:
        session.add(Lead(full_name="Ann", received_at=NOW))
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "leads.csv"

    with pytest.raises(ExportCancelled):
        export_leads(database, path, cancel=cancel)

    assert not path.exists()
    assert list(folder.iterdir()) == []
