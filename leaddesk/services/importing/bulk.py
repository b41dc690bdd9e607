"""Bulk INSERT through the session's connection, converting values column by column.

A Core insert() executed with a list of dicts runs every column type's bind processor for
every row and builds a parameter dict per row. For 100,000 leads that overhead costs more
than SQLite's own work. BulkInsert converts each column's values with the column type's
own bind processor, so the stored format is exactly what SQLAlchemy writes, remembers the
result for values that repeat, such as the import time in every row, and hands plain
tuples to the driver's executemany.

Binding None costs the sqlite3 driver (Python 3.11) an adapter lookup per value, about
as much as inserting a short text. So a column that is None in every row of one execute
is left out of that INSERT, unless it has a server default, and SQLite stores NULL
without binding anything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from itertools import repeat
from json.encoder import c_make_encoder, encode_basestring_ascii
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, Uuid, insert
from sqlalchemy.orm import Session

from leaddesk.models.base import UTCDateTime
from leaddesk.services.driver_sql import positional_dialect

# JSON values are unhashable and primary-key ids unique per row, so remembering them gains nothing.
_UNIQUE_VALUE_TYPES = (JSON, Uuid)

# Remembered conversions per column; the memo starts over when it grows past this.
MEMO_MAX_ENTRIES = 4096

# Executes that convert a column without its memo after one where most values missed it.
SKIPPED_EXECUTES = 7


class _Constant:
    """One value that every row of an execute binds in a column."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class BulkInsert:
    """An INSERT of given columns into a table, run with executemany over row dicts."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.session = session
        self.table = table
        connection = session.connection()
        self._dialect = dialect = positional_dialect(connection.dialect)
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        order = list(compiled.positiontup or ())
        # Columns with Python-side defaults join the statement unless the caller supplies them.
        self._defaults = {name: self._default(table, name) for name in order if name not in columns}
        self.columns = order
        # Per column: a bind processor, or a _Memo around one where values repeat.
        self._converters: dict[str, Callable[[Any], Any] | _Memo] = {}
        for name in order:
            processor = self._processor(table, name, dialect)
            if processor is None:
                continue
            column = table.c[name]
            # A foreign key such as a lead's owner_id repeats, so only a primary-key id skips the memo.
            memoized = not isinstance(column.type, JSON) and not (isinstance(column.type, Uuid) and column.primary_key)
            self._converters[name] = _Memo(processor) if memoized else processor
        self._supplied = [name for name in order if name not in self._defaults]
        # Columns that SQLite fills with NULL when the INSERT leaves them out.
        self._omittable = frozenset(name for name in order if table.c[name].server_default is None)
        self._statements: dict[tuple[str, ...], str] = {}

    def execute(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert one row per dict; each dict has a value for every column given to the constructor."""
        if not rows:
            return
        supplied = self._supplied
        if len(supplied) == 1:
            name = supplied[0]
            picked: Iterable[Sequence[Any]] = [[row[name] for row in rows]]
        else:
            picked = zip(*map(itemgetter(*supplied), rows))
        values: dict[str, Any] = dict(zip(supplied, picked))
        self._insert(len(rows), values)

    def execute_varying(
        self, constants: Mapping[str, Any], varying: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert rows that differ only in the columns named in varying.

        Each row gives the values of varying, in that order. Every other column takes its
        value from constants, converted once for all rows, or its default.
        """
        rows = list(rows)
        if not rows:
            return
        values: dict[str, Any] = {name: _Constant(value) for name, value in constants.items()}
        values.update(zip(varying, zip(*rows)))
        self._insert(len(rows), values)

    def execute_columns(
        self,
        count: int,
        columns: Mapping[str, Sequence[Any]],
        constants: Mapping[str, Any],
        *,
        converted: Sequence[str] = (),
    ) -> None:
        """Insert count rows given column by column: each list in columns has count values.

        constants gives the value of other columns for every row. The values of the
        columns named in converted are already what the driver binds, such as an id's
        32 hex digits, so they skip the column type's bind processor.
        """
        if count == 0:
            return
        values: dict[str, Any] = {name: _Constant(value) for name, value in constants.items()}
        values.update(columns)
        self._insert(count, values, frozenset(converted))

    def _insert(self, count: int, given: dict[str, Any], converted: frozenset[str] = frozenset()) -> None:
        names: list[str] = []
        columns: list[Iterable[Any]] = []
        for name in self.columns:
            if name in given:
                value = given[name]
            else:
                value = _Constant(self._defaults[name]())
            convert = self._converters.get(name) if name not in converted else None
            if isinstance(value, _Constant):
                constant = value.value
                if constant is None and name in self._omittable:
                    continue
                if convert is not None and constant is not None:
                    constant = convert.one(constant) if isinstance(convert, _Memo) else convert(constant)
                names.append(name)
                columns.append(repeat(constant, count))
                continue

            if not isinstance(value, list):
                value = list(value)
            if value.count(None) == count and name in self._omittable:
                continue
            if isinstance(convert, _Memo):
                value = convert.column(value)
            elif convert is not None:
                value = [convert(item) if item is not None else None for item in value]
            names.append(name)
            columns.append(value)

        key = tuple(names)
        sql = self._statements.get(key)
        if sql is None:
            sql = self._statements[key] = str(insert(self.table).compile(dialect=self._dialect, column_keys=names))
        self.session.connection().exec_driver_sql(sql, list(zip(*columns)))

    @staticmethod
    def _default(table: Table, name: str) -> Callable[[], Any]:
        """Return a function that makes the Python-side default of a column the caller does not supply."""
        default = table.c[name].default
        if default is None or not (default.is_scalar or default.is_callable):
            raise ValueError(f"BulkInsert into {table.name} needs values for {name!r}, which has no default")
        if default.is_scalar:
            value = default.arg
            return lambda: value
        # SQLAlchemy wraps a callable default to take the execution context; plain ones ignore it.
        return lambda: default.arg(None)

    @staticmethod
    def _processor(table: Table, name: str, dialect) -> Callable[[Any], Any] | None:
        """Return the function that turns a column's value into what the driver binds, or None to bind it as it is."""
        column_type = table.c[name].type
        if dialect.driver == "pysqlite" and isinstance(column_type, UTCDateTime) and _default_datetime_adapter():
            return utc_datetime_text
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if (
            processor is not None
            and isinstance(column_type, JSON)
            and dialect.driver == "pysqlite"
            and getattr(dialect, "_json_serializer", None) is None
        ):
            return _DictJSON(processor)
        if processor is None or isinstance(column_type, _UNIQUE_VALUE_TYPES):
            return processor
        if dialect.driver == "pysqlite":
            processor = _with_driver_adapter(processor)
        return processor


class _Memo:
    """One column's converter with a memo of its results, for values that repeat, such as the import time.

    A memo miss costs a hash and a dict insert on top of the conversion, which nearly
    doubled the time of converting unique arrival times to text. So after an execute
    in which most values missed, the next SKIPPED_EXECUTES executes convert without the
    memo, and the one after them measures again.
    """

    __slots__ = ("processor", "values", "skipped")

    def __init__(self, processor: Callable[[Any], Any]) -> None:
        self.processor = processor
        self.values: dict[Any, Any] = {}
        self.skipped = 0

    def one(self, value: Any) -> Any:
        try:
            return self.values[value]
        except KeyError:
            return self._add(value)

    def column(self, items: list[Any]) -> list[Any]:
        """Return the converted items; None stays None."""
        processor = self.processor
        if self.skipped:
            self.skipped -= 1
            return [processor(item) if item is not None else None for item in items]
        memo = self.values
        converted: list[Any] = []
        append = converted.append
        misses = given = 0
        for item in items:
            if item is None:
                append(None)
                continue
            given += 1
            try:
                append(memo[item])
            except KeyError:
                misses += 1
                append(self._add(item))
        if misses * 2 > given:
            self.skipped = SKIPPED_EXECUTES
        return converted

    def _add(self, value: Any) -> Any:
        if len(self.values) >= MEMO_MAX_ENTRIES:
            self.values.clear()
        converted = self.values[value] = self.processor(value)
        return converted


class _DictJSON:
    """A JSON column's bind processor that writes dicts with one reused C encoder.

    SQLAlchemy's processor calls json.dumps, which builds a new encoder for every value.
    Reusing one cut the time per dict of two custom fields from about 2.5 to 1.6
    microseconds (timeit on a 2-core Xeon). The encoder has json.dumps' default settings,
    so the text is the same. Other values go to the column's own processor.
    """

    __slots__ = ("processor", "_markers", "_encode")

    def __init__(self, processor: Callable[[Any], Any]) -> None:
        self.processor = processor
        defaults = json.JSONEncoder()
        # The circular-reference markers of json.dumps' check_circular=True.
        self._markers: dict[int, Any] = {}
        self._encode = c_make_encoder(
            self._markers, defaults.default, encode_basestring_ascii, None,
            defaults.key_separator, defaults.item_separator, False, False, True,
        ) if c_make_encoder is not None else None

    def __call__(self, value: Any) -> Any:
        if type(value) is not dict or self._encode is None:
            return self.processor(value)
        try:
            return "".join(self._encode(value, 0))
        except Exception:
            # An error leaves the markers of the dicts it was inside.
            self._markers.clear()
            raise


def utc_datetime_text(value: datetime) -> str:
    """Return the text that UTCDateTime and the sqlite3 driver store for an aware instant.

    UTCDateTime binds the instant as a naive UTC datetime, and the sqlite3 driver's default
    adapter stores that as datetime.isoformat(" "). Doing both here in one step is several
    times faster; tests/test_import_pipeline.py checks that the text is the same.
    """
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; attach a timezone")
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    # The text of a UTC instant ends in "+00:00"; without it, it is the naive datetime's text.
    return value.isoformat(" ")[:-6]


def _default_datetime_adapter() -> bool:
    """Return whether sqlite3 still adapts datetime with its built-in adapter, which utc_datetime_text copies."""
    adapter = sqlite3.adapters.get((datetime, sqlite3.PrepareProtocol))
    return adapter is not None and getattr(adapter, "__module__", "") == "sqlite3.dbapi2"


def _with_driver_adapter(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return the processor followed by the sqlite3 adapter for its result type, such as datetime to text.

    sqlite3 would run the same adapter on every bound value. Run here, its result goes into
    the memo, so a value that repeats, such as the import time, is adapted once.
    """

    def process(value: Any) -> Any:
        result = processor(value)
        adapter = sqlite3.adapters.get((type(result), sqlite3.PrepareProtocol))
        return adapter(result) if adapter is not None else result

    return process
