"""Database.open on a real PostgreSQL server: migrations, refusals and plain connection errors."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from leaddesk.models import Base
from leaddesk.services.database import Database, DatabaseError, head_revision


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
