"""Results of the importer: the preview of a file, the plan of an import and the report of a run."""

from __future__ import annotations

import enum
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Rejected rows an ImportReport keeps for display. The rejected-rows file contains all of
# them, so the memory an import needs does not grow with the number it rejects.
REJECTED_ROWS_KEPT = 100


class RowAction(str, enum.Enum):
    """The action an import takes on one data row."""

    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    REJECT = "reject"


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


@dataclass(slots=True)
class PlannedRow:
    """The action an import takes on one data row, numbered as RejectedRow describes.

    For an update or a skipped match, lead_id and lead_label name the lead and matched_by
    names the key that found it: "email", "external_id", "phone" or "identity" (names,
    company, phone and LinkedIn URL of a lead without e-mail or external id). fields lists
    the lead fields an update changes, custom fields as "custom:<key>". duplicate_of is the
    earlier row of the same file that created or matched the same lead. reason explains a
    skip or a rejection; for a rejection, column and value name the cell at fault. phone
    and email are the values the row brings for those fields, "" for none, so that the
    choice among several phone or e-mail columns can be checked before importing.
    """

    row: int
    action: RowAction
    lead_id: uuid.UUID | None = None
    lead_label: str = ""
    matched_by: str | None = None
    duplicate_of: int | None = None
    fields: tuple[str, ...] = ()
    reason: str = ""
    column: str = ""
    value: str = ""
    phone: str = ""
    email: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready plain data, with the action and lead id as text."""
        data = asdict(self)
        data["action"] = self.action.value
        data["lead_id"] = str(self.lead_id) if self.lead_id else None
        data["fields"] = list(self.fields)
        return data

    def describe(self) -> str:
        """Return one line for this row, such as "row 7: update Ann Lee (matched by email): title, city"."""
        if self.action is RowAction.REJECT:
            where = f" in {self.column!r}" if self.column else ""
            return f"row {self.row}: reject{where}: {self.reason}"
        if self.action is RowAction.CREATE:
            text = f"row {self.row}: create"
            if self.lead_label:
                text += f" {self.lead_label}"
            if self.duplicate_of is not None:
                text += f" (repeats row {self.duplicate_of}, created anyway)"
            return text

        text = f"row {self.row}: {self.action.value}"
        if self.lead_label:
            text += f" {self.lead_label}"
        if self.matched_by:
            text += f" (matched by {self.matched_by.replace('_', ' ')})"
        if self.duplicate_of is not None:
            text += f", same lead as row {self.duplicate_of}"
        if self.fields:
            text += ": " + ", ".join(self.fields)
        if self.reason:
            text += f"; {self.reason}"
        return text


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
    # Where mapping comes from, as ImportReport.mapping_source; preview_import sets it.
    mapping_source: str = "suggested"
    # When the mapping comes from one the user saved for this header row: when it was saved.
    saved_mapping_at: datetime | None = None
    # Merged cell ranges of the sheet that reach the data rows, and whether they were filled.
    merged_ranges: int = 0
    fill_merged: bool = False


@dataclass
class ImportReport:
    """Counts and details of one import run.

    batch_id is None for a dry run, which stores nothing. rejected counts every row that was
    not imported, and rejected_rows keeps the first REJECTED_ROWS_KEPT of them for display,
    with row numbers as RejectedRow describes them. rejected_file is the path of the
    rejected-rows file, which contains every rejected row; it is None when the import had no
    target for it or rejected nothing. headers is the file's header row, the first columns
    of that file. mapping_source names the origin of the mapping: "explicit" (passed in), "saved" (saved for this header row on
    saved_mapping_at), "leaddesk_export" (a file LeadDesk exported) or "suggested".
    duplicates counts rows whose lead an earlier row of the same file already created or
    matched.
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
    rejected_file: str | None = None
    batch_id: str | None = None
    dry_run: bool = False
    historical: bool = False
    delimiter: str | None = None
    header_row: int = 1
    sheet: str | None = None
    rows_read: int = 0
    # Rows without any value; they are counted as skipped too.
    empty_rows: int = 0
    activities_logged: bool = True
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)
    mapping_source: str = "suggested"
    saved_mapping_at: datetime | None = None
    duplicates: int = 0
    # Footer and note lines under the last data row, such as "Grand Totals (3 records)" under
    # a CRM report; they are counted as skipped and named in warnings.
    footer_rows: list[RejectedRow] = field(default_factory=list)

    def add_rejected(self, rejected: RejectedRow) -> None:
        """Count a rejected row, and keep it in rejected_rows unless REJECTED_ROWS_KEPT rows are kept already."""
        self.rejected += 1
        if len(self.rejected_rows) < REJECTED_ROWS_KEPT:
            self.rejected_rows.append(rejected)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready plain data, with instants as ISO 8601 text."""
        data = asdict(self)
        if self.saved_mapping_at is not None:
            data["saved_mapping_at"] = self.saved_mapping_at.isoformat()
        return data


@dataclass
class ImportPlan:
    """The outcome an import of a file would have, row by row, worked out in a rolled-back transaction.

    report has the totals a real import would report, with dry_run set. rows lists every
    data row in file order with its PlannedRow.
    """

    report: ImportReport
    rows: list[PlannedRow] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        """Return the number of rows per action, every action included."""
        counts = {action.value: 0 for action in RowAction}
        for row in self.rows:
            counts[row.action.value] += 1
        return counts

    def rows_for(self, action: RowAction | str, limit: int | None = None) -> list[PlannedRow]:
        """Return the first limit rows (all for None) that get the given action, in file order."""
        wanted = RowAction(action)
        found = [row for row in self.rows if row.action is wanted]
        return found if limit is None else found[:limit]

    def duplicate_rows(self) -> list[PlannedRow]:
        """Return the rows that repeat a lead of an earlier row of the same file."""
        return [row for row in self.rows if row.duplicate_of is not None]
