"""Finding the header row of a table and turning its cells into unique column names."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.mapping import known_header_count
from leaddesk.services.importing.values import cell_text, clean_text

# A header is looked for among this many rows; longer preambles need header_row.
MAX_PREAMBLE_ROWS = 30

# A row with this many headers of known lead fields is the header, whatever its width.
KNOWN_HEADERS_FOR_HEADER_ROW = 2


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
    """Return a header with its whitespace collapsed and its Unicode in NFC, without BOMs or zero-width spaces.

    Like a cell, a header loses the apostrophe that exports and rejected-rows files put in
    front of = + - @ (see clean_text), so such a file imports with the original names.
    """
    text = text.replace("\ufeff", "").replace("\u200b", "")
    return clean_text(" ".join(unicodedata.normalize("NFC", text).split()))


def detect_header_row(records: Sequence[Sequence[object]]) -> int:
    """Return the 0-based index of the header among the first records.

    The first row with at least two headers of known lead fields wins. Without one, the
    first row that fills at least half of the table's usual width is the header.
    """
    window = records[:MAX_PREAMBLE_ROWS]
    for index, record in enumerate(window):
        if known_header_count(record) >= KNOWN_HEADERS_FOR_HEADER_ROW:
            return index

    filled = [filled_count(record) for record in records]
    widths = Counter(count for count in filled if count > 1)
    width = widths.most_common(1)[0][0] if widths else 1
    needed = max(1, math.ceil(width / 2))
    for index, count in enumerate(filled[:MAX_PREAMBLE_ROWS]):
        if count >= needed:
            return index
    return 0


def header_index(path: Path, records: Sequence[Sequence[object]], header_row: int | None) -> int:
    """Return the 0-based index of the header: header_row when given, else the detected one."""
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


def filled_count(record: Sequence[object]) -> int:
    return sum(1 for cell in record if cell_text(cell).strip())
