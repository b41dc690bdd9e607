"""Large imports drop the indexes they do not look leads up by and rebuild them before the commit."""

from __future__ import annotations

import csv
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from leaddesk.models import Lead
from leaddesk.services.importing import ImportCancelled, importer, indexes, run_import

pytestmark = pytest.mark.sqlite_only("the importer drops and rebuilds lead indexes on SQLite only")

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def write_leads(path: Path, count: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Company", "Create Date"])
        for number in range(start, start + count):
            writer.writerow([f"lead{number}@example.com", f"Company {number % 7}", f"2026-02-{1 + number % 27:02d} 09:00"])
    return path


def lead_indexes(database) -> dict[str, str]:
    with database.session() as session:
        rows = session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL")
        )
        return dict(rows.all())


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    monkeypatch.setattr(indexes, "MIN_DEFERRED_ROWS", 20)


def test_large_import_rebuilds_indexes(database, tmp_path: Path, small_threshold, caplog: pytest.LogCaptureFixture):
    before = lead_indexes(database)
    caplog.set_level(logging.INFO, logger=indexes.__name__)

    report = run_import(database, write_leads(tmp_path / "many.csv", 60), now=NOW)

    assert report.created == 60
    assert lead_indexes(database) == before
    assert any(record.message.startswith("dropped") for record in caplog.records)
    assert any(record.message.startswith("rebuilt") for record in caplog.records)


def test_rebuilt_index_used_by_queries(database, tmp_path: Path, small_threshold):
    run_import(database, write_leads(tmp_path / "many.csv", 60), now=NOW)

    with database.session() as session:
        plan = " ".join(
            str(row[-1])
            for row in session.execute(text("EXPLAIN QUERY PLAN SELECT id FROM leads WHERE received_at > '2026-02-20'"))
        )
        since = datetime(2026, 2, 20, tzinfo=timezone.utc)
        found = session.scalar(select(func.count()).select_from(Lead).where(Lead.received_at >= since))
    assert "ix_leads_received_at" in plan
    assert found == sum(1 for number in range(60) if 1 + number % 27 >= 20)


def test_small_import_keeps_indexes(database, tmp_path: Path, small_threshold, caplog: pytest.LogCaptureFixture):
    run_import(database, write_leads(tmp_path / "first.csv", 100), now=NOW)
    caplog.set_level(logging.INFO, logger=indexes.__name__)
    caplog.clear()

    # 30 new rows into a table of 100 leads: rebuilding would read all 130.
    report = run_import(database, write_leads(tmp_path / "second.csv", 30, start=100), now=NOW)

    assert report.created == 30
    index_records = [record for record in caplog.records if record.name == indexes.__name__]
    assert not any(record.message.startswith("dropped") for record in index_records)


def test_cancel_restores_indexes(database, tmp_path: Path, small_threshold, monkeypatch: pytest.MonkeyPatch):
    before = lead_indexes(database)
    cancel = threading.Event()
    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0)

    def progress(fraction: float, message: str) -> None:
        if fraction > 0.5:
            cancel.set()

    with pytest.raises(ImportCancelled):
        run_import(database, write_leads(tmp_path / "many.csv", 80), now=NOW, progress=progress, cancel=cancel)

    assert lead_indexes(database) == before
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0


def test_dry_run_restores_indexes(database, tmp_path: Path, small_threshold):
    before = lead_indexes(database)

    report = run_import(database, write_leads(tmp_path / "many.csv", 60), now=NOW, dry_run=True)

    assert report.created == 60
    assert lead_indexes(database) == before
