"""Durations and clock times as the playbook file writes them: "15m", "1h30m", "09:00-18:00"."""

from __future__ import annotations

import re
from datetime import time, timedelta

_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds", "seconds": "seconds",
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

DURATION_HINT = 'write a duration such as "15m", "2h", "1h30m" or "3 days"'
# Longer durations make deadline arithmetic overflow datetime, and no response budget needs them.
MAX_DURATION = timedelta(days=365)
# A closing time of "24:00" is stored as the last instant of the day; business_calendar reads it as midnight.
END_OF_DAY = time.max


def parse_duration(text: str) -> timedelta:
    """Parse "15m", "1h 30m", "2 hours" or "3d" into a timedelta.

    Raise ValueError on anything else, and on a duration above MAX_DURATION.
    """
    cleaned = text.strip().lower().replace(",", " ")
    if not cleaned:
        raise ValueError("empty duration")
    total = timedelta(0)
    position = 0
    while position < len(cleaned):
        match = _PART.match(cleaned, position)
        if match is None or match.group(2) not in _UNITS:
            raise ValueError(f"invalid duration {text!r}")
        try:
            total += timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
        except OverflowError:
            total = MAX_DURATION + timedelta(days=1)
        if total > MAX_DURATION:
            raise ValueError(f"duration {text!r} is longer than the maximum of {MAX_DURATION.days} days")
        position = match.end()
    return total


def parse_percent(text: str) -> float | None:
    """Return "80%" as 0.8, or None when text is not a percentage."""
    match = _PERCENT.match(text)
    return float(match.group(1)) / 100 if match else None


def parse_hours_range(text: str) -> tuple[time, time]:
    """Parse "09:00-13:00" into (opens, closes); raise ValueError unless opens is before closes.

    A closing time of "24:00" means the end of the day and becomes END_OF_DAY.
    """
    match = _RANGE.match(text)
    if match is None:
        raise ValueError(f"invalid opening hours {text!r}")
    opens_hour, opens_minute, closes_hour, closes_minute = (int(part) for part in match.groups())
    closes_at_midnight = (closes_hour, closes_minute) == (24, 0)
    if opens_hour > 23 or (closes_hour > 23 and not closes_at_midnight) or opens_minute > 59 or closes_minute > 59:
        raise ValueError(f"invalid clock time in {text!r}")
    opens = time(opens_hour, opens_minute)
    closes = END_OF_DAY if closes_at_midnight else time(closes_hour, closes_minute)
    if closes <= opens:
        raise ValueError(f"opening hours {text!r} close before they open")
    return opens, closes


def format_hours_range(opens: time, closes: time) -> str:
    """Format (opens, closes) as the playbook writes it, such as "09:00-18:00" or "00:00-24:00"."""
    closing = "24:00" if closes == END_OF_DAY else f"{closes:%H:%M}"
    return f"{opens:%H:%M}-{closing}"


def format_duration(duration: timedelta) -> str:
    """Format a duration as the playbook writes it: "1h30m", "5m", "2d"."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"
