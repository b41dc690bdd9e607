"""Reading an imported file as a table: CSV with any common delimiter, or a workbook sheet.

A table has one header row and data rows under it. Lines above the header, such as the
"Notes:" preamble of LinkedIn's Connections.csv or a report title, are skipped. Data rows
are numbered as the user sees them after the preamble: the header is row 1, the first
data row is row 2, and a quoted cell that spans several lines still counts as one row.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from leaddesk.services.importing.encoding import fingerprint_file, hash_file
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.mapping import known_header_count
from leaddesk.services.importing.values import cell_text

logger = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")

# How much of a text file the delimiter and header detection read.
SAMPLE_CHARS = 256 * 1024
SAMPLE_RECORDS = 50

# A header is looked for among this many rows; longer preambles need header_row.
MAX_PREAMBLE_ROWS = 30

# A row with this many headers of known lead fields is the header, whatever its width.
KNOWN_HEADERS_FOR_HEADER_ROW = 2

# Some CSV cells hold whole notes; the csv module's default limit is 128 KiB.
csv.field_size_limit(64 * 1024 * 1024)

# File types the importer reads. Workbooks are still recognized by content, so an XLSX file
# saved as .csv opens too; a file without an extension is judged by its content alone.
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Table:
    """A file opened for import: its format, header and a way to read its data rows.

    header_row is the 1-based position of the header among the file's rows, preamble
    included. For CSV, rows are records: a blank line is a row, and a quoted cell with
    line breaks stays in one row.
    """

    path: Path
    sha256: str
    headers: list[str]
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # For workbooks: every row of the sheet, as calamine returns them.
    _sheet_rows: list[list[Any]] | None = None

    @property
    def is_workbook(self) -> bool:
        return self._sheet_rows is not None

    def rows(self) -> RowStream:
        """Return a fresh stream over the data rows, numbered with the header as row 1."""
        if self._sheet_rows is not None:
            return _SheetRowStream(self._sheet_rows, self.header_row)
        assert self.encoding is not None and self.delimiter is not None
        return _CsvRowStream(self.path, self.encoding, self.delimiter, self.header_row)


class RowStream:
    """An iterator of (row number, cells) that also reports how far through the file it is."""

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    @property
    def fraction(self) -> float:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file handle; the stream closes itself when exhausted."""


def open_table(
    path: Path | str, encoding: str | None = None, header_row: int | None = None, sheet: str | None = None
) -> Table:
    """Open the file at path and find its delimiter and header row.

    Workbooks are recognized by their content, not their extension, so an XLSX file saved under a
    .csv name still opens. Raises ImportFileError for a missing, empty or unreadable file and
    for an extension outside TEXT_SUFFIXES and WORKBOOK_SUFFIXES.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"{path} does not exist; check the path and try again")
    if not path.is_file():
        raise ImportFileError(f"{path} is a folder, not a file; choose a CSV or XLSX file")
    suffix = path.suffix.casefold()
    if suffix and suffix not in TEXT_SUFFIXES | WORKBOOK_SUFFIXES:
        raise ImportFileError(
            f"{path.name} has the extension {path.suffix!r}, which LeadDesk cannot import; "
            "export the leads as CSV or XLSX and import that file"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read ({error.strerror}); check its permissions") from error
    if not head:
        raise ImportFileError(f"{path.name} is empty; export the data again and import the new file")

    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        return _open_workbook(path, header_row, sheet)
    if sheet is not None:
        raise ImportFileError(f"{path.name} is a text file and has no sheets; leave the sheet empty")
    return _open_csv(path, encoding, header_row)


def unique_headers(cells: Sequence[object]) -> tuple[list[str], list[str]]:
    """Return cleaned, unique header names and warnings about the ones that were renamed.

    An empty header becomes "Column N" (N counted from 1) and the second "Email" becomes
    "Email (2)", so every column keeps its values under its own name.
    """
    headers: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = clean_header(cell_text(cell))
        if not name:
            name = f"Column {index + 1}"
        base, copy = name, 1
        while name in seen:
            copy += 1
            name = f"{base} ({copy})"
        if name != base and base == clean_header(cell_text(cell)):
            warnings.append(f"the header {base!r} appears more than once; column {index + 1} is kept as {name!r}")
        seen.add(name)
        headers.append(name)
    return headers, warnings


def clean_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def detect_delimiter(sample: str) -> str:
    """Return the delimiter that splits the sample into the most rows of one width above 1.

    Quotes are respected, so commas inside quoted cells do not count. Ties go to the wider
    split, and a sample that no candidate splits is read with a comma.
    """
    lines = sample.splitlines(keepends=True)
    if len(sample) >= SAMPLE_CHARS and len(lines) > 1:
        # The last line of a cut sample may be partial.
        lines = lines[:-1]
    text = "".join(lines)

    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            records = list(islice(csv.reader(io.StringIO(text), delimiter=delimiter), SAMPLE_RECORDS))
        except csv.Error:
            # A line break inside a quoted cell reads as unquoted when this is not the file's delimiter.
            continue
        widths = Counter(len(record) for record in records if len(record) > 1)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def detect_header_row(records: Sequence[Sequence[object]]) -> int:
    """Return the 0-based index of the header among the first records.

    The first row with at least two headers of known lead fields wins. Without one, the
    first row that fills at least half of the table's usual width is the header.
    """
    window = records[:MAX_PREAMBLE_ROWS]
    for index, record in enumerate(window):
        if known_header_count(record) >= KNOWN_HEADERS_FOR_HEADER_ROW:
            return index

    filled = [_filled_count(record) for record in records]
    widths = Counter(count for count in filled if count > 1)
    width = widths.most_common(1)[0][0] if widths else 1
    needed = max(1, math.ceil(width / 2))
    for index, count in enumerate(filled[:MAX_PREAMBLE_ROWS]):
        if count >= needed:
            return index
    return 0


def _filled_count(record: Sequence[object]) -> int:
    return sum(1 for cell in record if cell_text(cell).strip())


def _open_csv(path: Path, encoding: str | None, header_row: int | None) -> Table:
    fingerprint = fingerprint_file(path, encoding)
    with path.open(encoding=fingerprint.encoding, newline="") as handle:
        sample = handle.read(SAMPLE_CHARS)
    _reject_non_table_text(path, sample)

    delimiter = detect_delimiter(sample)
    records = list(islice(csv.reader(io.StringIO(sample), delimiter=delimiter), MAX_PREAMBLE_ROWS + SAMPLE_RECORDS))
    header_index = _header_index(path, records, header_row)
    headers, warnings = unique_headers(records[header_index])
    logger.info(
        "opened %s: encoding %s, delimiter %r, header on row %d, %d columns",
        path, fingerprint.encoding, delimiter, header_index + 1, len(headers),
    )
    return Table(
        path=path,
        sha256=fingerprint.sha256,
        headers=headers,
        header_row=header_index + 1,
        encoding=fingerprint.encoding,
        delimiter=delimiter,
        warnings=warnings,
    )


def _open_workbook(path: Path, header_row: int | None, sheet: str | None) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as error:
        raise ImportFileError(
            f"{path.name} looks like a spreadsheet but cannot be read ({error}); "
            "open it in a spreadsheet program and save it again as XLSX or CSV"
        ) from error

    sheet_names = list(workbook.sheet_names)
    if not sheet_names:
        raise ImportFileError(f"{path.name} has no sheets; save it again with the data on a sheet")
    if sheet is None:
        sheet = sheet_names[0]
    elif sheet not in sheet_names:
        raise ImportFileError(f"{path.name} has no sheet {sheet!r}; choose one of: {', '.join(sheet_names)}")
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (CalamineError, ValueError) as error:
        raise ImportFileError(f"the sheet {sheet!r} of {path.name} cannot be read ({error})") from error
    finally:
        workbook.close()

    rows = _drop_leading_empty_rows(rows)
    if not rows:
        raise ImportFileError(f"the sheet {sheet!r} of {path.name} is empty; choose the sheet that contains the leads")

    header_index = _header_index(path, rows, header_row)
    headers, warnings = unique_headers(rows[header_index])
    logger.info("opened %s: sheet %r, header on row %d, %d columns", path, sheet, header_index + 1, len(headers))
    return Table(
        path=path,
        sha256=hash_file(path),
        headers=headers,
        header_row=header_index + 1,
        sheet=sheet,
        sheet_names=sheet_names,
        warnings=warnings,
        _sheet_rows=rows,
    )


def _drop_leading_empty_rows(rows: list[list[Any]]) -> list[list[Any]]:
    # Keeping empty rows would shift row numbers, so only a sheet of nothing but empty rows is emptied.
    if all(_filled_count(row) == 0 for row in rows):
        return []
    return rows


def _header_index(path: Path, records: Sequence[Sequence[object]], header_row: int | None) -> int:
    if not records:
        raise ImportFileError(f"{path.name} has no rows; export the data again and import the new file")
    if header_row is None:
        return detect_header_row(records)
    if header_row < 1 or header_row > len(records):
        raise ImportFileError(
            f"header row {header_row} is outside {path.name}, whose first {len(records)} rows were read; "
            f"choose a row from 1 to {len(records)}"
        )
    return header_row - 1


def _reject_non_table_text(path: Path, sample: str) -> None:
    start = sample.lstrip().casefold()[:100]
    if start.startswith("<!doctype html") or start.startswith("<html"):
        raise ImportFileError(
            f"{path.name} is a web page, not a CSV file; download the file again with the site's export button"
        )
    if "\x00" in sample:
        raise ImportFileError(
            f"{path.name} contains binary data, not text; export the leads again as CSV or XLSX"
        )


class _CsvRowStream(RowStream):
    def __init__(self, path: Path, encoding: str, delimiter: str, header_row: int) -> None:
        self._size = max(path.stat().st_size, 1)
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._delimiter = delimiter
        self._header_row = header_row

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            reader = csv.reader(self._text, delimiter=self._delimiter)
            for _ in islice(reader, self._header_row):
                pass
            # The header is row 1, so the first data row is row 2.
            yield from enumerate(reader, start=2)
        except csv.Error as error:
            raise ImportFileError(
                f"{self._raw.name} cannot be read as CSV near line {reader.line_num} ({error}); "
                "check the quotes on that line"
            ) from error
        finally:
            self.close()

    @property
    def fraction(self) -> float:
        if self._raw.closed:
            return 1.0
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        self._text.close()


class _SheetRowStream(RowStream):
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
