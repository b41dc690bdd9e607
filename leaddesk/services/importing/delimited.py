"""Reading delimited text (CSV, TSV, Excel's "Unicode Text") as a table, repairing broken rows.

Rows that spreadsheets and hand edits break are repaired when the fix is certain and
reported when it is not:

- a row whose whole line was wrapped in quotes, with its inner quotes doubled, reads as
  one value. It is split again when that gives the header's width;
- a row with fewer values than the header is read with the missing values empty;
- a row with more values, where the extra ones are empty, is cut to the header's width.
  A row whose extra values are not empty keeps them as custom fields "Column N" and is
  named in a warning;
- a quote that is never closed swallows the lines after it into one value. The row that
  opens it is rejected, and the swallowed lines are read again as rows of their own.

Opening a file reads it once to the end, so the warnings about repairs in the preview
name every affected row, not only those in the sample. An import may skip that scan
(scan=False): its row stream then finds the repairs while the rows are converted, and
returns their warnings at the end (DelimitedRowStream.repair_warnings).
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

from leaddesk.services.importing.encoding import FileFingerprint
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.headers import MAX_PREAMBLE_ROWS, header_index, unique_headers
from leaddesk.services.importing.sniffing import check_no_nul
from leaddesk.services.importing.table import FlaggedRow, RowStream, Table

logger = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")

# How much of a text file the delimiter and header detection read.
SAMPLE_CHARS = 256 * 1024
SAMPLE_RECORDS = 50

# Row numbers listed in one warning; the rest are counted.
LISTED_ROWS = 10

# Characters of lines read per block, and lines of records already returned that are kept.
BLOCK_CHARS = 1 << 16
TRIM_LINES = 4096

# Some CSV cells hold whole notes; the csv module's default limit is 128 KiB.
csv.field_size_limit(64 * 1024 * 1024)


def detect_delimiter(sample: str) -> str:
    """Return the delimiter that splits the sample into the most rows of one width above 1.

    Quotes are respected, so commas inside quoted cells do not count. A delimiter that
    gives every non-blank row the same width wins first, because a wrong delimiter cuts a
    quoted cell with line breaks into extra rows, which can outnumber the rows of a short
    file. Ties go to the wider split, and a sample that no candidate splits is read with a comma.
    """
    lines = sample.splitlines(keepends=True)
    if len(sample) >= SAMPLE_CHARS and len(lines) > 1:
        # The last line of a cut sample may be partial.
        lines = lines[:-1]
    text = "".join(lines)

    best, best_score = ",", (False, 0, 0)
    for delimiter in DELIMITERS:
        try:
            records = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), SAMPLE_RECORDS))
        except csv.Error:
            # A line break inside a quoted cell reads as unquoted when this is not the file's delimiter.
            continue
        widths = Counter(len(record) for record in records if len(record) > 1)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        uniform = all(len(record) == width for record in records if record)
        if (uniform, count, width) > best_score:
            best, best_score = delimiter, (uniform, count, width)
    return best


def open_delimited(
    path: Path, fingerprint: FileFingerprint, sample: str, header_row: int | None, *, scan: bool = True
) -> Table:
    """Open a decoded text file as a table: delimiter, header row, repairs and their warnings.

    With scan=False the whole file is not read here, unless the header ends in empty
    cells (whether those columns stay depends on every row). The table's repair warnings
    then come from its row stream after a full read, and repair_warnings_at gives
    their place among the table's warnings.
    """
    check_no_nul(path, fingerprint.encoding)
    delimiter = detect_delimiter(sample)
    records = list(islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), MAX_PREAMBLE_ROWS + SAMPLE_RECORDS))
    index = header_index(path, records, header_row)
    header_cells, warnings = _header_cells(records[index], delimiter)

    trailing = _trailing_empty_count(header_cells)
    width = len(header_cells) - trailing
    if not scan and not trailing:
        return _unscanned_table(path, fingerprint, delimiter, index + 1, header_cells, warnings)
    log, clean = _scan(path, fingerprint.encoding, delimiter, index + 1, width)
    if trailing and log.has_extra_values:
        # Some row has values under the empty trailing headers, so those columns stay.
        width = len(header_cells)
        log, clean = _scan(path, fingerprint.encoding, delimiter, index + 1, width)
    elif trailing:
        warnings.append(
            f"every line of {path.name} ends with an extra {_delimiter_noun(delimiter)}; "
            f"the empty column{'s' if trailing > 1 else ''} after the last header {'were' if trailing > 1 else 'was'} dropped"
        )

    headers, header_warnings = unique_headers(header_cells[:width])
    warnings.extend(header_warnings)
    warnings.extend(log.warnings(width))
    if len(headers) == 1:
        warnings.extend(_one_column_warning(path, headers[0]))

    logger.info(
        "opened %s: encoding %s, delimiter %r, header on row %d, %d columns",
        path, fingerprint.encoding, delimiter, index + 1, len(headers),
    )
    encoding = fingerprint.encoding
    return Table(
        path=path,
        sha256=fingerprint.sha256,
        headers=headers,
        header_row=index + 1,
        # A partial, unlike a lambda, pickles, so a worker process can read the rows (see worker.py).
        open_rows=partial(DelimitedRowStream, path, encoding, delimiter, index + 1, width, clean=clean),
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        warnings=warnings,
    )


def _unscanned_table(
    path: Path, fingerprint: FileFingerprint, delimiter: str, header_row: int, header_cells: list[str], warnings: list[str]
) -> Table:
    """Return the table of a file that was not scanned for repairs; its row stream checks the rows as it reads them."""
    width = len(header_cells)
    headers, header_warnings = unique_headers(header_cells)
    warnings.extend(header_warnings)
    repair_warnings_at = len(warnings)
    if len(headers) == 1:
        warnings.extend(_one_column_warning(path, headers[0]))
    logger.info(
        "opened %s without a scan for repairs: encoding %s, delimiter %r, header on row %d, %d columns",
        path, fingerprint.encoding, delimiter, header_row, len(headers),
    )
    return Table(
        path=path,
        sha256=fingerprint.sha256,
        headers=headers,
        header_row=header_row,
        open_rows=partial(DelimitedRowStream, path, fingerprint.encoding, delimiter, header_row, width, clean=None),
        kind="csv",
        encoding=fingerprint.encoding,
        delimiter=delimiter,
        warnings=warnings,
        repair_warnings_at=repair_warnings_at,
    )


@dataclass
class RepairLog:
    """The repairs and problems found while reading the rows of one file, by row number."""

    unwrapped: list[int] = field(default_factory=list)
    padded: list[int] = field(default_factory=list)
    extra: dict[int, int] = field(default_factory=dict)
    swallowed: list[tuple[int, int, int]] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)

    @property
    def has_extra_values(self) -> bool:
        """Return whether any row has values beyond the header's width."""
        return bool(self.extra)

    def warnings(self, width: int) -> list[str]:
        """Return one warning per kind of repair, listing the rows it touched."""
        messages = []
        if self.unwrapped:
            each = "it" if len(self.unwrapped) == 1 else "each"
            messages.append(
                f"{_rows_phrase(self.unwrapped)} {_was(self.unwrapped)} wrapped whole in quotes, so {each} read as "
                f"one value; {_they(self.unwrapped)} {_was(self.unwrapped)} split into the {width} columns of the header"
            )
        if self.padded:
            messages.append(
                f"{_rows_phrase(self.padded)} {_has(self.padded)} fewer values than the {width} columns of the header; "
                "the missing values at the end were left empty"
            )
        if self.extra:
            rows = sorted(self.extra)
            widest = max(self.extra.values())
            counted = f"{widest} values" if len(rows) == 1 else f"up to {widest} values"
            messages.append(
                f"{_rows_phrase(rows)} {_has(rows)} {counted}, more than the {width} columns of the header; "
                f"the extra values are kept as custom fields named Column {width + 1} and up. "
                f"Check {'that row' if len(rows) == 1 else 'those rows'} for a value with an unquoted delimiter"
            )
        for opener, first, last in self.swallowed:
            messages.append(_swallow_reason(opener, first, last))
        if self.unreadable:
            messages.append(
                f"{_rows_phrase(self.unreadable)} cannot be read as CSV and {_was(self.unreadable)} rejected; "
                "check the quotes on those lines"
            )
        return messages


class DelimitedRowStream(RowStream):
    """The data rows of a delimited text file, repaired as the module docstring describes.

    clean=True promises that the file needs no repair, as _reads_strictly found when the
    file was opened. Its records then go from csv.reader to the caller without a Python
    step per row. clean=None means that opening did not check the file. The stream then
    reads strictly while every row has the header's width or is blank. At the first
    other row it reads the file again with the repair reader from the start, and passes
    on only the rows from that row on, so the rows and the log are those of a scanned file.
    """

    def __init__(
        self,
        path: Path,
        encoding: str,
        delimiter: str,
        header_row: int,
        width: int,
        log: RepairLog | None = None,
        *,
        clean: bool | None = False,
    ) -> None:
        self._path = path
        self._size = max(path.stat().st_size, 1)
        self._raw = path.open("rb")
        self._encoding = encoding
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._delimiter = delimiter
        self._header_row = header_row
        self._width = width
        self._log = log if log is not None else RepairLog()
        self._clean = clean

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            if self._clean:
                yield from self._clean_rows()
            elif self._clean is None:
                yield from self._checked_rows()
            else:
                yield from _RecordReader(self._text, self._delimiter, self._width, self._header_row, self._log)
        finally:
            self.close()

    def repair_warnings(self) -> list[str] | None:
        """Return the warnings about the repairs made so far, or None when opening the file already gave them."""
        if self._clean is not None:
            return None
        return self._log.warnings(self._width)

    def _checked_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Yield the rows strictly read up to the first one that may need a repair, then the repair reader's rows."""
        try:
            records = csv.reader(self._text, delimiter=self._delimiter, strict=True)
            width = self._width
            # The first row that the repair reader must judge, once the strict reading stops.
            needs_repair = 2
            try:
                next(islice(records, self._header_row, self._header_row), None)
                for number, fields in enumerate(records, 2):
                    if len(fields) != width and fields:
                        needs_repair = number
                        break
                    yield number, fields
                    needs_repair = number + 1
                else:
                    return
            except csv.Error:
                pass
            # Strict parsing succeeded on every record before needs_repair, so the repair
            # reader reads those the same way and finds nothing to repair in them.
            self._text.close()
            self._raw = self._path.open("rb")
            self._text = io.TextIOWrapper(self._raw, encoding=self._encoding, newline="")
            rows = _RecordReader(self._text, self._delimiter, width, self._header_row, self._log)
            for number, fields in rows:
                if number >= needs_repair:
                    yield number, fields
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"{self._path.name} cannot be decoded as {self._encoding}; choose another encoding"
            ) from error

    def _clean_rows(self) -> Iterator[tuple[int, list[Any]]]:
        records = csv.reader(self._text, delimiter=self._delimiter, strict=True)
        try:
            # Skip the preamble and the header, then number the data rows from 2 as _RecordReader does.
            next(islice(records, self._header_row, self._header_row), None)
            yield from enumerate(records, 2)
        except csv.Error as error:
            # Opening read the whole file under the same rules without an error.
            raise ImportFileError(
                f"{self._path.name} changed after it was opened: line {records.line_num} cannot be read as CSV "
                f"any more ({error}); open the file again and import it again"
            ) from error

    @property
    def fraction(self) -> float:
        if self._raw.closed:
            return 1.0
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        self._text.close()


class _RecordLines:
    """csv.reader over the physical lines of a text, which returns the lines of each record too.

    The lines are read in blocks with readlines(), and csv.reader pulls them through C
    iterators, so a well-formed file costs no Python call per line. csv.reader never reads
    ahead of the record it returns, so its line_num gives the lines each record took.
    """

    def __init__(self, handle: TextIO, delimiter: str) -> None:
        self._handle = handle
        self._delimiter = delimiter
        self._blocks = self._read_blocks()
        self._restart([])

    def next_record(self) -> tuple[list[str], int, int, csv.Error | None] | None:
        """Return (fields, first line, end line, error) of the next record, or None at the end.

        Lines are counted from the last restart. A record that csv.reader cannot parse
        comes with its error and no fields.
        """
        first = self._used
        if first - self._offset > TRIM_LINES:
            del self._lines[: first - self._offset]
            self._offset = first
        try:
            fields = next(self._reader)
            error = None
        except StopIteration:
            return None
        except csv.Error as caught:
            fields, error = [], caught
        end = self._used = self._reader.line_num
        if error is not None and end == first:
            return None
        return fields, first, end, error

    def lines(self, first: int, end: int) -> list[str]:
        return self._lines[first - self._offset : end - self._offset]

    def read_again_after(self, line: int) -> None:
        """Make the lines after the given line the next ones csv.reader reads."""
        self._restart(self._lines[line + 1 - self._offset :])

    def _restart(self, head: list[str]) -> None:
        # _lines[0] is line _offset of the current reader. _read_blocks appends every block it hands out.
        self._lines = list(head)
        self._offset = 0
        self._used = 0
        self._reader = csv.reader(chain(head, chain.from_iterable(self._blocks)), delimiter=self._delimiter)

    def _read_blocks(self) -> Iterator[list[str]]:
        while True:
            block = self._handle.readlines(BLOCK_CHARS)
            if not block:
                return
            self._lines.extend(block)
            yield block


class _RecordReader:
    """Turns the records of a delimited text into numbered, repaired data rows."""

    def __init__(self, handle: TextIO, delimiter: str, width: int, header_row: int, log: RepairLog) -> None:
        self._records = _RecordLines(handle, delimiter)
        self._delimiter = delimiter
        self._width = width
        self._header_row = header_row
        self._log = log

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        records = self._records
        for _ in range(self._header_row):
            if records.next_record() is None:
                return

        width = self._width
        number = 1
        while True:
            record = records.next_record()
            if record is None:
                return
            fields, first, end, error = record
            number += 1

            if end - first > 1:
                lines = records.lines(first, end)
                if error is not None or self._is_swallowing(lines):
                    yield number, self._reject_swallowing(number, lines, first)
                    continue
            if error is not None:
                self._log.unreadable.append(number)
                text = "".join(records.lines(first, end)).rstrip("\r\n")
                yield number, FlaggedRow(
                    _parse_alone(text, self._delimiter), text,
                    f"row {number} cannot be read as CSV ({error}); check the quotes on that line",
                )
                continue
            if len(fields) == width:
                # The common case: nothing to repair.
                yield number, fields
                continue
            yield number, self._repair(number, fields)

    def _is_swallowing(self, lines: list[str]) -> bool:
        """Return whether a record of several lines is an unclosed quote that took the rows after it.

        A well-formed record parses under the csv module's strict mode. A broken one fails
        there, and at least one of its later lines reads on its own as a full row.
        NOTE: a stray quote that swallows only lines shorter than the header looks like a
        sloppy multi-line cell, so such a record is kept as one row.
        """
        # A line with fewer delimiters than a full row needs cannot read as one, so most
        # records with a line break in a cell need no strict parse.
        least = self._width - 1
        if not any(line.count(self._delimiter) >= least for line in lines[1:]):
            return False
        try:
            for _ in csv.reader(io.StringIO("".join(lines), newline=""), delimiter=self._delimiter, strict=True):
                pass
        except csv.Error:
            return any(self._is_full_row(_parse_alone(line, self._delimiter)) for line in lines[1:])
        return False

    def _is_full_row(self, fields: list[str]) -> bool:
        return len(fields) >= self._width and not any(value.strip() for value in fields[self._width:])

    def _reject_swallowing(self, number: int, lines: list[str], first: int) -> FlaggedRow:
        swallowed = lines[1:]
        count = sum(1 for _ in csv.reader(io.StringIO("".join(swallowed), newline=""), delimiter=self._delimiter))
        self._records.read_again_after(first)
        self._log.swallowed.append((number, number + 1, number + count))
        opener = lines[0].rstrip("\r\n")
        return FlaggedRow(_parse_alone(opener, self._delimiter), opener, _swallow_reason(number, number + 1, number + count))

    def _repair(self, number: int, fields: list[str]) -> list[str]:
        width = self._width
        if len(fields) == 1 and width > 1 and self._delimiter in fields[0]:
            inner = _parse_alone(fields[0], self._delimiter)
            if self._is_full_row(inner):
                self._log.unwrapped.append(number)
                fields = inner

        count = len(fields)
        if count > width:
            if any(value.strip() for value in fields[width:]):
                self._log.extra[number] = count
            else:
                fields = fields[:width]
        elif 1 < count < width:
            self._log.padded.append(number)
        return fields


def _scan(path: Path, encoding: str, delimiter: str, header_row: int, width: int) -> tuple[RepairLog, bool]:
    """Read every row and return what had to be repaired, and whether the file needs no repair at all.

    A file that needs a repair is read twice: by the strict parse up to its first
    problem, then by the repair reader to the end.
    """
    try:
        if _reads_strictly(path, encoding, delimiter, header_row, width):
            return RepairLog(), True
        log = RepairLog()
        stream = DelimitedRowStream(path, encoding, delimiter, header_row, width, log)
        try:
            for _ in stream:
                pass
        finally:
            stream.close()
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path.name} cannot be decoded as {encoding}; choose another encoding") from error
    return log, False


def _reads_strictly(path: Path, encoding: str, delimiter: str, header_row: int, width: int) -> bool:
    """Return whether every data row parses under strict quote rules with the header's width, or is blank.

    Such a file needs no repair, because strict parsing fails on every quote that is never
    closed and on text right after a closing quote. Where strict parsing succeeds,
    csv.reader without strict mode returns the same records. The loop runs inside
    csv.reader and map, so it costs no Python step per row.
    """
    with path.open(encoding=encoding, newline="") as handle:
        records = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            next(islice(records, header_row, header_row), None)
            widths = set(map(len, records))
        except csv.Error:
            return False
    return widths <= {0, width}


def _header_cells(record: list[str], delimiter: str) -> tuple[list[str], list[str]]:
    """Return the header's cells, split again when the whole header line was wrapped in quotes."""
    if len(record) == 1 and delimiter in record[0]:
        inner = _parse_alone(record[0], delimiter)
        if len(inner) > 1:
            return inner, ["the header line was wrapped whole in quotes; it was split into its columns"]
    return list(record), []


def _trailing_empty_count(cells: list[str]) -> int:
    count = 0
    for cell in reversed(cells[1:]):
        if cell.strip():
            break
        count += 1
    return count


def _one_column_warning(path: Path, header: str) -> list[str]:
    found = [delimiter for delimiter in DELIMITERS if delimiter in header]
    if not found:
        return []
    name = _delimiter_name(found[0])
    return [
        f"{path.name} was read as a single column, but its header {header!r} contains {name}; "
        f"if the columns are separated by {name}, check that the data lines use it too, "
        "then export the file again"
    ]


def _parse_alone(text: str, delimiter: str) -> list[str]:
    """Return the fields of one line, read on its own without strict quote rules."""
    for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        return fields
    return []


def _swallow_reason(opener: int, first: int, last: int) -> str:
    swallowed = f"row {first}" if first == last else f"rows {first}..{last}"
    again = "That row was" if first == last else "Those rows were"
    return (
        f"row {opener} opens a quote that is never closed; it swallowed {swallowed}. "
        f"{again} read again on {'its' if first == last else 'their'} own, and row {opener} was not imported: "
        f"close or remove the stray quote in row {opener} and import that row again"
    )


def _delimiter_noun(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma ','", ";": "semicolon ';'", "|": "bar '|'"}.get(delimiter, repr(delimiter))


def _delimiter_name(delimiter: str) -> str:
    return f"a {_delimiter_noun(delimiter)}"


def _rows_phrase(rows: list[int]) -> str:
    listed = ", ".join(str(row) for row in rows[:LISTED_ROWS])
    if len(rows) == 1:
        return f"row {listed}"
    more = f" and {len(rows) - LISTED_ROWS} more" if len(rows) > LISTED_ROWS else ""
    return f"{len(rows)} rows ({listed}{more})"


def _was(rows: list[int]) -> str:
    return "was" if len(rows) == 1 else "were"


def _has(rows: list[int]) -> str:
    return "has" if len(rows) == 1 else "have"


def _they(rows: list[int]) -> str:
    return "it" if len(rows) == 1 else "they"
