"""Read what an SQLite file contains before it replaces a database: LeadDesk tables and the team it syncs with."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

logger = logging.getLogger(__name__)

# Tables that every LeadDesk database has had since its first schema revision.
REQUIRED_TABLES = ("alembic_version", "leads")


class NotLeadDeskError(Exception):
    """An SQLite file that LeadDesk did not write; the message names the file and the missing tables."""


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def check_leaddesk_file(path: Path) -> None:
    """Raise NotLeadDeskError unless path has the tables of a LeadDesk database."""
    connection = _read_only(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise NotLeadDeskError(
            f"{path} is an SQLite file but no LeadDesk database, because it has no {' and no '.join(missing)} table; "
            "choose a backup from 'leaddesk backup --list' or another database file that LeadDesk wrote"
        )


def team_folder_of(path: Path) -> str | None:
    """Return the team folder that the database at path syncs with, or None when it is in no team."""
    connection = _read_only(path)
    try:
        row = connection.execute("SELECT bundle_path FROM sync_identity WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None  # a file from before team sync has no sync_identity table
    finally:
        connection.close()
    return row[0] if row is not None and row[0] else None


def give_restored_file_new_identity(path: Path, source: Path) -> str | None:
    """Give the team device in the database file at path a new id after a restore; return the new id or None.

    The restored file carries the device id of the database it was copied from, which is
    still in use there or wrote segments after the backup was taken.
    """
    # Imported here because the sync package imports the backups module while it loads.
    from leaddesk.services.sync.identity import give_new_device_identity

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            ids = give_new_device_identity(connection, f"restored from {source}")
    finally:
        engine.dispose()
    return None if ids is None else ids[1]
