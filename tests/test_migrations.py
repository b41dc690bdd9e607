"""Schema migrations: a new file, an upgrade from the previous revision, and a newer file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from leaddesk.services import database as database_module
from leaddesk.services.database import Database, DatabaseError, DatabaseTooNewError, head_revision


def _upgrade_to(path: Path, revision: str) -> None:
    engine = database_module.create_sqlite_engine(path)
    config = database_module._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_empty_file_migrates_to_head(db_path: Path) -> None:
    opened = Database.open(db_path)

    assert opened.created
    assert opened.current_revision() == head_revision()
    tables = set(inspect(opened.engine).get_table_names())
    assert {"leads", "activities", "follow_ups", "reps", "import_batches", "settings"} <= tables
    assert opened.backup_path is None
    opened.dispose()


def test_sqlite_pragmas_enabled(database: Database) -> None:
    with database.engine.connect() as connection:
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert foreign_keys == 1
    assert busy_timeout >= 5000


def test_previous_revision_upgrades_with_backup(db_path: Path) -> None:
    _upgrade_to(db_path, "0001")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, email, segment, stage, score, custom_fields, received_at, "
            "created_at, updated_at, row_version) VALUES "
            "('0123456789abcdef0123456789abcdef', 'kept@example.com', 'general', 'new', 0, '{}', "
            "'2026-01-05 10:00:00', '2026-01-05 10:00:00', '2026-01-05 10:00:00', 1)"
        )
    connection.close()

    opened = Database.open(db_path)

    assert opened.current_revision() == head_revision()
    assert opened.backup_path is not None
    assert opened.backup_path.exists()
    with sqlite3.connect(opened.backup_path) as backup:
        backup_revision = backup.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        backup_emails = backup.execute("SELECT email FROM leads").fetchall()
    backup.close()
    assert backup_revision == "0001"
    assert backup_emails == [("kept@example.com",)]
    with opened.engine.connect() as connection:
        emails = connection.exec_driver_sql("SELECT email FROM leads").fetchall()
        columns = {column["name"] for column in inspect(connection).get_columns("leads")}
    assert emails == [("kept@example.com",)]
    assert "response_warn_at" in columns
    opened.dispose()


def test_newer_file_is_refused(db_path: Path) -> None:
    Database.open(db_path).dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()
    before = db_path.read_bytes()

    with pytest.raises(DatabaseTooNewError, match="newer LeadDesk"):
        Database.open(db_path)

    assert db_path.read_bytes() == before


def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are not leads")

    with pytest.raises(DatabaseError, match="not an SQLite file"):
        Database.open(path)

    assert path.read_text() == "these are not leads"


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    connection.close()
    before = path.read_bytes()

    with pytest.raises(DatabaseError, match="another program"):
        Database.open(path)

    assert path.read_bytes() == before


def test_missing_revision_is_refused(db_path: Path) -> None:
    Database.open(db_path).dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute("DELETE FROM alembic_version")
    connection.close()

    with pytest.raises(DatabaseError, match="no schema revision"):
        Database.open(db_path)


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a folder"):
        Database.open(tmp_path)
