"""Opening a database that a writer killed mid-transaction left with a hot rollback journal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from leaddesk.models import Lead
from leaddesk.services.backups import has_unfinished_transaction, integrity_problems
from leaddesk.services.database import Database, DatabaseCorruptError

# Inserts enough rows with a one-page cache that SQLite writes changed pages into the
# database file before the commit, then reports and waits to be killed.
_KILLED_WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")
connection.execute("BEGIN IMMEDIATE")
for index in range(2000):
    connection.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)", (f"unfinished {index}", "x" * 500)
    )
print("written", flush=True)
time.sleep(60)
"""


def _leave_hot_journal(db_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "written"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)


def _lead_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def test_hot_journal_rolled_back_on_open(db_path: Path) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        session.add_all(Lead(first_name=f"kept {index}") for index in range(10))
    database.dispose()
    _leave_hot_journal(db_path)
    assert has_unfinished_transaction(db_path)

    reopened = Database.open(db_path)
    try:
        assert _lead_count(reopened) == 10
    finally:
        reopened.dispose()
    assert not has_unfinished_transaction(db_path)
    assert integrity_problems(db_path) == []


def test_hot_journal_check_reports_no_problem(db_path: Path) -> None:
    Database.open(db_path).dispose()
    _leave_hot_journal(db_path)

    assert integrity_problems(db_path, quick=True) == []
    assert integrity_problems(db_path) == []


def test_damaged_file_with_hot_journal_refused(db_path: Path) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        session.add_all(Lead(first_name=f"lead {index}", notes="x" * 200) for index in range(200))
    database.dispose()
    _leave_hot_journal(db_path)
    # Rolling back restores the pages the writer changed, so damage pages it never touched.
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(b"\xff" * min(4096 * 4, size - 4096 * 2))

    try:
        Database.open(db_path).dispose()
    except DatabaseCorruptError as error:
        assert "integrity check" in str(error)
    else:
        raise AssertionError(f"{db_path} was opened although its pages were overwritten")
