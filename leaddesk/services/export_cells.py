"""Cell values of an export, written so that spreadsheets show them safely and LeadDesk reads them back unchanged.

The importer trims text and removes one apostrophe in front of = + - @, a tab or a
carriage return (leaddesk.services.importing.values.clean_text), because exports put one
there against formula injection. The functions here add exactly what that takes away.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl.cell import WriteOnlyCell

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Formula prefixes that are whitespace, which the importer would trim without an apostrophe.
_TRIMMED_PREFIXES = ("\t", "\r")

# XLSX text cannot contain most control characters, and XML parsers turn a carriage return
# into a line feed. ECMA-376 (Part 1, 22.9.2.19 ST_Xstring) writes such a character as
# _xHHHH_, and a literal "_xHHHH_" in the text as _x005F_xHHHH_; Excel and calamine decode both.
# NOTE: U+FFFE and U+FFFF stay as they are, because calamine does not decode their escape.
# XML 1.0 does not allow them, so Excel may report such a file as damaged.
_XLSX_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


# First characters of text that export_text or xlsx_text may change.
_ESCAPED_FIRST = frozenset(FORMULA_PREFIXES) | {"'"}


def needs_escape(value: str) -> bool:
    """Return whether export_text would change the text: a quick test for the common plain text."""
    return bool(value) and value[0] in _ESCAPED_FIRST


def xlsx_needs_escape(value: str) -> bool:
    """Return whether xlsx_text would change the text or type it as text: a quick test for plain text."""
    if not value:
        return False
    if value[0] in _ESCAPED_FIRST or "_x" in value:
        return True
    # isprintable() is False for every control character, and also for tabs, line breaks and some spaces.
    return not value.isprintable() and _XLSX_ESCAPE.search(value) is not None


def csv_safe(value: str) -> str:
    """Return the text with an apostrophe in front when a spreadsheet would run it as a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_text(value: str) -> str:
    """Return stored text as an export cell that imports back as the same text.

    Besides the apostrophe of csv_safe, text that already starts with apostrophes before a
    formula character gets one more, because the importer removes one.
    """
    if _quoted_formula(value):
        return "'" + value
    return csv_safe(value)


def xlsx_text(sheet, value: str) -> str | WriteOnlyCell:
    """Return stored text as an XLSX cell value that is never a formula and imports back unchanged.

    The cell is typed as text, so = + - @ need no apostrophe. A leading tab or carriage
    return still gets one, because the importer trims whitespace, and so does text that
    starts with an apostrophe and a formula character (see export_text).
    """
    if value.startswith(_TRIMMED_PREFIXES) or _quoted_formula(value):
        value = "'" + value
    if _XLSX_ESCAPE.search(value):
        value = _XLSX_ESCAPE.sub(_escape_match, value)
    if not value.startswith("="):
        return value
    # openpyxl writes a string that starts with "=" as a formula unless the cell is typed as text.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _quoted_formula(value: str) -> bool:
    """Return whether the text is apostrophes followed by a formula character, as in "'=1+2"."""
    return value.startswith("'") and value.lstrip("'")[:1] in FORMULA_PREFIXES


def xlsx_instant(value: datetime, zone: ZoneInfo) -> datetime:
    """Return an aware instant as the team's wall time, rounded to the millisecond, for an XLSX date cell.

    XLSX dates have no timezone, and the importer reads them in the team's timezone.
    Excel stores them as fractions of a day, which keep milliseconds exactly.
    NOTE: a wall time in the hour that repeats when DST ends reads back as the first of
    the two instants, one hour early.
    """
    local = value.astimezone(zone).replace(tzinfo=None)
    whole_seconds = local.replace(microsecond=0)
    return whole_seconds + timedelta(milliseconds=round(local.microsecond / 1000))


def _escape_match(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"
