"""run_import with its rows converted in a worker process: the same outcome as converting in the importing process."""

from __future__ import annotations

import csv
import threading
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.importing import ImportCancelled, importer, plan_import, run_import, worker
from leaddesk.services.importing.delimited import DelimitedRowStream
from leaddesk.services.importing.mapping import ColumnPlan

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

# Columns compared between the two imports; ids and times differ per import.
COMPARED_COLUMNS = ("email", "first_name", "phone", "phone_normalized", "received_at", "custom_fields", "stage")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def trap_rows() -> list[list[str]]:
    """Return a header and rows with a rejected e-mail, an empty row, a footer between rows and one under them."""
    rows = [["Email", "First Name", "Created Date", "Phone", "Tags"]]
    for index in range(12):
        rows.append([f"lead{index}@example.com", f"Name {index}", f"{index + 1:02d}/03/2025", f"+1 555-010-{index:04d}", "vip"])
    rows.insert(4, ["not-an-email", "Bad", "01/03/2025", "", ""])
    rows.insert(7, ["", "", "", "", ""])
    rows.insert(9, ["Total: 3", "", "", "", ""])
    rows.append(["Grand Totals (12 records)", "", "", "", ""])
    return rows


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[worker.ConversionWorker]:
    """Send every delimited file to a worker process, and collect the workers started."""
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(worker, "MIN_IDLE_CORES", float("-inf"))
    started: list[worker.ConversionWorker] = []
    start_for = worker.ConversionWorker.start_for.__func__

    def recording(cls, path):
        found = start_for(cls, path)
        if found is not None:
            started.append(found)
        return found

    monkeypatch.setattr(worker.ConversionWorker, "start_for", classmethod(recording))
    return started


def stored_leads(database: Database) -> list[tuple]:
    with database.session() as session:
        leads = session.scalars(select(Lead).order_by(Lead.email)).all()
        return [tuple(getattr(lead, name) for name in COMPARED_COLUMNS) for lead in leads]


def report_outcome(report) -> dict:
    return {
        "created": report.created,
        "skipped": report.skipped,
        "rejected_rows": report.rejected_rows,
        "footer_rows": report.footer_rows,
        "rows_read": report.rows_read,
        "empty_rows": report.empty_rows,
        "warnings": report.warnings,
    }


def test_worker_same_as_in_process(database, tmp_path: Path, spawned, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    path = write_csv(tmp_path / "traps.csv", trap_rows())
    by_worker = run_import(database, path, now=NOW)
    assert len(spawned) == 1

    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 40)
    other = Database.open(tmp_path / "in_process.sqlite")
    in_process = run_import(other, path, now=NOW)
    assert len(spawned) == 1

    assert by_worker.created == 12
    assert [row.row for row in by_worker.rejected_rows] == [5, 10]
    assert [row.row for row in by_worker.footer_rows] == [17]
    assert report_outcome(by_worker) == report_outcome(in_process)
    assert stored_leads(database) == stored_leads(other)
    other.dispose()


def test_worker_plan_same_as_in_process(database, tmp_path: Path, spawned, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 4)
    path = write_csv(tmp_path / "traps.csv", trap_rows())
    by_worker = plan_import(database, path, now=NOW)
    assert len(spawned) == 1

    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 1 << 40)
    in_process = plan_import(database, path, now=NOW)

    assert [(row.row, row.action, row.reason) for row in by_worker.rows] == [
        (row.row, row.action, row.reason) for row in in_process.rows
    ]
    assert len(by_worker.rows) == 16


def test_worker_date_order_from_whole_column(database, tmp_path: Path, spawned):
    # The first 2,000 dates fit either order; a later one only fits day first, so the import runs again.
    rows = [["Email", "Created Date"]]
    rows += [[f"lead{index}@example.com", "01/02/2025"] for index in range(2_050)]
    rows.append(["late@example.com", "25/02/2025"])
    path = write_csv(tmp_path / "dates.csv", rows)

    report = run_import(database, path, now=NOW)

    assert len(spawned) == 2
    assert report.created == 2_051
    with database.session() as session:
        first = session.scalar(select(Lead.received_at).where(Lead.email == "lead0@example.com"))
    assert first == datetime(2025, 2, 1, tzinfo=timezone.utc)


def test_worker_cancel_stores_nothing(database, tmp_path: Path, spawned, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0.0)
    path = write_csv(tmp_path / "traps.csv", trap_rows())
    cancel = threading.Event()

    def progress(fraction: float, message: str) -> None:
        if "rows read" in message:
            cancel.set()

    with pytest.raises(ImportCancelled):
        run_import(database, path, now=NOW, progress=progress, cancel=cancel)

    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
    assert len(spawned) == 1
    assert spawned[0]._process.poll() is not None


def test_worker_error_reaches_importer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(worker, "MIN_IDLE_CORES", float("-inf"))
    path = write_csv(tmp_path / "leads.csv", [["Email"], ["ann@example.com"]])
    process = worker.ConversionWorker.start_for(path)
    assert process is not None
    missing = tmp_path / "gone.csv"
    job = worker.ConversionJob(
        open_rows=partial(DelimitedRowStream, missing, "utf-8", ",", 1, 1),
        plan=ColumnPlan(headers=("Email",), mapping={"Email": "email"}, columns_by_field={"email": (0,)}),
        zone=ZoneInfo("UTC"),
        today=NOW.date(),
        evidence={},
        segment_keys=frozenset(),
        chunk_rows=10,
    )

    try:
        with pytest.raises(FileNotFoundError, match="gone.csv"):
            list(process.chunks(job, []))
    finally:
        process.close()
    assert process._process.poll() is not None


def test_workbook_converts_in_process(database, tmp_path: Path, spawned):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Email", "First Name"])
    sheet.append(["ann@example.com", "Ann"])
    path = tmp_path / "leads.xlsx"
    workbook.save(path)

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert spawned == []


def test_busy_machine_converts_in_process(database, tmp_path: Path, spawned, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(worker, "MIN_IDLE_CORES", 1.0)
    monkeypatch.setattr(worker, "idle_cores", lambda: 0.5)
    path = write_csv(tmp_path / "traps.csv", trap_rows())

    report = run_import(database, path, now=NOW)

    assert report.created == 12
    assert spawned == []
