"""Schema migrations: a new file, an upgrade from the previous revision, and a newer file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from leaddesk.services import database as database_module
from leaddesk.services.database import Database, DatabaseError, DatabaseTooNewError, head_revision
from schema_revisions import downgrade_to, upgrade_to


def test_empty_file_migrates_to_head(db_path: Path) -> None:
    opened = Database.open(db_path)

    assert opened.created
    assert opened.current_revision() == head_revision()
    tables = set(inspect(opened.engine).get_table_names())
    assert {"leads", "activities", "follow_ups", "reps", "import_batches", "settings"} <= tables
    assert opened.backup_path is None
    opened.dispose()


@pytest.mark.sqlite_only("PRAGMA settings exist only on SQLite")
def test_sqlite_pragmas_enabled(database: Database) -> None:
    with database.engine.connect() as connection:
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert foreign_keys == 1
    assert busy_timeout >= 5000


def test_previous_revision_upgrades_with_backup(db_path: Path) -> None:
    upgrade_to(db_path, "0001")
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


def test_0002_upgrades_with_phones(db_path: Path) -> None:
    upgrade_to(db_path, "0002")
    with sqlite3.connect(db_path) as connection:
        for lead_id, phone in (("a" * 32, "+1 (555) 010-2030"), ("b" * 32, "ext. 12"), ("c" * 32, None)):
            connection.execute(
                "INSERT INTO leads (id, phone, segment, stage, score, custom_fields, received_at, "
                "created_at, updated_at, row_version) VALUES "
                "(?, ?, 'general', 'new', 0, '{}', '2026-01-05 10:00:00', '2026-01-05 10:00:00', "
                "'2026-01-05 10:00:00', 1)",
                (lead_id, phone),
            )
        connection.execute(
            "INSERT INTO import_batches (id, file_name, sha256, started_at, historical, created_count, "
            "updated_count, skipped_count, rejected_count, column_mapping) VALUES "
            "(?, 'old.csv', ?, '2026-01-05 10:00:00', 0, 3, 0, 0, 0, '{}')",
            ("d" * 32, "0" * 64),
        )
    connection.close()

    opened = Database.open(db_path)

    assert opened.current_revision() == head_revision()
    with opened.engine.connect() as connection:
        phones = dict(connection.exec_driver_sql("SELECT id, phone_normalized FROM leads").fetchall())
        batch = connection.exec_driver_sql("SELECT file_name, policy, undone_at FROM import_batches").one()
        tables = set(inspect(connection).get_table_names())
        indexes = {index["name"] for index in inspect(connection).get_indexes("leads")}
    assert phones == {"a" * 32: "15550102030", "b" * 32: None, "c" * 32: None}
    assert tuple(batch) == ("old.csv", None, None)
    assert {"import_changes", "saved_mappings"} <= tables
    assert "ix_leads_phone_normalized" in indexes
    opened.dispose()


def test_0003_downgrades_to_0002(db_path: Path) -> None:
    Database.open(db_path).dispose()
    downgrade_to(db_path, "0002")
    engine = database_module.create_sqlite_engine(db_path)
    tables = set(inspect(engine).get_table_names())
    columns = {column["name"] for column in inspect(engine).get_columns("leads")}
    engine.dispose()

    assert "import_changes" not in tables
    assert "saved_mappings" not in tables
    assert "phone_normalized" not in columns


def test_models_match_migrations(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from leaddesk.models import Base

    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []
