"""Opening an imported file as a table: CSV and other delimited text, a workbook sheet, or vCards.

The format comes from the file's content, not its name (see sniffing.py), so an XLSX
file saved as .csv or .xls opens as a workbook and a CSV file saved as .txt opens as
text. A table has one header row and data rows under it. Lines above the header, such as
the "Notes:" preamble of LinkedIn's Connections.csv or a report title, are skipped.
"""

from __future__ import annotations

import logging
from pathlib import Path

from leaddesk.services.importing.delimited import SAMPLE_CHARS, detect_delimiter, open_delimited
from leaddesk.services.importing.encoding import fingerprint_file
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.headers import clean_header, detect_header_row, unique_headers
from leaddesk.services.importing.sniffing import HEAD_BYTES, sniff_container, sniff_text
from leaddesk.services.importing.table import FlaggedRow, FlaggedValue, RowStream, Table
from leaddesk.services.importing.vcard import open_vcard
from leaddesk.services.importing.workbook import open_workbook

logger = logging.getLogger(__name__)

__all__ = [
    "FlaggedRow",
    "FlaggedValue",
    "RowStream",
    "Table",
    "clean_header",
    "detect_delimiter",
    "detect_header_row",
    "open_table",
    "unique_headers",
]


def open_table(
    path: Path | str,
    encoding: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    *,
    fill_merged: bool = False,
    scan: bool = True,
) -> Table:
    """Open the file at path and find its format, encoding, delimiter and header row.

    encoding, header_row (1-based, preamble included) and sheet override what is
    detected. fill_merged copies the value of each merged cell range of a workbook into
    every cell of the range. scan=False leaves out the scan of a whole delimited file
    for repairs, whose warnings the row stream then returns (see open_delimited). Raises
    ImportFileError for a missing, empty or unreadable file and for content that is no
    table, naming what the file is and what to do.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"{path} does not exist; check the path and try again")
    if not path.is_file():
        raise ImportFileError(f"{path} is a folder, not a file; choose a CSV, XLSX or vCard file")
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        raise ImportFileError(f"{path} cannot be read ({error.strerror}); check its permissions") from error
    if not head:
        raise ImportFileError(f"{path.name} is empty; export the data again and import the new file")

    if sniff_container(path, head) == "workbook":
        return open_workbook(path, header_row, sheet, fill_merged)
    if sheet is not None:
        raise ImportFileError(f"{path.name} is a text file and has no sheets; leave the sheet empty")

    fingerprint = fingerprint_file(path, encoding)
    with path.open(encoding=fingerprint.encoding, newline="") as handle:
        sample = handle.read(SAMPLE_CHARS)
    if not sample.strip("\ufeff \t\r\n"):
        raise ImportFileError(f"{path.name} contains only blank lines; export the data again and import the new file")

    if sniff_text(path, sample) == "vcard":
        if header_row not in (None, 1):
            raise ImportFileError(f"{path.name} is a vCard file, whose header is always row 1; leave the header row empty")
        return open_vcard(path, fingerprint)
    return open_delimited(path, fingerprint, sample, header_row, scan=scan)
