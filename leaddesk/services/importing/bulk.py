"""Bulk INSERT through the session's connection, converting values once per distinct value.

A Core insert() executed with a list of dicts runs every column type's bind processor for
every row and builds a parameter dict per row. For 100,000 leads that overhead costs more
than SQLite's own work. BulkInsert compiles the same insert() once, converts each value
with the column type's own bind processor (so the stored format is exactly what
SQLAlchemy writes), remembers the result for values that repeat, such as the import time
in every row, and hands plain tuples to the driver's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
        self._pick = itemgetter(*order)
        self._conversions = [
            (position, convert)
            for position, name in enumerate(order)
            if (convert := self._converter(table, name, dialect)) is not None
        ]

    def execute(self, rows: Iterable[dict[str, Any]]) -> None:
        parameters = []
        defaults = self._defaults
        for row in rows:
            if defaults:
                row = {**{name: make() for name, make in defaults.items()}, **row}
            values = list(self._pick(row))
            for position, convert in self._conversions:
                value = values[position]
                if value is not None:
                    values[position] = convert(value)
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
