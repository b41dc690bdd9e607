"""Shared fixtures: a fresh database per test (SQLite file or PostgreSQL) and the reference data folder."""

from __future__ import annotations

import locale
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from leaddesk.services.database import Database  # noqa: E402
from leaddesk.services.server_db.address import ServerAddress  # noqa: E402
from memory_keyring import memory_keyring, no_keyring  # noqa: E402, F401 (fixtures for every test module)
from pg_server import PASSWORD_ROLE, TEMPLATE_DATABASE, ServerUnavailable, TestServer, start_test_server  # noqa: E402

# The locale as Python set it up, before any test created a QApplication.
STARTUP_LOCALE = locale.setlocale(locale.LC_ALL)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep logs and the default database of every test inside its own temporary folder."""
    folder = tmp_path / "userdata"
    monkeypatch.setenv("LEADDESK_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADDESK_DB", raising=False)
    return folder


@pytest.fixture(autouse=True)
def restore_process_locale():
    """Restore the process locale after each test, because creating the QApplication calls setlocale(LC_ALL, "").

    The date tests read LC_TIME, so a Qt test must not change what the tests after it see.
    """
    yield
    locale.setlocale(locale.LC_ALL, STARTUP_LOCALE)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "leads.sqlite"


# LEADDESK_TEST_BACKEND=postgresql runs every test that uses the `database` fixture on PostgreSQL.
TEST_BACKEND_ENV = "LEADDESK_TEST_BACKEND"
SQLITE_ONLY_MARK = "sqlite_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SQLITE_ONLY_MARK}(reason): the test checks SQLite-file behaviour, so the `database` fixture skips it "
        f"with reason when {TEST_BACKEND_ENV}=postgresql",
    )


@pytest.fixture
def database(request: pytest.FixtureRequest, db_path: Path):
    if os.environ.get(TEST_BACKEND_ENV) == "postgresql":
        sqlite_only = request.node.get_closest_marker(SQLITE_ONLY_MARK)
        if sqlite_only is not None:
            reason = sqlite_only.args[0] if sqlite_only.args else "it checks SQLite-file behaviour"
            pytest.skip(f"SQLite-only: {reason}")
        opened = Database.open(request.getfixturevalue("pg_url"))
    else:
        opened = Database.open(db_path)
    yield opened
    opened.dispose()


@pytest.fixture
def database_target(database, request: pytest.FixtureRequest) -> str:
    """Return the --db value that opens the `database` fixture's database: its SQLite file, or its PostgreSQL URL."""
    if database.path is not None:
        return str(database.path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def reopen_database(database):
    """Return a function that opens another Database on the storage of `database`, as a second window does.

    Every Database it opened is disposed after the test.
    """
    target = database.path if database.path is not None else database.address
    opened: list[Database] = []

    def reopen() -> Database:
        second = Database.open(target)
        opened.append(second)
        return second

    yield reopen
    for second in opened:
        second.dispose()


@pytest.fixture
def shared_data() -> Path:
    """Return the reference data folder, skipping when this checkout has no ../shared beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}; it sits beside the project in CI")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session, with a template database already migrated to head.

    Skips every test that uses it, with the reason, when no server can be started.
    """
    try:
        server, cluster = start_test_server()
    except ServerUnavailable as error:
        pytest.skip(str(error))
    try:
        server.execute_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DATABASE}" WITH (FORCE)')
        server.execute_admin(f'CREATE DATABASE "{TEMPLATE_DATABASE}"')
        template = Database.open(ServerAddress(server.url_for(TEMPLATE_DATABASE)))
        template.dispose()
        if server.owns_cluster:
            # The password role works on the tables as a team member would; grants travel with the template.
            server.execute_admin(
                f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {PASSWORD_ROLE}",
                f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {PASSWORD_ROLE}",
                database=TEMPLATE_DATABASE,
            )
        yield server
        server.drop_database(TEMPLATE_DATABASE)
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture
def pg_url(pg_server: TestServer) -> Iterator[str]:
    """Return the URL (password-free admin login) of a fresh, migrated PostgreSQL database for this test."""
    name = pg_server.create_database(template=TEMPLATE_DATABASE)
    yield str(ServerAddress(pg_server.url_for(name)))
    pg_server.drop_database(name)


@pytest.fixture
def pg_database(pg_url: str):
    opened = Database.open(pg_url)
    yield opened
    opened.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest):
    """A fresh database on each backend, so one service test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        opened = Database.open(request.getfixturevalue("db_path"))
    else:
        opened = Database.open(request.getfixturevalue("pg_url"))
    yield opened
    opened.dispose()
