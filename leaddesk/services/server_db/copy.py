"""Copying every table of one LeadDesk database into another, SQLite to PostgreSQL or back.

Both databases are opened at the same schema revision first, so the copy moves rows, not
schema. Rows go through the models' column types (UUIDs, UTC instants, JSON, booleans),
so each backend stores them its own way. Afterwards every table's row count and a SHA-256
checksum over its rows, read back from each side in primary-key order, must match.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from functools import lru_cache

from sqlalchemy import Connection, String, Table, create_engine, func, inspect, select, text
from sqlalchemy.pool import StaticPool

from leaddesk.models import Base
from leaddesk.services.database import Database

logger = logging.getLogger(__name__)

COPY_CHUNK_ROWS = 2_000

CopyProgress = Callable[[float, str], None]


class CopyError(Exception):
    """The copy cannot start or did not verify; the message names the table and what to do."""


@dataclass
class TableResult:
    name: str
    rows: int
    checksum: str


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[TableResult] = field(default_factory=list)
    # The target's new team device id, set when the source was a device of a synced-folder team.
    new_device_id: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "total_rows": self.total_rows,
            "tables": [{"name": t.name, "rows": t.rows, "sha256": t.checksum} for t in self.tables],
            "new_device_id": self.new_device_id,
        }


def copied_tables() -> list[Table]:
    """Return every LeadDesk table in foreign-key order; alembic_version is managed by migrations."""
    return list(Base.metadata.sorted_tables)


def _check_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        present = set(inspect(connection).get_table_names()) - {"alembic_version"}
    unknown = present - {table.name for table in copied_tables()}
    if unknown:
        raise CopyError(
            f"{database.location} has tables this LeadDesk does not know ({', '.join(sorted(unknown))}); "
            "they would not be copied, so nothing was copied. Open it with the LeadDesk that made them."
        )


def _row_counts(connection: Connection) -> dict[str, int]:
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one() for table in copied_tables()}


@lru_cache(maxsize=1)
def _seeded_checksums() -> dict[str, tuple[int, str]]:
    """Return the checksum of each table of a freshly migrated database, without the write times of seeded rows."""
    fresh = Database(create_engine("sqlite://", poolclass=StaticPool))
    try:
        fresh.upgrade_schema()
        with fresh.engine.connect() as connection:
            return {table.name: table_checksum(connection, table, skip_instants=True) for table in copied_tables()}
    finally:
        fresh.dispose()


def non_empty_tables(database: Database) -> dict[str, int]:
    """Return the tables of database that hold rows other than those a new database starts with, with row counts."""
    seeded = _seeded_checksums()
    occupied = {}
    with database.engine.connect() as connection:
        for name, count in _row_counts(connection).items():
            if count and table_checksum(connection, Base.metadata.tables[name], skip_instants=True) != seeded[name]:
                occupied[name] = count
    return occupied


def _check_lengths(connection: Connection, source: Database, target: Database) -> None:
    """Raise CopyError for text longer than its column allows, which PostgreSQL rejects and SQLite stores."""
    if target.engine.dialect.name != "postgresql" or not source.is_sqlite:
        return
    problems = []
    for table in copied_tables():
        key = list(table.primary_key.columns)
        for column in table.columns:
            if not isinstance(column.type, String) or column.type.length is None:
                continue
            statement = (
                select(*key, func.length(column))
                .where(func.length(column) > column.type.length)
                .limit(3)
            )
            for row in connection.execute(statement):
                row_id = ", ".join(str(value) for value in row[:-1])
                problems.append(
                    f"{table.name}.{column.name} of row {row_id} has {row[-1]} characters, "
                    f"more than the {column.type.length} PostgreSQL allows"
                )
    if problems:
        raise CopyError(
            "; ".join(problems[:10])
            + ". Shorten these values in the SQLite database (in LeadDesk or with the sqlite3 tool), then copy again; "
            "nothing was copied"
        )


def _ordered(table: Table):
    return select(table).order_by(*table.primary_key.columns)


def _normal(value: Any) -> Any:
    """Return a value in one form on both backends, for the checksum."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def table_checksum(connection: Connection, table: Table, *, skip_instants: bool = False) -> tuple[int, str]:
    """Return the row count and a SHA-256 over the rows of table in primary-key order.

    With skip_instants, date and time columns are left out, so rows that differ only in
    when they were written compare equal.
    """
    digest = hashlib.sha256()
    rows = 0
    for row in connection.execute(_ordered(table)).mappings():
        normal = {
            name: _normal(value)
            for name, value in row.items()
            if not (skip_instants and isinstance(value, datetime | date))
        }
        digest.update(json.dumps(normal, sort_keys=True, default=str).encode())
        digest.update(b"\n")
        rows += 1
    return rows, digest.hexdigest()


def _chunks(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    result = connection.execution_options(stream_results=True).execute(_ordered(table))
    for partition in result.mappings().partitions(COPY_CHUNK_ROWS):
        yield [dict(row) for row in partition]


def _clear(connection: Connection, target: Database) -> None:
    tables = copied_tables()
    if target.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        connection.execute(text(f"TRUNCATE {names}"))
        return
    for table in reversed(tables):
        connection.execute(table.delete())


def _replace_trigger_rows(reader: Connection, writer: Connection, totals: dict[str, int]) -> None:
    """Copy again each table that triggers added rows to while later tables were copied.

    Inserting lead evaluations fires the trigger that records qualification changes, so
    the target would hold those rows twice: once from the trigger and once copied.
    """
    for table in copied_tables():
        present = writer.execute(select(func.count()).select_from(table)).scalar_one()
        if present == totals[table.name]:
            continue
        logger.info("table %s got %d rows from triggers during the copy; copying it again", table.name, present - totals[table.name])
        writer.execute(table.delete())
        for chunk in _chunks(reader, table):
            writer.execute(table.insert(), chunk)


def _reset_sequences(connection: Connection, target: Database) -> None:
    """Move PostgreSQL's id sequences past the copied ids, so the next insert does not collide."""
    if target.engine.dialect.name != "postgresql":
        return
    for table in copied_tables():
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (column.autoincrement == "auto" and column.type.python_type is int):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            ).scalar_one()
            if sequence is None:
                continue
            connection.execute(
                text(f"SELECT setval(:sequence, COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"),
                {"sequence": sequence},
            )


def copy_database(
    source: Database, target: Database, *, replace: bool = False, progress: CopyProgress | None = None
) -> CopyReport:
    """Copy every row of source into target in one transaction on target, then verify both sides.

    A target that contains rows beyond those a new database starts with is rejected unless
    replace is true. The target is emptied inside the same transaction as the copy, so a
    failed copy leaves it as it was.
    """
    if source.current_revision() != target.current_revision():
        raise CopyError(
            f"{source.location} is at schema revision {source.current_revision()} and {target.location} at "
            f"{target.current_revision()}; open both with this LeadDesk first"
        )
    _check_schema(source)
    _check_schema(target)
    occupied = non_empty_tables(target)
    if occupied and not replace:
        listed = ", ".join(f"{name} ({count} rows)" for name, count in sorted(occupied.items()))
        raise CopyError(
            f"{target.location} already contains LeadDesk data ({listed}); "
            "choose an empty database, or pass --replace to overwrite it"
        )

    report = CopyReport(source=source.location, target=target.location)
    with source.engine.connect() as reader:
        _check_lengths(reader, source, target)
        totals = _row_counts(reader)
        grand_total = max(sum(totals.values()), 1)
        copied = 0
        with target.engine.begin() as writer:
            # Rows that migrations seed go too, because the source has its own copy of them.
            if occupied:
                logger.info("emptying %s before the copy (--replace)", target.location)
            _clear(writer, target)
            for table in copied_tables():
                # Rows here can only come from triggers on tables copied before this one.
                writer.execute(table.delete())
                for chunk in _chunks(reader, table):
                    writer.execute(table.insert(), chunk)
                    copied += len(chunk)
                    if progress is not None:
                        progress(copied / grand_total, f"{table.name} {copied:,} of {grand_total:,} rows")
            _replace_trigger_rows(reader, writer, totals)
            _reset_sequences(writer, target)
        logger.info("copied %s rows from %s to %s", copied, source.location, target.location)

        with target.engine.connect() as checker:
            for table in copied_tables():
                source_rows, source_sum = table_checksum(reader, table)
                target_rows, target_sum = table_checksum(checker, table)
                if source_rows != target_rows:
                    raise CopyError(
                        f"table {table.name}: {source_rows} rows in {source.location} but {target_rows} in "
                        f"{target.location} after the copy; the source is unchanged, copy again with --replace"
                    )
                if source_sum != target_sum:
                    raise CopyError(
                        f"table {table.name}: the rows differ after the copy (checksum {source_sum[:12]} "
                        f"against {target_sum[:12]}); the source is unchanged, report this with both databases"
                    )
                report.tables.append(TableResult(table.name, source_rows, source_sum))
    report.new_device_id = _new_device_identity(target, source)
    return report


def _new_device_identity(target: Database, source: Database) -> str | None:
    """Give the copy a team device id of its own, because the source may stay in use under the old one.

    This runs after the checksums, which compare the copied rows as they were.
    """
    # Imported here because the sync package imports the database module while it loads.
    from leaddesk.services.sync.identity import give_new_device_identity

    with target.engine.begin() as connection:
        ids = give_new_device_identity(connection, f"copied from {source.location} by migrate-to")
    return None if ids is None else ids[1]
