"""The rejected-rows file: each rejected row with its original cells, plus its row number and the reason.

The file has the source's header row followed by the columns "row" and "reason", so the
user can correct the cells in a spreadsheet and import the same file again. The importer
recognizes those two trailing columns and leaves them out.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from pathlib import Path

from leaddesk.services.export_cells import csv_safe
from leaddesk.services.exporting import ANNOTATION_HEADERS
from leaddesk.services.importing.report import ImportReport, RejectedRow

logger = logging.getLogger(__name__)

ANNOTATION_COLUMNS = ANNOTATION_HEADERS
ROW_COLUMN, REASON_COLUMN = ANNOTATION_COLUMNS

# The default name of the rejected-rows file, next to the imported file.
REJECTED_SUFFIX = ".rejected.csv"


def default_rejected_path(source: Path) -> Path:
    return source.with_name(source.name + REJECTED_SUFFIX)


def annotation_width(headers: Sequence[str]) -> int:
    """Return 2 when the headers end with the row and reason columns of a rejected-rows file, else 0."""
    if len(headers) > len(ANNOTATION_COLUMNS) and tuple(headers[-len(ANNOTATION_COLUMNS):]) == ANNOTATION_COLUMNS:
        return len(ANNOTATION_COLUMNS)
    return 0


def rejected_headers(report: ImportReport) -> list[str]:
    """Return the columns of the rejected-rows file: the source's headers, any extra cells, then row and reason."""
    headers = dict.fromkeys(report.headers)
    for rejected in report.rejected_rows:
        for header in rejected.values:
            headers.setdefault(header, None)
    return [*headers, *ANNOTATION_COLUMNS]


def full_reason(rejected: RejectedRow) -> str:
    """Return the reason with the column at fault in front, such as "Created Date: ... has 28 days"."""
    return f"{rejected.column}: {rejected.reason}" if rejected.column else rejected.reason


def write_rejected_rows(report: ImportReport, target: Path) -> int:
    """Write the report's rejected rows to target as UTF-8 CSV with a BOM; return the number of rows.

    Cells keep the text they had in the source. A cell that a spreadsheet would run as a
    formula gets an apostrophe in front, which the importer removes again. The file is
    written next to target and renamed into place, so a failed write leaves no partial file.
    Raises OSError when target cannot be written.
    """
    headers = rejected_headers(report)
    data_headers = headers[: -len(ANNOTATION_COLUMNS)]
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_safe(header) for header in headers])
            for rejected in report.rejected_rows:
                cells = [csv_safe(rejected.values.get(header, "")) for header in data_headers]
                writer.writerow([*cells, rejected.row, csv_safe(full_reason(rejected))])
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    logger.info("wrote %d rejected rows of %s to %s", len(report.rejected_rows), report.path, target)
    return len(report.rejected_rows)
