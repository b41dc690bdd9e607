"""Strict date parsing for imported columns, with the day/month order decided per column.

Accepted forms: ISO 8601 ("2025-10-21", "2025-10-21T14:03:27.000Z", "2026-03-10 12:34"),
numeric dates ("10/21/2025", "3/02/18, 10:41 AM", "21.10.2025"), dates with an English
month name ("03 Feb 2026", "17-Nov-24", "Feb 3, 2026"), and date cells and serial numbers
from workbooks. Serials written as text ("45231") are dates only in a column where most
values are such serials (DayMonthEvidence.has_serials). An impossible date such as 31/02/2025 raises InvalidValue; it is never
rolled over into March. A time without an offset is a wall time in the team's timezone.
"""

from __future__ import annotations

import calendar
import locale
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from leaddesk.services.importing.values import InvalidValue

_TIME = r"(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp]\.?[Mm]\.?)?)?"
_OFFSET = r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"

_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + _OFFSET + "$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})" + _TIME + _OFFSET + "$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s,-]+(\d{4}|\d{2})" + _TIME + _OFFSET + "$")
_MONTH_NAME_DAY = re.compile(
    r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME + _OFFSET + "$"
)

MONTHS = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9

# Excel's 1900 date system counts days from 1899-12-30 (it treats 1900 as a leap year).
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31

# Excel serials of 1990-01-01 and 2100-12-31. A date column of text whose values are mostly
# whole numbers in this range contains serials that lost their date format on the way to CSV.
PLAUSIBLE_SERIAL_MIN = 32_874
PLAUSIBLE_SERIAL_MAX = 73_415

# A serial written as text: five digits, with a fraction for the time of day.
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")

# Parsed values remembered per column; the memo starts over when it grows past this.
MEMO_MAX_ENTRIES = 10_000

# A two-digit year more than this many years ahead is read as last century ("98" is 1998).
TWO_DIGIT_YEAR_LOOKAHEAD = 10

# Territories that write numeric dates month first, as the United States does: 3/4/2025 is
# March 4. Elsewhere the day or the year comes first.
# NOTE: this list comes from common date conventions, not from a locale database.
MONTH_FIRST_TERRITORIES = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI", "BZ"})


def locale_day_first() -> bool | None:
    """Return whether the user's locale writes the day before the month, or None when it is unknown.

    The time locale comes from Python's locale module, else from the LC_ALL, LC_TIME and
    LANG environment variables, as POSIX orders them. "C" and "POSIX" name no territory.
    """
    name = locale.getlocale(locale.LC_TIME)[0]
    if not name or name in ("C", "POSIX"):
        name = next((os.environ[key] for key in ("LC_ALL", "LC_TIME", "LANG") if os.environ.get(key)), "")
    territory = name.split(".")[0].split("@")[0].partition("_")[2]
    if not territory:
        return None
    return territory.upper() not in MONTH_FIRST_TERRITORIES


@dataclass
class DayMonthEvidence:
    """Counts of numeric dates in one column that only fit one of the two orders, and of Excel serials as text.

    texts counts the non-empty text values, serials those that are five-digit whole
    numbers from PLAUSIBLE_SERIAL_MIN to PLAUSIBLE_SERIAL_MAX, such as 45231, with
    serial_example the first of them.
    """

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0
    texts: int = 0
    serials: int = 0
    serial_example: str | None = None

    def add(self, value: object, count: int = 1) -> None:
        """Count a column value, or count equal values at once; values that are not text do not count."""
        if not isinstance(value, str):
            return
        text = value.strip()
        if not text:
            return
        self.texts += count
        if len(text) == 5 and text.isdigit():
            if PLAUSIBLE_SERIAL_MIN <= int(text) <= PLAUSIBLE_SERIAL_MAX:
                self.serials += count
                if self.serial_example is None:
                    self.serial_example = text
            return
        match = _NUMERIC.match(text)
        if not match:
            return
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            self.day_first += count
        elif second > 12 >= first:
            self.month_first += count
        else:
            self.ambiguous += count

    @property
    def is_day_first(self) -> bool:
        """Return the order that most dates only fit; on a tie, the locale's order, else month first."""
        if self.day_first != self.month_first:
            return self.day_first > self.month_first
        return bool(locale_day_first())

    @property
    def has_serials(self) -> bool:
        """Return whether most text values of the column are Excel date serials, so that serials are read as dates."""
        return self.serials * 2 > self.texts

    def describe(self, header: str) -> str | None:
        """Return a note on Excel serials, or a warning when the column gives no clear order, else None."""
        if self.serials:
            return self._describe_serials(header)
        order = "day/month/year" if self.is_day_first else "month/day/year"
        if self.day_first and self.month_first:
            return (
                f"column {header!r} mixes day/month and month/day dates "
                f"({self.day_first} only fit day first, {self.month_first} only fit month first); "
                f"read as {order}, and dates that do not fit are rejected"
            )
        if self.ambiguous and not (self.day_first or self.month_first):
            source = "the computer's locale" if locale_day_first() is not None else "the default, as the locale is unknown"
            return (
                f"every numeric date in column {header!r} fits both day/month and month/day; "
                f"read as {order}, the order of {source}. If that is wrong, write the dates as YYYY-MM-DD"
            )
        return None

    def _describe_serials(self, header: str) -> str:
        example = self.serial_example
        example_date = (EXCEL_EPOCH + timedelta(days=int(example))).date().isoformat() if example else ""
        if self.has_serials:
            return (
                f"column {header!r} contains Excel date serials as text ({self.serials} of {self.texts} values, "
                f"such as {example}, which is {example_date}); they are read as dates"
            )
        return (
            f"column {header!r} has {self.serials} of {self.texts} values that look like Excel date serials, "
            f"such as {example}, among other dates, so they are ambiguous and their rows are rejected; "
            "format those cells as dates in the spreadsheet or write them as YYYY-MM-DD"
        )


class DateParser:
    """Parses one column's values to UTC instants, in the team's timezone when they have none."""

    def __init__(self, zone: ZoneInfo, *, day_first: bool, today: date, serials: bool = False) -> None:
        self.zone = zone
        self.day_first = day_first
        self.today = today
        # Whether text such as "45231" is an Excel serial, as DayMonthEvidence.has_serials decides.
        self.serials = serials
        self._cache: dict[object, datetime] = {}

    def parse(self, value: object) -> datetime:
        cache = self._cache
        try:
            parsed = cache.get(value)
        except TypeError:
            return self._parse(value)
        if parsed is not None:
            return parsed
        parsed = self._parse(value)
        if isinstance(value, (str, int, float)):
            if len(cache) >= MEMO_MAX_ENTRIES:
                cache.clear()
            cache[value] = parsed
        return parsed

    def _parse(self, value: object) -> datetime:
        if type(value) is not str:
            if isinstance(value, datetime):
                return self._to_utc(value)
            if isinstance(value, date):
                return self._to_utc(datetime(value.year, value.month, value.day))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return self._from_excel_serial(value)

        text = str(value).strip()
        if len(text) >= 10 and text[4] == "-" and text[:4].isdigit():
            try:
                # The C parser handles the common ISO forms fast; the regex below explains failures.
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return self._to_utc(moment)
        match = _YEAR_FIRST.match(text)
        if match:
            year, month, day = (int(match.group(i)) for i in (1, 2, 3))
            return self._build(text, year, month, day, match.groups()[3:])

        match = _NUMERIC.match(text)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            day, month = (first, second) if self.day_first else (second, first)
            if month > 12:
                order = "day/month/year" if self.day_first else "month/day/year"
                raise InvalidValue(
                    f"{text!r} does not fit the {order} order of the other dates in this column; "
                    "write it as YYYY-MM-DD"
                )
            year = self._full_year(match.group(3))
            return self._build(text, year, month, day, match.groups()[3:])

        match = _DAY_MONTH_NAME.match(text)
        if match:
            month = self._month_number(text, match.group(2))
            return self._build(text, self._full_year(match.group(3)), month, int(match.group(1)), match.groups()[3:])

        match = _MONTH_NAME_DAY.match(text)
        if match:
            month = self._month_number(text, match.group(1))
            return self._build(text, int(match.group(3)), month, int(match.group(2)), match.groups()[3:])

        if _SERIAL_TEXT.match(text):
            return self._serial_text(text)
        raise InvalidValue(
            f"{text!r} is not a date LeadDesk can read; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"
        )

    def _build(self, text: str, year: int, month: int, day: int, time_groups: tuple) -> datetime:
        hour_text, minute_text, second_text, fraction, meridiem, offset = time_groups
        _check_day(text, year, month, day)
        hour = int(hour_text) if hour_text else 0
        minute = int(minute_text) if minute_text else 0
        second = int(second_text) if second_text else 0
        microsecond = int((fraction or "0")[:6].ljust(6, "0"))
        if meridiem:
            if not 1 <= hour <= 12:
                raise InvalidValue(f"{text!r} has the hour {hour} with AM/PM; use 1 to 12, or drop AM/PM")
            hour = hour % 12 + (12 if meridiem[0] in "Pp" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidValue(f"{text!r} has an impossible time of day; correct it to HH:MM between 00:00 and 23:59")

        moment = datetime(year, month, day, hour, minute, second, microsecond)
        if offset:
            return moment.replace(tzinfo=_offset_zone(offset)).astimezone(timezone.utc)
        return self._to_utc(moment)

    def _to_utc(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(timezone.utc)

    def _serial_text(self, text: str) -> datetime:
        if not self.serials:
            raise InvalidValue(
                f"{text!r} looks like an Excel date serial, but most values of this column are not serials, "
                "so it is ambiguous; format the cell as a date in the spreadsheet or write it as YYYY-MM-DD"
            )
        serial = float(text)
        if not PLAUSIBLE_SERIAL_MIN <= serial < PLAUSIBLE_SERIAL_MAX + 1:
            first = (EXCEL_EPOCH + timedelta(days=PLAUSIBLE_SERIAL_MIN)).year
            last = (EXCEL_EPOCH + timedelta(days=PLAUSIBLE_SERIAL_MAX)).year
            raise InvalidValue(
                f"{text!r} is an Excel date serial outside {first} to {last}, so it is probably no date; "
                "correct the cell or write the date as YYYY-MM-DD"
            )
        return self._from_excel_serial(serial)

    def _from_excel_serial(self, serial: float) -> datetime:
        if not 1 <= serial <= EXCEL_MAX_SERIAL:
            raise InvalidValue(
                f"{serial!r} is not a date; format the cell as a date in the spreadsheet, or write YYYY-MM-DD"
            )
        moment = EXCEL_EPOCH + timedelta(days=float(serial))
        # Serials carry float noise; round to the second.
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
        return self._to_utc(moment)

    def _full_year(self, text: str) -> int:
        year = int(text)
        if len(text) == 4:
            return year
        candidate = 2000 + year
        if candidate > self.today.year + TWO_DIGIT_YEAR_LOOKAHEAD:
            candidate -= 100
        return candidate

    @staticmethod
    def _month_number(text: str, name: str) -> int:
        month = MONTHS.get(name.casefold())
        if month is None:
            raise InvalidValue(f"{text!r} has the unknown month {name!r}; use an English month name or YYYY-MM-DD")
        return month


def _check_day(text: str, year: int, month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise InvalidValue(f"{text!r} is not a valid date: there is no month {month}; correct the cell")
    last_day = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last_day:
        raise InvalidValue(
            f"{text!r} is not a valid date: {calendar.month_name[month]} {year} has {last_day} days; "
            "correct the cell"
        )
    if not 1 <= year <= 9999:
        raise InvalidValue(f"{text!r} has the year {year}, outside 1 to 9999; correct the cell")


def _offset_zone(offset: str) -> timezone:
    if offset == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
