"""Secondary indexes that a large import drops and rebuilds before it commits, on SQLite.

SQLite adds every inserted row to every index of its table. In an index on values in
random order, such as arrival times, each row lands on another B-tree page, while a
column that the import leaves NULL, or fills in ascending order, appends to one page.
So during a large import the writer drops the indexes on columns that its rows fill,
apart from those it looks leads up by, and CREATE INDEX rebuilds them afterwards by
sorting the rows once. Measured on a shared 2-core Xeon with the 100,000 rows of
bench/import_bench.py: copying them into the leads table in chunks of 1,000 took 7.7 s
with its 17 secondary indexes and 3.5 s with only the three match-key indexes. In
run_import, where most of those indexes hold only NULLs, dropping the ones on filled
columns cut CPU time by about 4% (9.3 s against 9.6 s, mean of 3 alternating runs each).

Rebuilding an index reads every row of the table, so it pays only while the import adds
at least as many rows as the table had before. SQLite runs DROP INDEX and CREATE INDEX
inside the import's transaction, so a rollback, a cancel or a crash leaves every index
as it was, and other connections see the indexes unchanged until the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# Rows an import adds to a table before its indexes may be dropped, so that small imports
# into a small table leave the schema alone.
MIN_DEFERRED_ROWS = 5_000


@dataclass
class DeferredIndexes:
    """The secondary indexes of one table that an import may drop while it inserts, then rebuild.

    kept_columns names the columns whose indexes stay, because the import looks rows up
    by them while it runs. Unique indexes stay too, because they enforce constraints.
    """

    session: Session
    table: str
    kept_columns: Collection[str] = ()
    inserted: int = 0
    _dropped: dict[str, str] = field(default_factory=dict)
    _threshold: int | None = None

    def before_insert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Count rows about to be inserted; drop the indexes once the import's rows reach the table's earlier rows."""
        self.inserted += len(rows)
        if self._dropped or self.inserted < MIN_DEFERRED_ROWS:
            return
        if self.session.get_bind().dialect.name != "sqlite":
            return
        if self._threshold is None:
            self._threshold = self._rows_before(inserted_already=self.inserted - len(rows))
        if self.inserted >= self._threshold:
            self._drop(_filled_columns(rows))

    def rebuild(self) -> None:
        """Create the dropped indexes again with their original SQL; call before the commit."""
        if not self._dropped:
            return
        connection = self.session.connection()
        for sql in self._dropped.values():
            connection.exec_driver_sql(sql)
        logger.info("rebuilt %d indexes of %s after inserting %d rows", len(self._dropped), self.table, self.inserted)
        self._dropped.clear()

    def _rows_before(self, inserted_already: int) -> int:
        """Return how many rows the table had before this import, at least MIN_DEFERRED_ROWS."""
        count = self.session.execute(text(f'SELECT count(*) FROM "{self.table}"')).scalar_one()
        return max(count - inserted_already, MIN_DEFERRED_ROWS)

    def _drop(self, filled: set[str]) -> None:
        """Drop the non-unique indexes on columns in filled, unless they cover a kept column."""
        connection = self.session.connection()
        indexes = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (self.table,),
        ).all()
        for name, sql in indexes:
            if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                continue
            columns = {row[2] for row in connection.exec_driver_sql(f'PRAGMA index_info("{name}")')}
            if columns & set(self.kept_columns) or not columns & filled:
                continue
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
            self._dropped[name] = sql
        logger.info(
            "dropped %d indexes of %s for the rest of a large import; they are rebuilt before it commits",
            len(self._dropped), self.table,
        )


def _filled_columns(rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """Return the columns that have a value other than None in some of the rows."""
    filled: set[str] = set()
    for row in rows:
        filled.update(name for name, value in row.items() if value is not None)
    return filled
