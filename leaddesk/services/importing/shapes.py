"""Recognizing what a column contains from the shape of its values: e-mails, phones, URLs, dates.

The mapping uses this for columns whose header names no lead field, such as an empty
header or "Contact info", so that a column full of e-mail addresses fills the e-mail
field whatever it is called.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from leaddesk.services.importing.dates import DateParser
from leaddesk.services.importing.values import InvalidValue, parse_email

# This share of a column's non-empty sample values must have one shape for the column to take it.
SHAPE_SHARE = 0.8

# Phone numbers have 7 to 15 digits (E.164 allows 15).
_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15

_URL = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)+/\S*$", re.IGNORECASE)

# Dates are recognized, not converted, so any fixed zone and day will do.
_DATE_PARSER = DateParser(ZoneInfo("UTC"), day_first=False, today=date(2000, 1, 1))
_DATE_PARSER_DAY_FIRST = DateParser(ZoneInfo("UTC"), day_first=True, today=date(2000, 1, 1))


def column_shape(values: Sequence[str]) -> str | None:
    """Return the lead field that a column's sample values fit, or None.

    The result is "email", "phone", "linkedin_url", "website" or "received_at".
    """
    texts = [value.strip() for value in values if value and value.strip()]
    if not texts:
        return None
    needed = len(texts) * SHAPE_SHARE
    for shape, test in (
        ("email", _is_email),
        ("linkedin_url", _is_linkedin),
        ("website", _is_url),
        ("phone", _is_phone),
        ("received_at", _is_date),
    ):
        if sum(1 for text in texts if test(text)) >= needed:
            return shape
    return None


def _is_email(text: str) -> bool:
    try:
        parse_email(text)
    except InvalidValue:
        return False
    return True


def _is_url(text: str) -> bool:
    return bool(_URL.match(text))


def _is_linkedin(text: str) -> bool:
    return _is_url(text) and "linkedin.com/" in text.casefold()


def _is_phone(text: str) -> bool:
    """Return whether text is a phone number: 7 to 15 digits with a leading + or separators.

    A bare run of digits is more likely an id or an amount, so it does not count.
    """
    text = text.lstrip("'")
    if not _PHONE.match(text):
        return False
    digits = sum(1 for char in text if char.isdigit())
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return False
    return (text.startswith("+") or bool(_PHONE_SEPARATORS.search(text))) and not _is_date(text)


def _is_date(text: str) -> bool:
    for parser in (_DATE_PARSER, _DATE_PARSER_DAY_FIRST):
        try:
            parser.parse(text)
        except (InvalidValue, ValueError, OverflowError):
            continue
        return True
    return False
