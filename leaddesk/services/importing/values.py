"""Checking and normalizing imported cell values: text, e-mail, phone, counts, stages, URLs.

Dates have their own module, dates.py. A value that cannot be used raises InvalidValue,
whose message names the problem and how to fix the cell.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

# Spaces that spreadsheets and web forms put into cells and str.strip() alone misses.
_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\ufeff": None, "\u200b": None})

# The characters after which an exported cell carries an apostrophe against formula injection.
_ESCAPED_FORMULA_STARTS = frozenset("=+-@\t\r")

# Separators of several values in one cell: Google Contacts joins with " ::: ".
_MULTI_VALUE_SPLIT = re.compile(r"\s*(?::::|;|,)\s*")

_EMAIL = re.compile(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}$",
)
_EMAIL_IN_ANGLES = re.compile(r"<([^<>]+)>\s*$")

_WHOLE_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?$")
_NUMBER_RANGE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)\s*(?:-|–|—|to)\s*(\d{1,3}(?:,\d{3})+|\d+)$", re.IGNORECASE)
_OPEN_RANGE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)\s*\+$")

# Stage names of other tools, as header-style keys, and the LeadDesk stage each one means.
STAGE_SYNONYMS = {
    "new": "new",
    "open": "new",
    "opennotcontacted": "new",
    "notcontacted": "new",
    "lead": "new",
    "newlead": "new",
    "subscriber": "new",
    "contacted": "contacted",
    "workingcontacted": "contacted",
    "working": "contacted",
    "attemptedtocontact": "contacted",
    "attempted": "contacted",
    "connected": "contacted",
    "inprogress": "contacted",
    "engaged": "contacted",
    "qualified": "qualified",
    "salesqualifiedlead": "qualified",
    "marketingqualifiedlead": "qualified",
    "sql": "qualified",
    "mql": "qualified",
    "opportunity": "qualified",
    "won": "won",
    "closedwon": "won",
    "closedconverted": "won",
    "converted": "won",
    "customer": "won",
    "lost": "lost",
    "closedlost": "lost",
    "closednotconverted": "lost",
    "disqualified": "disqualified",
    "unqualified": "disqualified",
    "junk": "disqualified",
    "spam": "disqualified",
}

# Web-form placeholders that mean "nothing chosen", compared after casefold() and after
# trimming spaces and dashes, so "-- Select --" and "- Please select -" match too.
PLACEHOLDERS = frozenset(
    {
        "select",
        "select one",
        "please select",
        "choose",
        "choose one",
        "please choose",
        "n/a",
        "not applicable",
    }
)
# The maximum length of a placeholder text, so that longer cells skip casefold().
_PLACEHOLDER_MAX_CHARS = 40

# First characters that an ASCII text must have to be a placeholder: is_placeholder strips
# " -" after casefold(), which for ASCII is lower(). Other texts can skip the check.
PLACEHOLDER_ASCII_STARTS = frozenset(
    {"-", *(placeholder[0] for placeholder in PLACEHOLDERS), *(placeholder[0].upper() for placeholder in PLACEHOLDERS)}
)

# Scheme, user info, then the host up to a port, path, query or fragment.
_URL_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|//)?(?:[^@/?#\s]*@)?([^\s/:?#@\[\]]+)", re.IGNORECASE)

_LETTERS = re.compile(r"[^\W\d_]+")

# A number in scientific notation, as spreadsheets show long numbers in narrow columns.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")

# Spreadsheets store numbers as doubles with 15 significant digits; larger ones lost digits.
MAX_EXACT_DIGITS = 15


class InvalidValue(ValueError):
    """A cell value that does not fit its field; the message names the value and the fix."""


def cell_text(value: object) -> str:
    """Return a cell value as the text a user would see, without trailing ".0" on whole numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def clean_text(text: str) -> str:
    """Trim whitespace, including no-break spaces, bring the text to Unicode NFC and undo formula escaping.

    Exports write "'=..." for a cell that starts with = + - @, a tab or a carriage return, so
    that spreadsheets do not run it; that apostrophe is removed again here. Text that itself
    starts with apostrophes before one of those characters is exported with one more
    apostrophe ("''=..."), and only that one is removed.
    """
    if text.isascii():
        text = text.strip()
    else:
        text = text.translate(_ODD_SPACES).strip()
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    if text[:1] == "'" and text.lstrip("'")[:1] in _ESCAPED_FORMULA_STARTS:
        return text[1:]
    return text


def is_placeholder(text: str) -> bool:
    """Return whether a trimmed cell text is a web-form placeholder that reads as empty (see PLACEHOLDERS)."""
    return len(text) <= _PLACEHOLDER_MAX_CHARS and text.casefold().strip(" -") in PLACEHOLDERS


def check_digits_kept(raw: object, text: str) -> str:
    """Return a phone, id or postcode text without a float's ".0"; raise InvalidValue when it lost digits.

    "4.47E+11" is what a spreadsheet shows for 447712345678 in a narrow column. Saved as
    text that way, the digits after "4.47" are gone, so the value cannot be imported as
    the number it was. A number cell beyond 15 digits was rounded by the spreadsheet.
    "123.0" is how tools that read the column as floats write the whole number 123, so
    it becomes "123". Only one zero after the point counts, because "1.000" may be a
    thousands separator.
    """
    if isinstance(raw, float) and not isinstance(raw, bool) and abs(raw) >= 10**MAX_EXACT_DIGITS:
        raise InvalidValue(
            f"{text!r} has more than {MAX_EXACT_DIGITS} digits, which a spreadsheet cannot store exactly, "
            "so its last digits may be wrong; format the column as text in the spreadsheet, "
            "type the full value again and export the file again"
        )
    if _SCIENTIFIC.match(text):
        raise InvalidValue(
            f"{text!r} is a number in scientific notation, so its last digits were lost when a spreadsheet "
            "saved it; format the column as text or as a whole number in the source, export the file again, "
            "or type the full value"
        )
    if text[-2:] == ".0" and text[:-2].isdigit():
        return text[:-2]
    return text


def split_values(text: str) -> list[str]:
    """Split a cell that contains several values, as Google Contacts writes them ("a ::: b")."""
    return [part for part in _MULTI_VALUE_SPLIT.split(text) if part]


def parse_email(text: str) -> tuple[str, str, bool]:
    """Return (email, normalized email, whether the cell held more than one address).

    The e-mail keeps its spelling; the normalized form is casefolded for matching. In a cell
    with several addresses the first is the lead's e-mail.
    """
    candidate = text
    # casefold() maps each character on its own, so folding the first 7 characters is enough.
    if candidate[:7].casefold().startswith("mailto:"):
        candidate = candidate[len("mailto:"):]
    quoted = _EMAIL_IN_ANGLES.search(candidate) if ">" in candidate else None
    if quoted:
        candidate = quoted.group(1)
    candidate = candidate.strip()

    several = False
    if candidate.count("@") > 1 or ":::" in candidate:
        parts = split_values(candidate)
        several = len(parts) > 1
        # The first valid address is the lead's, so "bad ::: name@example.com" keeps the valid one.
        candidate = next((part for part in parts if _is_email(part)), parts[0] if parts else candidate)

    if not _is_email(candidate):
        raise InvalidValue(
            f"{text!r} is not a valid e-mail address; correct it to the form name@example.com "
            "or clear the cell"
        )
    return candidate, candidate.casefold(), several


def _is_email(candidate: str) -> bool:
    return len(candidate) <= 320 and bool(_EMAIL.match(candidate)) and ".." not in candidate and not candidate.startswith(".")


def parse_phone(text: str) -> tuple[str, bool]:
    """Return the phone number without the apostrophe that Excel users type before "+", and whether the cell held several."""
    phone = text.lstrip("'").strip()
    several = False
    if ":::" in phone:
        parts = split_values(phone)
        several = len(parts) > 1
        phone = parts[0] if parts else phone
    return phone, several


def parse_employee_count(value: object) -> tuple[int, bool]:
    """Return (employee count, whether it came from a range).

    Accepts "85", "1,200" and "85.0". A range such as "51-200" or "10,001+" gives its lower
    bound, because a segment rule that needs 100 employees must not fire for a company that
    may have 51; the caller keeps the range text as a custom field.
    """
    if isinstance(value, bool):
        raise InvalidValue(f"{value!r} is not an employee count; enter a whole number such as 85")
    if isinstance(value, int):
        return _non_negative(value, value), False
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidValue(f"{value!r} is not a whole number of employees; round it or clear the cell")
        return _non_negative(int(value), value), False

    text = str(value).strip()
    whole = _WHOLE_NUMBER.match(text)
    if whole:
        return _non_negative(int(whole.group(1).replace(",", "")), text), False
    bounded = _NUMBER_RANGE.match(text) or _OPEN_RANGE.match(text)
    if bounded:
        return _non_negative(int(bounded.group(1).replace(",", "")), text), True
    raise InvalidValue(
        f"{text!r} is not an employee count; enter a whole number such as 85 or 1,200, "
        "or a range such as 51-200"
    )


def parse_stage(text: str) -> str | None:
    """Return the LeadDesk stage that a stage or status name of another tool means, or None."""
    key = "".join(_LETTERS.findall(text.casefold()))
    return STAGE_SYNONYMS.get(key)


def domain_of(url: str) -> str | None:
    """Return the host of a website URL, lowercased and without "www.", or None when it has no host."""
    match = _URL_HOST.match(url.strip())
    if not match:
        return None
    host = match.group(1).casefold().rstrip(".")
    if "." not in host:
        return None
    return host.removeprefix("www.")


# Well above the largest employer on record (a few million staff), so a larger number is a typo.
MAX_EMPLOYEE_COUNT = 100_000_000


def _non_negative(number: int, original: object) -> int:
    if number < 0:
        raise InvalidValue(f"{original!r} is not an employee count; it cannot be negative")
    if number > MAX_EMPLOYEE_COUNT:
        raise InvalidValue(
            f"{original!r} is not a plausible employee count; it is above {MAX_EMPLOYEE_COUNT:,}, "
            "so check the cell for extra digits"
        )
    return number
