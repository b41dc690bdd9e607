"""Bulk INSERT through the session's connection, converting values once per distinct value.

A Core insert() executed with a list of dicts runs every column type's bind processor for
every row and builds a parameter dict per row. For 100,000 leads that overhead costs more
than SQLite's own work. BulkInsert compiles the same insert() once and converts each value
with the column type's own bind processor, so the stored format is exactly what SQLAlchemy
writes. It remembers the result for values that repeat, such as the import time in every
row, and hands plain tuples to the driver's executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, Uuid, insert
from sqlalchemy.orm import Session

# Values of these types are unhashable or unique per row, so remembering them gains nothing.
_UNIQUE_VALUE_TYPES = (JSON, Uuid)

# Remembered conversions per column; the memo starts over when it grows past this.
MEMO_MAX_ENTRIES = 4096


class BulkInsert:
    """An INSERT of given columns into a table, run with executemany over row dicts."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.session = session
        connection = session.connection()
        dialect = connection.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        order = list(compiled.positiontup or ())
        # Columns with Python-side defaults join the statement unless the caller supplies them.
        self._defaults = {name: self._default(table, name) for name in order if name not in columns}
        self.sql = str(compiled)
        self.columns = order

        converters = {
            name: convert for name in order if (convert := self._converter(table, name, dialect)) is not None
        }
        supplied = [name for name in order if name not in self._defaults]
        # itemgetter of one name returns the bare value, so wrap it in a tuple.
        self._pick = itemgetter(*supplied) if len(supplied) > 1 else lambda row: (row[supplied[0]],)

        # Defaults whose function gives equal values twice, such as dict, are converted once.
        self._default_slots: list[tuple[int, Callable[[], Any] | None, Any]] = []
        for position, name in enumerate(order):
            if name not in self._defaults:
                continue
            make = self._defaults[name]
            first, second = make(), make()
            if first == second:
                convert = converters.get(name)
                constant = convert(first) if convert is not None and first is not None else first
                self._default_slots.append((position, None, constant))
            else:
                self._default_slots.append((position, make, None))

        self._conversions = [
            (position, converters[name]) for position, name in enumerate(order) if name in converters
        ]
        constants = {position for position, make, _constant in self._default_slots if make is None}
        self._row_conversions = [
            (position, convert) for position, convert in self._conversions if position not in constants
        ]

    def execute(self, rows: Iterable[dict[str, Any]]) -> None:
        parameters = []
        slots = self._default_slots
        conversions = self._row_conversions
        for row in rows:
            values = list(self._pick(row))
            for position, make, constant in slots:
                values.insert(position, make() if make is not None else constant)
            for position, convert in conversions:
                value = values[position]
                if value is not None:
                    values[position] = convert(value)
            parameters.append(tuple(values))
        if parameters:
            self.session.connection().exec_driver_sql(self.sql, parameters)

    def execute_varying(
        self, constants: Mapping[str, Any], varying: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert rows that differ only in the columns named in varying.

        Each row gives the values of varying, in that order. Every other column takes its
        value from constants, converted once for all rows, or its default.
        """
        converters = dict(self._conversions)
        positions = {name: position for position, name in enumerate(self.columns)}
        base: list[Any] = []
        for position, name in enumerate(self.columns):
            if name in varying:
                base.append(None)
                continue
            value = constants[name] if name in constants else self._defaults[name]()
            convert = converters.get(position)
            base.append(convert(value) if convert is not None and value is not None else value)
        slots = [(positions[name], converters.get(positions[name])) for name in varying]

        parameters = []
        for row in rows:
            values = base.copy()
            for (position, convert), value in zip(slots, row):
                values[position] = convert(value) if convert is not None and value is not None else value
            parameters.append(tuple(values))
        if parameters:
            self.session.connection().exec_driver_sql(self.sql, parameters)

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
    def _converter(table: Table, name: str, dialect) -> Callable[[Any], Any] | None:
        column_type = table.c[name].type
        processor = column_type.bind_processor(dialect)
        if processor is None:
            return None
        if isinstance(column_type, _UNIQUE_VALUE_TYPES):
            return processor
        if dialect.driver == "pysqlite":
            processor = _with_driver_adapter(processor)

        memo: dict[Any, Any] = {}

        def convert(value: Any) -> Any:
            try:
                return memo[value]
            except KeyError:
                if len(memo) >= MEMO_MAX_ENTRIES:
                    memo.clear()
                converted = memo[value] = processor(value)
                return converted

        return convert


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
