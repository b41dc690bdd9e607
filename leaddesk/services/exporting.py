"""Exporting leads to CSV or XLSX, one row per lead with its fields and custom fields.

Deleted leads are left out. Instants are written as ISO 8601 text in UTC with the offset
("2026-03-02T10:00:00+00:00") in both formats, so that a re-import reads them back
exactly. XLSX date cells cannot carry a timezone.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from leaddesk.models import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, Lead, Rep
from leaddesk.services.database import Database

logger = logging.getLogger(__name__)

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

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Leads read from the database per round trip.
FETCH_ROWS = 2000


class ExportError(ValueError):
    """An export that cannot be written. The message names the cause and the fix."""


def export_leads(database: Database, path: Path | str) -> int:
    """Write every live lead to path as CSV or XLSX, chosen by the extension; return the lead count.

    CSV is UTF-8 with a BOM so that Excel detects the encoding, and a text cell that starts
    with = + - @, a tab or a carriage return gets an apostrophe in front so that no program
    runs it as a formula. XLSX cells are typed as text, which has the same effect. The file
    is written next to its target and renamed into place, so a failed export leaves no
    partial file. Raises ExportError for an unknown extension or a folder that does not exist.
    """
    path = Path(path)
    check_export_path(path)
    suffix = path.suffix.casefold()

    custom_keys = _custom_keys(database)
    headers = list(EXPORT_FIELDS) + [_custom_header(key) for key in custom_keys]
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        rows = _rows(database, custom_keys)
        if suffix == ".csv":
            count = _write_csv(Path(temporary), headers, rows)
        else:
            count = _write_xlsx(Path(temporary), headers, rows)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    logger.info("exported %d leads with %d custom fields to %s", count, len(custom_keys), path)
    return count


def check_export_path(path: Path) -> None:
    """Raise ExportError unless path ends in .csv or .xlsx and its folder exists."""
    if path.suffix.casefold() not in (".csv", ".xlsx"):
        raise ExportError(f"cannot export to {path.name}: unknown extension {path.suffix!r}; use .csv or .xlsx")
    if not path.parent.is_dir():
        raise ExportError(f"cannot export to {path}: the folder {path.parent} does not exist; create it first")


def csv_safe(value: str) -> str:
    """Return the text with an apostrophe in front when a spreadsheet would run it as a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _custom_keys(database: Database) -> list[str]:
    """Return every custom field key of the live leads, in the order they first appear."""
    keys: dict[str, None] = {}
    query = select(Lead.custom_fields).where(Lead.deleted_at.is_(None)).order_by(Lead.created_at, Lead.id)
    with database.session() as session:
        for custom in session.execute(query.execution_options(yield_per=FETCH_ROWS)).scalars():
            for key in custom or {}:
                keys.setdefault(key, None)
    return list(keys)


def _custom_header(key: str) -> str:
    # A custom key equal to a lead field would read back as that field.
    return f"{key}{CUSTOM_HEADER_SUFFIX}" if key in EXPORT_FIELDS else key


def _rows(database: Database, custom_keys: list[str]) -> Iterator[list[Any]]:
    """Yield each live lead as a list of cell values, oldest first."""
    columns = [Lead.__table__.c[name] for name in EXPORT_FIELDS if name != "owner"]
    query = (
        select(*columns, Rep.name.label("owner"), Lead.custom_fields)
        .outerjoin(Rep, Rep.id == Lead.owner_id)
        .where(Lead.deleted_at.is_(None))
        .order_by(Lead.created_at, Lead.id)
        .execution_options(yield_per=FETCH_ROWS)
    )
    with database.session() as session:
        for row in session.execute(query).mappings():
            custom = row["custom_fields"] or {}
            values = [_cell(row[name]) for name in EXPORT_FIELDS]
            values.extend(_cell(custom.get(key)) for key in custom_keys)
            yield values


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def _write_csv(path: Path, headers: list[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_safe(header) for header in headers])
        for values in rows:
            writer.writerow([_csv_cell(value) for value in values])
            count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_safe(value)
    return value


def _write_xlsx(path: Path, headers: list[str], rows: Iterator[list[Any]]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append([_text_cell(sheet, header) for header in headers])
    count = 0
    for values in rows:
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) else value for value in values])
        count += 1
    workbook.save(path)
    return count


def _text_cell(sheet, value: str) -> str | WriteOnlyCell:
    """Return value as XLSX text: without the control characters XLSX cannot store, and never as a formula."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        # NOTE: XLSX has no way to store these characters; CSV keeps them.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
