"""Backups with the online backup API: rotation, restore, and the integrity check on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leaddesk.models import Lead
from leaddesk.services import backups
from leaddesk.services.backups import MAX_BACKUPS, RESTORE_CHECK, RESTORE_COPY, RESTORE_SAFETY_COPY, BackupError, backup_if_due, create_backup_file, integrity_problems, list_backups, restore_backup
from leaddesk.services.database import Database, DatabaseCorruptError


def _corrupt(path: Path) -> None:
    """Overwrite pages after the header so that PRAGMA integrity_check fails but the file still reads as SQLite."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(b"\xff" * min(4096 * 4, size - 4096 * 2))


def _filled(db_path: Path, rows: int = 200) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        session.add_all(Lead(first_name=f"lead {index}", notes="x" * 200) for index in range(rows))
    database.dispose()


def test_rotation_keeps_newest(db_path: Path) -> None:
    Database.open(db_path).dispose()
    created = [create_backup_file(db_path, "scheduled") for _ in range(MAX_BACKUPS + 3)]

    kept = [info.path for info in list_backups(db_path)]

    assert len(kept) == MAX_BACKUPS
    assert kept == list(reversed(created))[:MAX_BACKUPS]
    assert not created[0].exists()


def test_backup_is_consistent_copy(db_path: Path) -> None:
    _filled(db_path, rows=3)

    backup = create_backup_file(db_path, "manual")

    assert integrity_problems(backup) == []
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT count(*) FROM leads").fetchone()[0] == 3
    connection.close()


def test_corrupt_database_refused_with_recovery(db_path: Path) -> None:
    _filled(db_path)
    backup = create_backup_file(db_path, "scheduled")
    _corrupt(db_path)

    with pytest.raises(DatabaseCorruptError) as raised:
        Database.open(db_path)

    message = str(raised.value)
    assert "integrity check" in message
    assert f"restore {backup}" in message


def test_restore_moves_damaged_file_aside(db_path: Path) -> None:
    _filled(db_path)
    backup = create_backup_file(db_path, "scheduled")
    _corrupt(db_path)
    damaged_bytes = db_path.read_bytes()

    kept = restore_backup(db_path, backup)

    assert kept is not None
    assert kept.read_bytes() == damaged_bytes
    database = Database.open(db_path)
    with database.session() as session:
        assert session.query(Lead).count() == 200
    database.dispose()


def test_restore_rejects_damaged_backup(db_path: Path) -> None:
    _filled(db_path)
    backup = create_backup_file(db_path, "scheduled")
    _corrupt(backup)

    with pytest.raises(Exception, match="is damaged"):
        restore_backup(db_path, backup)
    assert integrity_problems(db_path) == []


def test_scheduled_backup_once_per_period(db_path: Path) -> None:
    Database.open(db_path).dispose()

    first = backup_if_due(db_path, every_hours=24)
    second = backup_if_due(db_path, every_hours=24)

    assert first is not None
    assert first.is_file()
    assert second is None
    assert backup_if_due(db_path, every_hours=0) is not None


def test_restore_rejects_database_itself(db_path: Path) -> None:
    _filled(db_path, rows=3)
    before = db_path.read_bytes()

    with pytest.raises(BackupError, match="is the database itself"):
        restore_backup(db_path, db_path)

    assert db_path.read_bytes() == before
    assert list_backups(db_path) == []


def test_restore_reports_progress_steps(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _filled(db_path)
    backup = create_backup_file(db_path, "scheduled")
    monkeypatch.setattr(backups, "PAGES_PER_STEP", 2)
    steps: list[tuple[str, int, int]] = []

    restore_backup(db_path, backup, lambda step, copied, total: steps.append((step, copied, total)))

    assert [step for step, _copied, _total in steps if _total == 0] == [RESTORE_CHECK, RESTORE_SAFETY_COPY, RESTORE_COPY]
    copies = [(copied, total) for step, copied, total in steps if step == RESTORE_COPY and total]
    assert len(copies) > 1
    assert [copied for copied, _total in copies] == sorted(copied for copied, _total in copies)
    assert copies[-1][0] == copies[-1][1]
    assert any(step == RESTORE_SAFETY_COPY and total > 0 for step, _copied, total in steps)
