"""`restore` rejects files that are no LeadDesk database, warns about another team, and re-identifies team devices."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.backups import BackupError, create_backup_file, restore_backup
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, load_identity


def _foreign_sqlite(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO contacts (name) VALUES ('Ada')")
    connection.commit()
    connection.close()
    return path


def _leaddesk_file(path: Path, lead_name: str = "Ada Byron") -> Path:
    database = Database.open(path)
    with database.session() as session:
        session.add(Lead(full_name=lead_name))
    database.dispose()
    return path


def _lead_names(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT full_name FROM leads ORDER BY full_name")]
    finally:
        connection.close()


def _device_id(path: Path) -> str:
    database = Database.open(path)
    try:
        with database.session() as session:
            return load_identity(session).device_id
    finally:
        database.dispose()


def test_restore_rejects_other_sqlite_file(tmp_path: Path) -> None:
    current = _leaddesk_file(tmp_path / "leads.sqlite")
    other = _foreign_sqlite(tmp_path / "contacts.sqlite")

    with pytest.raises(BackupError) as raised:
        restore_backup(current, other)

    message = str(raised.value)
    assert str(other) in message
    assert "no LeadDesk database" in message
    assert "alembic_version" in message
    assert "leaddesk backup --list" in message
    assert _lead_names(current) == ["Ada Byron"]


def test_cli_restore_rejects_other_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = _leaddesk_file(tmp_path / "leads.sqlite")
    other = _foreign_sqlite(tmp_path / "contacts.sqlite")

    code = main(["--db", str(current), "restore", str(other)])

    error = capsys.readouterr().err
    assert code != 0
    assert "no LeadDesk database" in error
    assert _lead_names(current) == ["Ada Byron"]


def test_restore_warns_about_other_team(tmp_path: Path) -> None:
    ours = Database.open(tmp_path / "ours.sqlite")
    theirs = Database.open(tmp_path / "theirs.sqlite")
    create_team(ours, tmp_path / "TeamA", "A", person="Ann")
    create_team(theirs, tmp_path / "TeamB", "B", person="Bea")
    ours.dispose()
    theirs.dispose()
    warnings: list[str] = []

    restore_backup(tmp_path / "ours.sqlite", tmp_path / "theirs.sqlite", warn=warnings.append)

    team_warnings = [message for message in warnings if "belongs to the team folder" in message]
    assert len(team_warnings) == 1
    assert str(tmp_path / "TeamB") in team_warnings[0]
    assert str(tmp_path / "TeamA") in team_warnings[0]


def test_restore_gives_new_device_id(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite"
    database = Database.open(path)
    create_team(database, tmp_path / "Team", "Acme", person="Ann")
    database.dispose()
    before = _device_id(path)
    backup = create_backup_file(path, "manual")
    warnings: list[str] = []

    restore_backup(path, backup, warn=warnings.append)

    after = _device_id(path)
    assert after != before
    assert any(after in message for message in warnings)
    database = Database.open(path)
    try:
        with database.session() as session:
            identity = load_identity(session)
            assert identity.person == "Ann"
            assert Path(identity.bundle_path).name == "Team"
    finally:
        database.dispose()


def test_restore_without_team_keeps_quiet(tmp_path: Path) -> None:
    current = _leaddesk_file(tmp_path / "leads.sqlite", "Ada Byron")
    other = _leaddesk_file(tmp_path / "other.sqlite", "Ben Bolt")
    warnings: list[str] = []

    restore_backup(current, other, warn=warnings.append)

    assert _lead_names(current) == ["Ben Bolt"]
    assert warnings == []
