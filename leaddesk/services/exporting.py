"""Exporting leads to CSV or XLSX, one row per lead with its fields and custom fields.

Deleted leads are left out. The whole database is exported oldest lead first, and a
filtered view (an InboxQuery) in the inbox's order. CSV writes instants as ISO 8601 text
in UTC with the offset ("2026-03-02T10:00:00+00:00"). XLSX writes them as date cells in
the team's timezone, because XLSX dates have no timezone and the importer reads them in
that zone. Text is written so that an import of the file gives back the same text (see
export_cells).
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import func, select

from leaddesk.models import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, Lead, Rep
from leaddesk.services import inbox
from leaddesk.services.database import Database
from leaddesk.services.enrichment.export_columns import DERIVED_EXPORT_COLUMNS
from leaddesk.services.export_cells import (
    FORMULA_PREFIXES,
    csv_safe,
    export_text,
    needs_escape,
    xlsx_instant,
    xlsx_needs_escape,
    xlsx_text,
)
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.playbook import load_playbook

logger = logging.getLogger(__name__)

__all__ = [
    "ANNOTATION_HEADERS",
    "CUSTOM_HEADER_SUFFIX",
    "EXPORT_FIELDS",
    "ExportCancelled",
    "ExportError",
    "FORMULA_PREFIXES",
    "check_export_path",
    "csv_safe",
    "custom_header",
    "export_leads",
    "strip_custom_suffixes",
]

# Lead columns in export order; "owner" is the owning rep's name.
EXPORT_FIELDS = (
    "id",
    "external_id",
    *NAME_FIELDS,
    "email",
    "phone",
    *COMPANY_AND_PLACE_FIELDS,
    "employee_count",
    "source",
    "segment",
    "stage",
    "owner",
    "score",
    "notes",
    "received_at",
    "response_due_at",
    "response_warn_at",
    "first_contacted_at",
    "next_follow_up_at",
    "created_at",
    "updated_at",
    "updated_by",
)

# Appended to a custom field's header when its key equals a lead field, so it reads back as custom.
CUSTOM_HEADER_SUFFIX = " (custom)"

# The last columns of a rejected-rows file, which the importer leaves out. Custom fields of
# these names get CUSTOM_HEADER_SUFFIX too, so that an export never ends with them.
ANNOTATION_HEADERS = ("row", "reason")

# Custom field keys that need CUSTOM_HEADER_SUFFIX in an export.
RESERVED_HEADERS = frozenset(EXPORT_FIELDS) | frozenset(DERIVED_EXPORT_COLUMNS) | frozenset(ANNOTATION_HEADERS)

# Leads read from the database per round trip.
FETCH_ROWS = 2000

# Leads per query when exporting a filtered view by id; SQLite allowed 999 parameters before 3.32.
IDS_PER_QUERY = 500

# At most one progress call per this many exported rows, apart from the first and the last.
PROGRESS_EVERY_ROWS = 2000

ProgressCallback = Callable[[float, str], None]


class ExportError(ValueError):
    """An export that cannot be written. The message names the cause and the fix."""


class ExportCancelled(Exception):
    """An export stopped by its cancel event; no file was written."""


def export_leads(
    database: Database,
    path: Path | str,
    query: InboxQuery | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write the live leads to path as CSV or XLSX, chosen by the extension; return the lead count.

    query None exports every lead, oldest first. An InboxQuery exports the leads its
    stage, owner, segment and search filters select, in inbox order. Custom fields become
    columns after the lead fields, in the order they first appear. CSV is UTF-8 with a BOM
    so that Excel detects the encoding, and a text cell that starts with = + - @, a tab or
    a carriage return gets an apostrophe in front so that no program runs it as a formula.
    XLSX cells are typed as text, which has the same effect. The file is written next to
    its target and renamed into place, so a failed export leaves no partial file. progress
    gets (fraction, message). Setting cancel stops the export before the next row, removes
    the partial file and raises ExportCancelled. Raises ExportError for an unknown
    extension, a folder, or a folder that does not exist.
    """
    path = Path(path)
    check_export_path(path)
    suffix = path.suffix.casefold()

    with database.session() as session:
        zone = load_playbook(session).calendar.zone
        lead_ids = inbox.list_lead_ids(session, query) if query is not None else None
        total = len(lead_ids) if lead_ids is not None else _count_live(session)
    source = _LeadSource(database, lead_ids)
    custom_keys = source.custom_keys()
    headers = list(EXPORT_FIELDS) + list(DERIVED_EXPORT_COLUMNS) + [custom_header(key) for key in custom_keys]
    reporter = _Progress(progress, total, cancel)

    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        rows = reporter.count(source.rows(custom_keys))
        if suffix == ".csv":
            count = _write_csv(Path(temporary), headers, rows)
        else:
            count = _write_xlsx(Path(temporary), headers, rows, zone)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    reporter.finish(count)
    logger.info("exported %d leads with %d custom fields to %s", count, len(custom_keys), path)
    return count


def check_export_path(path: Path) -> None:
    """Raise ExportError unless path is a file name ending in .csv or .xlsx in a folder that exists."""
    if path.is_dir():
        raise ExportError(
            f"cannot export to {path}: it is a folder; give a file name in it, such as {path / 'leads.csv'}"
        )
    if path.suffix.casefold() not in (".csv", ".xlsx"):
        raise ExportError(f"cannot export to {path.name}: unknown extension {path.suffix!r}; use .csv or .xlsx")
    if not path.parent.is_dir():
        raise ExportError(f"cannot export to {path}: the folder {path.parent} does not exist; create it first")


def _count_live(session) -> int:
    return int(session.scalar(select(func.count()).select_from(Lead).where(Lead.deleted_at.is_(None))) or 0)


def custom_header(key: str) -> str:
    """Return the export header of a custom field, suffixed when the key is reserved.

    A key equal to a lead field would read back as that field. A key that is a reserved
    name followed by suffixes, such as "email (custom)", gets one more suffix, so that the
    import, which removes exactly one, gives the key back.
    """
    if strip_custom_suffixes(key) in RESERVED_HEADERS:
        return key + CUSTOM_HEADER_SUFFIX
    return key


def strip_custom_suffixes(header: str) -> str:
    """Return the header without any trailing CUSTOM_HEADER_SUFFIX."""
    while header.endswith(CUSTOM_HEADER_SUFFIX):
        header = header[: -len(CUSTOM_HEADER_SUFFIX)]
    return header


class _LeadSource:
    """The leads of one export: every live lead, or the given ids in their order."""

    def __init__(self, database: Database, lead_ids: list[uuid.UUID] | None) -> None:
        self.database = database
        self.lead_ids = lead_ids

    def custom_keys(self) -> list[str]:
        """Return every custom field key of the exported leads, in the order they first appear."""
        keys: dict[str, None] = {}
        with self.database.session() as session:
            for custom in self._select(session, select(Lead.custom_fields)):
                for key in custom or {}:
                    keys.setdefault(key, None)
        return list(keys)

    def rows(self, custom_keys: list[str]) -> Iterator[list[Any]]:
        """Yield each lead as a list of cell values: lead fields, then custom fields.

        Values are text, numbers, aware datetimes or None; the id is text.
        """
        table = Lead.__table__
        columns = [Rep.name.label("owner") if name == "owner" else table.c[name] for name in EXPORT_FIELDS]
        columns += [table.c[name] for name in DERIVED_EXPORT_COLUMNS.values()]
        statement = select(*columns, Lead.custom_fields).outerjoin(Rep, Rep.id == Lead.owner_id)
        width = len(columns)
        with self.database.session() as session:
            for row in self._select(session, statement, mappings=False, whole_rows=True):
                values = list(row[:width])
                values[0] = str(values[0])
                custom = row[width] or {}
                values.extend(custom.get(key) for key in custom_keys)
                yield values

    def _select(self, session, statement, *, mappings: bool = False, whole_rows: bool = False) -> Iterator[Any]:
        """Yield the statement's rows for the exported leads in export order: first columns, or whole rows."""
        if self.lead_ids is None:
            ordered = (
                statement.where(Lead.deleted_at.is_(None))
                .order_by(Lead.created_at, Lead.id)
                .execution_options(yield_per=FETCH_ROWS)
            )
            result = session.execute(ordered)
            yield from (result if whole_rows else result.scalars())
            return

        for start in range(0, len(self.lead_ids), IDS_PER_QUERY):
            chunk = self.lead_ids[start : start + IDS_PER_QUERY]
            position = {lead_id: index for index, lead_id in enumerate(chunk)}
            found = session.execute(
                statement.add_columns(Lead.id.label("_lead_id")).where(Lead.id.in_(chunk), Lead.deleted_at.is_(None))
            ).all()
            found.sort(key=lambda row: position[row._lead_id])
            for row in found:
                yield row if whole_rows else row[0]


def _write_csv(path: Path, headers: list[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([export_text(header) for header in headers])
        for values in rows:
            writer.writerow([_csv_cell(value) if type(value) is not str or needs_escape(value) else value for value in values])
            count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return export_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _write_xlsx(path: Path, headers: list[str], rows: Iterator[list[Any]], zone: ZoneInfo) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append([xlsx_text(sheet, header) for header in headers])
    count = 0
    for values in rows:
        cells = []
        for value in values:
            if type(value) is str:
                if xlsx_needs_escape(value):
                    value = xlsx_text(sheet, value)
            elif isinstance(value, datetime):
                value = xlsx_instant(value, zone)
            cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


class _Progress:
    """Counts exported rows and reports them every PROGRESS_EVERY_ROWS rows."""

    def __init__(self, callback: ProgressCallback | None, total: int, cancel: threading.Event | None = None) -> None:
        self.callback = callback
        self.total = max(total, 1)
        self.cancel = cancel

    def count(self, rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
        if self.callback is None and self.cancel is None:
            yield from rows
            return
        if self.callback is not None:
            self.callback(0.0, "exporting")
        for index, values in enumerate(rows, start=1):
            if self.cancel is not None and self.cancel.is_set():
                logger.info("export cancelled after %d leads; removing the partial file", index - 1)
                raise ExportCancelled("the export was cancelled; no file was written")
            if self.callback is not None and index % PROGRESS_EVERY_ROWS == 0:
                self.callback(min(index / self.total, 1.0), f"{index:,} of {self.total:,} leads written")
            yield values

    def finish(self, count: int) -> None:
        if self.callback is not None:
            self.callback(1.0, f"{count:,} leads exported")
