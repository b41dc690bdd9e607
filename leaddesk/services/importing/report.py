"""Results of the importer: the preview of a file and the report of an import run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RejectedRow:
    """A data row that was not imported, and why.

    row counts the header as row 1, after any preamble above it, so the first data row is
    row 2; a quoted cell spanning several lines does not add rows. column is the header of
    the cell at fault, or "" when the whole row is at fault. values contains the row's cells
    by header, so the row can be corrected and imported again.
    """

    row: int
    column: str
    value: str
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    """The reading of a file before import: encoding, delimiter, header, suggested mapping, sample rows.

    header_row is the 1-based position of the header among the file's rows, preamble
    included. sample_rows contains up to 20 data rows as text.
    """

    path: str
    encoding: str | None
    delimiter: str | None
    header_row: int
    headers: list[str]
    mapping: dict[str, str]
    sample_rows: list[list[str]]
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Counts and details of one import run.

    batch_id is None for a dry run, which stores nothing. rejected_rows lists every row that
    was not imported, with row numbers as RejectedRow describes them.
    """

    path: str
    sha256: str
    encoding: str | None
    mapping: dict[str, str]
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    batch_id: str | None = None
    dry_run: bool = False
    historical: bool = False
    delimiter: str | None = None
    header_row: int = 1
    sheet: str | None = None
    rows_read: int = 0
    activities_logged: bool = True
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready plain data."""
        return asdict(self)
