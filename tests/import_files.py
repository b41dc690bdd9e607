"""CSV files that the importer tests write, read back and count leads from, and a full disk for them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import Lead
from leaddesk.services.database import Database

EMAIL_REASON = "is not a valid e-mail address; correct it to the form name@example.com or clear the cell"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file such as a rejected-rows file, dropping its byte order mark."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def mixed_rows(bad: int) -> list[list[str]]:
    """Return a header, one good row, then bad rows with invalid e-mails."""
    rows = [["Email", "Company"], ["ann@example.com", "Acme"]]
    rows.extend([f"lead{index}(at)example.com", f"Company {index}"] for index in range(bad))
    return rows


def stored_leads(db_path: Path) -> int:
    """Open the database file at db_path and return how many leads it stores."""
    database = Database.open(db_path)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(Lead))
    finally:
        database.dispose()


def fail_partial_writes_with_full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open /dev/full in place of every .partial file opened for writing, so that its writes fail with ENOSPC."""
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("/dev/full is missing, so no write can fail with a full disk")
    original_open = Path.open

    def open_full(path: Path, mode: str = "r", *args, **kwargs):
        if path.name.endswith(".partial") and "w" in mode:
            return original_open(full, mode, *args, **kwargs)
        return original_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_full)
