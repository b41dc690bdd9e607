"""The --db argument for CLI tests that run on either backend (LEADDESK_TEST_BACKEND)."""

from __future__ import annotations

import os

import pytest

from conftest import TEST_BACKEND_ENV

# For tests of the model files next to an SQLite database; the server's table has its own tests.
sqlite_files_only = pytest.mark.skipif(
    os.environ.get(TEST_BACKEND_ENV) == "postgresql",
    reason="checks the model files next to an SQLite database; test_predictive_stores covers the server table",
)


@pytest.fixture
def db_arg(request: pytest.FixtureRequest, database, db_path) -> str:
    """Return the --db value of the database fixture: the SQLite file, or the same PostgreSQL database's URL."""
    if database.is_sqlite:
        return str(db_path)
    return request.getfixturevalue("pg_url")
