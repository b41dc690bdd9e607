"""A file opened for import: its header, how it was read, and streams over its data rows.

Data rows are numbered as the user sees them after any preamble: the header is row 1 and
the first data row is row 2. The readers mark what they could not read with certainty:
a whole row as a FlaggedRow, a single cell as a FlaggedValue. The row converter rejects
rows that carry either mark, with the reason the reader gave, so nothing is stored wrong
and nothing is dropped without a rejected row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class FlaggedValue(str):
    """A cell whose text is shown as it is in the file but cannot be imported; reason explains why and how to fix it."""

    reason: str

    def __new__(cls, text: str, reason: str) -> FlaggedValue:
        value = super().__new__(cls, text)
        value.reason = reason
        return value


class FlaggedRow(list):
    """The cells of a row that the reader could not split with certainty, and why.

    value is the row's text as it appears in the file, for the rejected-rows report.
    """

    def __init__(self, cells: list[Any], value: str, reason: str) -> None:
        super().__init__(cells)
        self.value = value
        self.reason = reason


class RowStream:
    """An iterator of (row number, cells) that also reports how far through the file it is."""

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    @property
    def fraction(self) -> float:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file handle; the stream closes itself when exhausted."""

    def repair_warnings(self) -> list[str] | None:
        """Return the warnings about rows this stream repaired, or None when opening the file gave them."""
        return None


class ListRowStream(RowStream):
    """Data rows kept in memory, as read from a workbook sheet or a vCard file.

    rows contains every row of the source, the preamble and the header included, and
    header_row is the 1-based position of the header among them.
    """

    def __init__(self, rows: list[list[Any]], header_row: int) -> None:
        self._rows = rows
        self._first = header_row
        self._position = header_row

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        for offset, row in enumerate(self._rows[self._first:]):
            self._position = self._first + offset + 1
            yield offset + 2, row

    @property
    def fraction(self) -> float:
        return self._position / max(len(self._rows), 1)


@dataclass
class Table:
    """A file opened for import: its format, header and a way to read its data rows.

    kind is "csv" for delimited text, "workbook" or "vcard". header_row is the 1-based
    position of the header among the file's rows, preamble included. For CSV, rows are
    records: a blank line is a row, and a quoted cell with line breaks stays in one row.
    A vCard file has no header line, so its header is row 1 and contact N is row N + 1.
    rows_scanned counts the rows of the source that opening read beyond the values
    themselves, such as the rows of a sheet whose number formats were checked.
    """

    path: Path
    sha256: str
    headers: list[str]
    header_row: int
    open_rows: Callable[[], RowStream]
    kind: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_scanned: int = 0
    # Merged cell ranges of a workbook sheet that reach below the header, filled or not.
    merged_ranges: int = 0
    # Set when opening skipped the scan for repairs: the index in warnings where the row
    # stream's repair_warnings() belong once every row has been read.
    repair_warnings_at: int | None = None

    @property
    def is_workbook(self) -> bool:
        return self.kind == "workbook"

    def rows(self) -> RowStream:
        """Return a fresh stream over the data rows, numbered with the header as row 1."""
        return self.open_rows()
