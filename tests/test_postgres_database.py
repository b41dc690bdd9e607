"""Database.open on a real PostgreSQL server: migrations, refusals and plain connection errors."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from leaddesk.models import Base
from leaddesk.services.database import Database, DatabaseError, DatabaseTooNewError, head_revision
from leaddesk.services.server_db.address import ServerAddress


def test_open_migrates_to_head(pg_database: Database):
    assert pg_database.engine.dialect.name == "postgresql"
    assert pg_database.current_revision() == head_revision()
    with pg_database.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_open_reports_server_location(pg_database: Database, pg_url: str):
    assert pg_database.path is None
    assert pg_database.location == pg_url
    assert not pg_database.is_sqlite


def test_foreign_tables_left_untouched(pg_server, pg_url: str):
    name = pg_server.create_database()
    try:
        pg_server.execute_admin("CREATE TABLE invoices (id integer PRIMARY KEY)", database=name)
        foreign_url = pg_url.rsplit("/", 1)[0] + f"/{name}"

        with pytest.raises(DatabaseError, match="database of another program"):
            Database.open(foreign_url)

        probe = create_engine(ServerAddress.parse(foreign_url).url)
        try:
            with probe.connect() as connection:
                assert set(inspect(connection).get_table_names()) == {"invoices"}
        finally:
            probe.dispose()
    finally:
        pg_server.drop_database(name)


def test_missing_database_names_createdb(pg_url: str):
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_leaddesk_db"

    with pytest.raises(DatabaseError) as caught:
        Database.open(missing)

    assert "'no_such_leaddesk_db' does not exist" in str(caught.value)
    assert "createdb" in str(caught.value)


def test_newer_schema_rejected(pg_database: Database, pg_url: str):
    with pg_database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(DatabaseTooNewError, match="newer LeadDesk"):
        Database.open(pg_url)


def test_session_runs_in_utc(pg_database: Database):
    with pg_database.engine.connect() as connection:
        assert connection.execute(text("SHOW timezone")).scalar_one() == "UTC"
