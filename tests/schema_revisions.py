"""Move a SQLite file to an older schema revision, so a test can fill it with old rows before upgrading."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from leaddesk.services import database as database_module


def upgrade_to(path: Path, revision: str) -> None:
    """Run the Alembic upgrades of the SQLite file at path up to revision, creating the file if missing."""
    _run(path, command.upgrade, revision)


def downgrade_to(path: Path, revision: str) -> None:
    """Run the Alembic downgrades of the SQLite file at path down to revision."""
    _run(path, command.downgrade, revision)


def _run(path: Path, alembic_command, revision: str) -> None:
    engine = database_module.create_sqlite_engine(path)
    config = database_module._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command(config, revision)
    engine.dispose()
