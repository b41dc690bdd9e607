"""File locations of LeadDesk: the default database, logs and shipped resources."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "LeadDesk"
DB_ENV_VAR = "LEADDESK_DB"
DATA_DIR_ENV_VAR = "LEADDESK_DATA_DIR"


def data_dir() -> Path:
    """Return the user data folder; LEADDESK_DATA_DIR overrides it for tests and portable installs."""
    override = os.environ.get(DATA_DIR_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "leaddesk.sqlite"


def resolve_database_path(cli_value: str | None) -> Path:
    """Pick the database file: --db first, then LEADDESK_DB, then the user data folder."""
    if cli_value:
        return Path(cli_value).expanduser()
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    return default_database_path()


def log_dir() -> Path:
    return data_dir() / "logs"


def resources_dir() -> Path:
    """Return the top-level resources folder, which ships beside the package in a source checkout."""
    return Path(__file__).resolve().parents[2] / "resources"
