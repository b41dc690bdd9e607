"""Reading one sheet of a workbook (XLSX, XLSM, XLSB, XLS, ODS) as a table.

python-calamine reads the values: the saved result of each formula, dates as datetimes
and numbers as floats. It reads only cells that hold a value, so a sheet whose formatted
but empty rows run to row 1,048,576 ends at its last real row. For XLSX and XLSM files,
openpyxl then reads what calamine cannot see, up to that last row only:

- number formats made of digit placeholders, such as "00000" for postcodes, whose shown
  text is rebuilt so that 02134 keeps its leading zero;
- formulas without a saved result, which programs that write workbooks without
  calculating them leave behind. Their cells are flagged, so their rows are rejected
  with a reason instead of being imported with the value missing.

openpyxl runs only when the workbook's styles contain such a number format or a sheet
contains a formula, because it is much slower than calamine. One measurement on a 2-core
Xeon took 1.4 s against 0.2 s for a sheet of 9,240 rows and 37 columns. Merged cells are
reported, and fill_merged copies each merged value into every cell of its range.

The rows reach the importer one at a time from calamine's sheet, with those repairs
applied as each row passes, so a sheet's cells are not held as Python objects all at
once: for the 100,000 rows of 20 cells of bench/import_bench.py, that list took about
74 MiB (ru_maxrss, one measurement).
"""

from __future__ import annotations

import html
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from leaddesk.services.importing.encoding import hash_file
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.headers import MAX_PREAMBLE_ROWS, filled_count, header_index, unique_headers
from leaddesk.services.importing.numformat import digit_pattern_text, is_digit_pattern
from leaddesk.services.importing.sniffing import workbook_read_error
from leaddesk.services.importing.table import FlaggedValue, RowStream, Table

logger = logging.getLogger(__name__)

# Bytes of a sheet's XML searched for formula elements per read.
XML_CHUNK_BYTES = 1 << 20

_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
_FORMAT_CODE = re.compile(rb'formatCode="([^"]*)"')

# Rows that header detection reads.
DETECTION_ROWS = MAX_PREAMBLE_ROWS + 50

# Merged ranges named in one warning; the rest are counted.
LISTED_RANGES = 5


@dataclass
class CellDetails:
    """Findings of openpyxl in one sheet: rebuilt texts, formulas and the number of rows it read.

    Positions are 0-based (row, column) pairs, as in calamine's rows.
    """

    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    rows_read: int = 0


def open_workbook(path: Path, header_row: int | None, sheet: str | None, fill_merged: bool = False) -> Table:
    """Open one sheet of a workbook as a table; the first sheet unless sheet names another."""
    sheet_names, sheet, found, merged = _read_sheet(path, sheet)
    rows = SheetRows(found)
    if not any(filled_count(row) for row in rows.raw_rows()):
        raise ImportFileError(f"the sheet {sheet!r} of {path.name} is empty; choose the sheet that contains the leads")

    warnings: list[str] = []
    details = _cell_details(path, sheet, rows)
    rows.edits.update(details.texts)
    warnings.extend(_flag_formulas(rows, details))

    # Detection looks at the top of the sheet only; a given header row may be anywhere.
    top = rows.head(max(DETECTION_ROWS, header_row or 0))
    index = header_index(path, top if header_row else top[:DETECTION_ROWS], header_row)
    merged_in_data = _merged_in_data(merged, index)
    warnings.extend(_merged_cells(rows, merged_in_data, fill_merged))
    headers, header_warnings = unique_headers(rows.head(index + 1)[index])
    warnings.extend(header_warnings)

    logger.info("opened %s: sheet %r, header on row %d, %d columns", path, sheet, index + 1, len(headers))
    return Table(
        path=path,
        sha256=hash_file(path),
        headers=headers,
        header_row=index + 1,
        open_rows=lambda: SheetRowStream(rows, index + 1),
        kind="workbook",
        sheet=sheet,
        sheet_names=sheet_names,
        warnings=warnings,
        rows_scanned=details.rows_read,
        merged_ranges=len(merged_in_data),
    )


class SheetRows:
    """The rows of a calamine sheet from A1, as lists of cells, with some cells replaced.

    edits maps a 0-based (row, column) position to the value that replaces the cell there:
    a rebuilt number text, a flagged formula or the value of a filled merged range.
    """

    def __init__(self, sheet: CalamineSheet) -> None:
        self._sheet = sheet
        # calamine's rows start at A1 but its columns at the first used one, so each row
        # gets the empty cells left of it, as to_python(skip_empty_area=False) returns them.
        self._left = [""] * (sheet.start[1] if sheet.start else 0)
        self.count = sheet.end[0] + 1 if sheet.end else 0
        self.width = sheet.end[1] + 1 if sheet.end else 0
        self.edits: dict[tuple[int, int], Any] = {}

    def raw_rows(self) -> Iterator[list[Any]]:
        """Yield the rows as the sheet has them, without edits."""
        left = self._left
        for row in self._sheet.iter_rows():
            yield left + row if left else row

    def __iter__(self) -> Iterator[list[Any]]:
        """Yield the rows with the edits applied."""
        by_row: dict[int, list[tuple[int, Any]]] = {}
        for (row, column), value in self.edits.items():
            by_row.setdefault(row, []).append((column, value))
        for number, cells in enumerate(self.raw_rows()):
            for column, value in by_row.get(number, ()):
                if column < len(cells):
                    cells[column] = value
            yield cells

    def head(self, count: int) -> list[list[Any]]:
        """Return the first count rows, with the edits applied."""
        return list(islice(self, count))

    def cells_at(self, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Any]:
        """Return the value of the cell at each position that lies inside the sheet, with the edits applied."""
        wanted: dict[int, list[int]] = {}
        for row, column in positions:
            wanted.setdefault(row, []).append(column)
        found: dict[tuple[int, int], Any] = {}
        if not wanted:
            return found
        last = max(wanted)
        for number, cells in enumerate(self):
            for column in wanted.get(number, ()):
                if column < len(cells):
                    found[(number, column)] = cells[column]
            if number >= last:
                break
        return found


class SheetRowStream(RowStream):
    """The data rows of a sheet, read one at a time from SheetRows."""

    def __init__(self, rows: SheetRows, header_row: int) -> None:
        self._rows = rows
        self._first = header_row
        self._position = header_row

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        for offset, row in enumerate(islice(self._rows, self._first, None)):
            self._position = self._first + offset + 1
            yield offset + 2, row

    @property
    def fraction(self) -> float:
        return self._position / max(self._rows.count, 1)


def _read_sheet(
    path: Path, sheet: str | None
) -> tuple[list[str], str, CalamineSheet, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Return the sheet names, the chosen sheet's name, the sheet and its merged ranges."""
    try:
        with path.open("rb") as handle:
            # From the content, not the name: calamine picks the reader by extension from a path.
            workbook = CalamineWorkbook.from_filelike(handle)
    except (CalamineError, OSError, ValueError) as error:
        raise workbook_read_error(path, error) from error

    try:
        sheet_names = list(workbook.sheet_names)
        if not sheet_names:
            raise ImportFileError(f"{path.name} has no sheets; save it again with the data on a sheet")
        if sheet is None:
            sheet = sheet_names[0]
        elif sheet not in sheet_names:
            raise ImportFileError(f"{path.name} has no sheet {sheet!r}; choose one of: {', '.join(sheet_names)}")
        try:
            found = workbook.get_sheet_by_name(sheet)
            # NOTE: cells that contain empty text, unlike cells that are only formatted, count as
            # values for calamine, so such cells far below the data are still read row by row.
            merged = found.merged_cell_ranges or []
        except (CalamineError, ValueError) as error:
            logger.info("reading sheet %r of %s failed: %s", sheet, path, error)
            raise ImportFileError(
                f"the sheet {sheet!r} of {path.name} cannot be read; open the file in a spreadsheet program, "
                "save it again as XLSX and import the new file"
            ) from error
    finally:
        workbook.close()
    return sheet_names, sheet, found, list(merged)


def _cell_details(path: Path, sheet: str, rows: SheetRows) -> CellDetails:
    """Read number formats and formulas with openpyxl, up to the last row calamine returned."""
    details = CellDetails()
    if not rows.count or not _may_need_openpyxl(path):
        return details
    try:
        with path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True, data_only=False)
            try:
                worksheet = workbook[sheet]
                for row_index, cells in enumerate(worksheet.iter_rows(max_row=rows.count, max_col=rows.width)):
                    details.rows_read += 1
                    for column, cell in enumerate(cells):
                        _note_cell(details, row_index, column, cell)
            finally:
                workbook.close()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        # calamine read the values already; without openpyxl only the format repairs are missing.
        logger.warning("reading number formats of %s with openpyxl failed: %s", path, error)
    return details


def _note_cell(details: CellDetails, row: int, column: int, cell: Any) -> None:
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        details.formulas[(row, column)] = str(getattr(cell.value, "text", cell.value))
    elif data_type == "n" and cell.value is not None:
        text = digit_pattern_text(cell.value, cell.number_format or "")
        if text is not None:
            details.texts[(row, column)] = text


def _may_need_openpyxl(path: Path) -> bool:
    """Return whether an XLSX file has a digit-pattern number format or any formula.

    Only ZIP workbooks with an "xl/" folder qualify; openpyxl cannot read XLS, XLSB or ODS.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" not in names:
                return False
            if "xl/styles.xml" in names:
                codes = _FORMAT_CODE.findall(archive.read("xl/styles.xml"))
                if any(is_digit_pattern(html.unescape(code.decode("utf-8", "replace"))) for code in codes):
                    return True
            sheets = [name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml")]
            return any(_has_formula(archive, name) for name in sheets)
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        logger.info("cannot inspect %s for number formats and formulas: %s", path, error)
        return False


def _has_formula(archive: zipfile.ZipFile, name: str) -> bool:
    tail = b""
    with archive.open(name) as member:
        while chunk := member.read(XML_CHUNK_BYTES):
            if _FORMULA_ELEMENT.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _flag_formulas(rows: SheetRows, details: CellDetails) -> list[str]:
    """Flag formula cells without a saved result, when no formula of the sheet has one.

    A formula may rightly result in empty text, so an empty result counts as missing only
    when the whole sheet shows that it was never calculated.
    """
    if not details.formulas:
        return []
    values = rows.cells_at(details.formulas)
    empty = [position for position in details.formulas if position in values and values[position] in ("", None)]
    if len(empty) < len(details.formulas):
        return []

    for row, column in empty:
        formula = details.formulas[(row, column)]
        rows.edits[(row, column)] = FlaggedValue(
            formula,
            f"the cell {get_column_letter(column + 1)}{row + 1} contains the formula {formula} without a saved result; "
            "open the file in Excel or LibreOffice, let it calculate, save it and import it again",
        )
    first_row, first_column = min(empty)
    return [
        f"{len(empty)} formula cell{'s' if len(empty) > 1 else ''} of this sheet, the first "
        f"{get_column_letter(first_column + 1)}{first_row + 1}, {'have' if len(empty) > 1 else 'has'} no saved result "
        "because the program that wrote the file did not calculate them; their rows are rejected. "
        "Open the file in Excel or LibreOffice, save it and import it again"
    ]


def _merged_in_data(
    merged: list[tuple[tuple[int, int], tuple[int, int]]], header: int
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Return the merged ranges that reach below the header row (0-based)."""
    return [(start, end) for start, end in merged if end[0] > header]


def _merged_cells(
    rows: SheetRows,
    in_data: list[tuple[tuple[int, int], tuple[int, int]]],
    fill: bool,
) -> list[str]:
    """Report merged ranges that reach the data rows, and fill them when fill is set."""
    if not in_data:
        return []
    if fill:
        values = rows.cells_at(start for start, _end in in_data)
        for (top, left), (bottom, right) in in_data:
            value = values.get((top, left), "")
            for row in range(top, min(bottom, rows.count - 1) + 1):
                for column in range(left, min(right, rows.width - 1) + 1):
                    rows.edits[(row, column)] = value

    names = [_range_name(start, end) for start, end in in_data]
    listed = ", ".join(names[:LISTED_RANGES]) + (f" and {len(names) - LISTED_RANGES} more" if len(names) > LISTED_RANGES else "")
    if fill:
        return [f"merged cells {listed} were filled: every cell of each range got the range's value"]
    return [
        f"the sheet has merged cells in its data ({listed}); only the first cell of each range holds the value, "
        "so the other rows of the range import it empty. Fill the merged cells when importing (--fill-merged, "
        "or the merged cells checkbox in the import dialog), or unmerge them in the spreadsheet and fill them there"
    ]


def _range_name(start: tuple[int, int], end: tuple[int, int]) -> str:
    return (
        f"{get_column_letter(start[1] + 1)}{start[0] + 1}:"
        f"{get_column_letter(end[1] + 1)}{end[0] + 1}"
    )
