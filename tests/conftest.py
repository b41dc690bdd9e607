"""Shared fixtures: a fresh database file per test and the reference data folder."""

from __future__ import annotations

import locale
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from leaddesk.services.database import Database  # noqa: E402

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


@pytest.fixture
def database(db_path: Path):
    opened = Database.open(db_path)
    yield opened
    opened.dispose()


@pytest.fixture
def shared_data() -> Path:
    """Return the reference data folder, skipping when this checkout has no ../shared beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}; it sits beside the project in CI")
    return SHARED_DATA
