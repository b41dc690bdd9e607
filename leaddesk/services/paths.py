"""File locations of LeadDesk: the default database, logs and shipped resources."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from leaddesk.services.server_db.address import ServerAddress, is_server_url

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


def resolve_database_path(cli_value: str | None) -> Path | ServerAddress:
    """Pick the database: --db first, then LEADDESK_DB, then the user data folder.

    A postgresql:// URL becomes a ServerAddress, which stands in for a path: its exists()
    returns True and str() shows the URL with the password masked.
    """
    chosen = cli_value or os.environ.get(DB_ENV_VAR)
    if chosen and is_server_url(chosen):
        return ServerAddress.parse(chosen)
    if chosen:
        return Path(chosen).expanduser()
    return default_database_path()


def log_dir() -> Path:
    return data_dir() / "logs"


def resources_dir() -> Path:
    """Return the top-level resources folder, which ships beside the package in a source checkout."""
    return Path(__file__).resolve().parents[2] / "resources"
