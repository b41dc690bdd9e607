"""The settings screen's form fields of a playbook, read from and written back into its TOML text.

Writing changes only the lines of the edited keys, so comments and the layout of the rest
of the file stay as they were. The result goes through the same validation as a file.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

from leaddesk.services.playbook.locate import key_lines
from leaddesk.services.playbook.parser import WEEKDAYS


@dataclass
class SegmentFields:
    key: str
    label: str
    respond_within: str
    clock: str


@dataclass
class PlaybookForm:
    """The fields the form edits; None or "" removes an optional key from the file."""

    timezone: str = ""
    holidays: str = ""
    holiday_region: str = ""
    # Weekday name -> ranges such as ["09:00-12:00", "13:00-18:00"].
    hours: dict[str, list[str]] = field(default_factory=dict)
    segments: list[SegmentFields] = field(default_factory=list)


def read_form(text: str) -> PlaybookForm:
    """Return the form fields of a playbook text; raise tomllib.TOMLDecodeError on invalid TOML."""
    data = tomllib.loads(text)
    calendar = data.get("calendar", {}) if isinstance(data.get("calendar"), dict) else {}
    hours = calendar.get("hours", {}) if isinstance(calendar.get("hours"), dict) else {}
    segments = [
        SegmentFields(
            key=str(segment.get("key", "")),
            label=str(segment.get("label", segment.get("key", ""))),
            respond_within=str(segment.get("respond_within", "")),
            clock=str(segment.get("clock", "business_hours")),
        )
        for segment in data.get("segments", [])
        if isinstance(segment, dict)
    ]
    return PlaybookForm(
        timezone=str(calendar.get("timezone", "")),
        holidays=str(calendar.get("holidays", "")),
        holiday_region=str(calendar.get("holiday_region", "")),
        hours={day: _as_list(hours.get(day, [])) for day in WEEKDAYS},
        segments=segments,
    )


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def write_form(text: str, form: PlaybookForm) -> str:
    """Return text with the form's values written into their keys, skipping values the text already has."""
    shown = read_form(text)
    edits: list[tuple[str, object]] = []
    for name in ("timezone", "holidays", "holiday_region"):
        value = getattr(form, name).strip()
        if value != getattr(shown, name):
            edits.append((f"calendar.{name}", value or None))
    edits += [
        (f"calendar.hours.{day}", form.hours.get(day, []))
        for day in WEEKDAYS
        if form.hours.get(day, []) != shown.hours.get(day, [])
    ]
    for index, segment in enumerate(form.segments):
        edits += [
            (f"segments[{index}].label", segment.label),
            (f"segments[{index}].respond_within", segment.respond_within),
            (f"segments[{index}].clock", segment.clock),
        ]
    for path, value in edits:
        text = set_value(text, path, value)
    return text


def toml_literal(value: object) -> str:
    """Return a string or a list of strings as a TOML value (JSON escapes are valid TOML)."""
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(item), ensure_ascii=False) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def set_value(text: str, path: str, value: object) -> str:
    """Return text with the key at path set to value, added under its table, or removed for None."""
    lines_by_path = key_lines(text)
    lines = text.splitlines(keepends=True)
    table, _dot, key = path.rpartition(".")
    number = lines_by_path.get(path)
    if number is not None:
        line = lines[number - 1]
        if value is None:
            del lines[number - 1]
        else:
            match = re.match(r"^(\s*[^=]+?=\s*)", line)
            ending = "\n" if line.endswith("\n") else ""
            lines[number - 1] = f"{match.group(1) if match else key + ' = '}{toml_literal(value)}{ending}"
        return "".join(lines)
    if value is None:
        return text
    header = lines_by_path.get(table)
    if header is None:
        # The table is missing too, so append it at the end of the file.
        separator = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{separator}\n[{table}]\n{key} = {toml_literal(value)}\n"
    new_line = f"{key} = {toml_literal(value)}\n"
    commented = _commented_key_line(lines, header, key)
    if commented is not None:
        # Replace the shipped example ("# timezone = ...") so the key sits where the file explains it.
        lines[commented] = new_line
    else:
        lines.insert(header, new_line)
    return "".join(lines)


def _commented_key_line(lines: list[str], header: int, key: str) -> int | None:
    """Return the index of a "# key = ..." line in the table that starts after line number header."""
    pattern = re.compile(rf"^\s*#\s*{re.escape(key)}\s*=")
    for index in range(header, len(lines)):
        if lines[index].lstrip().startswith("["):
            return None
        if pattern.match(lines[index]):
            return index
    return None
