"""Raw SQL for the DB-API driver on either backend: SQLite's ? placeholders become %s for psycopg.

Hot paths hand statements straight to the driver's executemany, which skips SQLAlchemy's
per-row work. The statements are written once with ? placeholders, and sqlite3 takes them
as they are. psycopg takes %s placeholders instead, and a literal % must be doubled.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


@lru_cache(maxsize=512)
def _to_format(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def driver_sql(sql: str, dialect: Dialect) -> str:
    """Return sql, written with ? placeholders, in the paramstyle of dialect's driver."""
    if dialect.paramstyle == "qmark":
        return sql
    if dialect.paramstyle in {"format", "pyformat"}:
        return _to_format(sql)
    raise ValueError(f"raw SQL with ? placeholders is not supported for paramstyle {dialect.paramstyle!r}")


_positional: dict[type, Dialect] = {}


def positional_dialect(dialect: Dialect) -> Dialect:
    """Return dialect itself when it binds positionally, else an instance of its class with %s placeholders.

    Code that zips compiled.positiontup with value tuples needs a positional paramstyle,
    and psycopg's default pyformat (%(name)s) is not one.
    """
    if dialect.positional:
        return dialect
    cls = type(dialect)
    if cls not in _positional:
        _positional[cls] = cls(paramstyle="format")
    return _positional[cls]


_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_style(value: Any) -> Any:
    """Return a value read by psycopg in the form the sqlite3 driver returns for the same column.

    UUIDs become 32 lowercase hex digits, JSON becomes its text, and instants become naive
    UTC text, which is how SQLAlchemy stores them on SQLite. Code that reads rows from a
    raw cursor then gets the same values on both backends.
    """
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime(_SQLITE_DATETIME)
    return value


class DriverCursor:
    """A DB-API cursor of a SQLAlchemy connection that takes ? placeholders and returns sqlite3-style rows.

    On SQLite it passes everything straight through. On PostgreSQL it rewrites the
    placeholders for psycopg and converts each returned value with sqlite_style.
    """

    def __init__(self, connection: Connection) -> None:
        self._dialect = connection.dialect
        self._cursor = connection.connection.cursor()
        self._convert = self._dialect.name != "sqlite"

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> DriverCursor:
        self._cursor.execute(driver_sql(sql, self._dialect), tuple(parameters))
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        self._cursor.executemany(driver_sql(sql, self._dialect), rows)

    def _row(self, row: Sequence[Any]) -> tuple:
        return tuple(sqlite_style(value) for value in row) if self._convert else row

    def fetchone(self) -> tuple | None:
        row = self._cursor.fetchone()
        return None if row is None else self._row(row)

    def fetchall(self) -> list[tuple]:
        rows = self._cursor.fetchall()
        return [self._row(row) for row in rows] if self._convert else rows

    def __iter__(self) -> Iterator[tuple]:
        return (self._row(row) for row in self._cursor)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def close(self) -> None:
        self._cursor.close()


def driver_cursor(connection: Connection) -> DriverCursor:
    return DriverCursor(connection)


def as_uuid(value: str | uuid.UUID) -> uuid.UUID:
    """Return a UUID from a stored id: SQLite's 32 hex digits, or the uuid.UUID that psycopg returns."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def stored_id_list_sql(column: str, dialect: Dialect) -> str:
    """Return an aggregate SQL expression that joins the stored ids of column with commas.

    The ids come out as SQLite stores them, 32 hex digits without hyphens, on both backends.
    """
    if dialect.name == "sqlite":
        return f"group_concat({column})"
    return f"string_agg(replace(CAST({column} AS TEXT), '-', ''), ',')"


class stored_id_text(FunctionElement):
    """A Uuid column as text in SQLite's stored form (32 hex digits), for prefix searches on ids."""

    type = String()
    inherit_cache = True


@compiles(stored_id_text)
def _stored_id_text_sqlite(element: stored_id_text, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(stored_id_text, "postgresql")
def _stored_id_text_postgresql(element: stored_id_text, compiler: Any, **kw: Any) -> str:
    return f"replace(CAST({compiler.process(element.clauses, **kw)} AS TEXT), '-', '')"


class stored_instant_text(FunctionElement):
    """A UTCDateTime column as text in SQLite's stored form, for keyset cursors kept as JSON.

    SQLite returns the stored text itself. PostgreSQL formats the instant in UTC the same
    way (YYYY-MM-DD HH:MM:SS.ffffff), so the text sorts in time order on both backends.
    """

    type = String()
    inherit_cache = True


@compiles(stored_instant_text)
def _stored_instant_text_sqlite(element: stored_instant_text, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(stored_instant_text, "postgresql")
def _stored_instant_text_postgresql(element: stored_instant_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
