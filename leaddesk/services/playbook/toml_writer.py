"""Write changed playbook values back into its TOML text, touching only the lines that changed.

The forms hand over the document as tomllib read it and the edited copy, and write_document
compares them key by key. An unchanged key keeps its line, comments and layout. A changed
value replaces all lines of the old value, which may span several. A removed key or array
entry loses its lines, and a new one is added next to its siblings.

An edited copy marks each entry of an array of tables that came from the text with
ORIGIN_KEY (its index in the old array), so the writer can tell an edited entry from a
new one. Entries without it are new; old entries that no listed entry names are removed.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import date, datetime, time
from typing import Any

from leaddesk.services.playbook.locate import key_lines

ORIGIN_KEY = "_origin"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^\s*\[")


def toml_key(key: str) -> str:
    """Return key as written in TOML: bare when it may be, else quoted."""
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """Return value as an inline TOML value; raise ValueError for a type TOML cannot write."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"cannot write {value!r} as a playbook value; enter a finite number")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{toml_key(str(key))} = {toml_value(item)}" for key, item in value.items() if key != ORIGIN_KEY)
        return "{ " + items + " }"
    raise ValueError(f"cannot write {value!r} as a playbook value")


def toml_condition(value: Any) -> str:
    """Return a condition table inline, with each item of a long all/any list on its own line."""
    if isinstance(value, dict) and len(value) == 1:
        (key, items), = value.items()
        if key in ("all", "any") and isinstance(items, list) and len(items) > 1:
            inner = "".join(f"    {toml_value(item)},\n" for item in items)
            return "{ " + key + " = [\n" + inner + "] }"
    return toml_value(value)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _join(table: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{table}[{key}]"
    return f"{table}.{key}" if table else key


def _clean(value: Any) -> Any:
    """Return value without ORIGIN_KEY marks, for comparing with what the text contains."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items() if key != ORIGIN_KEY}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def write_document(text: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Return text with every difference between old (text as read) and new written into it."""
    return _write_table(text, "", old, new)


def _write_table(text: str, path: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    for key in list(dict.fromkeys([*old, *new])):
        if key == ORIGIN_KEY:
            continue
        before, after = old.get(key), new.get(key)
        if _clean(before) == _clean(after):
            continue
        child = _join(path, key)
        lines = key_lines(text)
        has_header = _has_header(text, lines, child)
        if isinstance(before, dict) and isinstance(after, dict) and has_header:
            text = _write_table(text, child, before, after)
        elif after is None and has_header:
            text = _delete_block(text, child)
        elif _is_table_list(before) and isinstance(after, list) and f"{child}[0]" in lines:
            text = _write_array(text, child, before, after)
        elif before in (None, []) and (_is_table_list(after) or _is_new_table(after)) and _table_has_header(text, path):
            # An empty inline list, such as rules = [], gives way to [[...]] tables.
            text = _insert_block(set_key(text, path, key, None), path, key, after)
        else:
            text = set_key(text, path, key, after)
    return text


def _is_new_table(value: Any) -> bool:
    # Only tables of tables, such as [reps."Dana"], get their own header; other new tables stay inline.
    return isinstance(value, dict) and bool(value) and all(isinstance(item, dict) for item in value.values())


def _table_has_header(text: str, path: str) -> bool:
    return path == "" or _has_header(text, key_lines(text), path)


def _has_header(text: str, lines: dict[str, int], path: str) -> bool:
    """Return whether path is a table with a header, or a table that headers below it define, such as [qualification.mql]."""
    if path in lines and _is_header(text, lines[path]):
        return True
    return any(other.startswith(path + ".") and _is_header(text, number) for other, number in lines.items())


def _is_header(text: str, number: int) -> bool:
    return bool(_HEADER.match(text.splitlines()[number - 1]))


def set_key(text: str, table: str, key: str, value: Any) -> str:
    """Return text with table's key set to value (all lines of a multi-line value), added, or removed for None."""
    path = _join(table, key)
    lines_by_path = key_lines(text)
    lines = text.splitlines(keepends=True)
    number = lines_by_path.get(path)
    literal = None
    if value is not None:
        literal = toml_condition(value) if key == "when" else toml_value(value)

    if number is not None and not _HEADER.match(lines[number - 1]):
        start = number - 1
        end = _value_end(lines, start)
        if literal is None:
            del lines[start:end]
        else:
            match = re.match(r"^(\s*[^=]+?=\s*)", lines[start])
            ending = "\n" if lines[end - 1].endswith("\n") else ""
            prefix = match.group(1) if match else f"{toml_key(key)} = "
            lines[start:end] = [f"{prefix}{literal}{ending}"]
        return "".join(lines)
    if literal is None:
        return text

    new_line = f"{toml_key(key)} = {literal}\n"
    if table == "":
        # A top-level key goes before the first table header, where TOML requires it.
        first_header = next((index for index, line in enumerate(lines) if _HEADER.match(line)), len(lines))
        lines.insert(first_header, new_line)
        return "".join(lines)
    header = lines_by_path.get(table)
    if header is None:
        separator = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{separator}\n[{_header_path(table)}]\n{new_line}"
    commented = _commented_key_line(lines, header, key)
    if commented is not None:
        # Replace the shipped example ("# timezone = ...") so the key sits where the file explains it.
        lines[commented] = new_line
    else:
        lines.insert(_table_body_end(lines, header), new_line)
    return "".join(lines)


def _header_path(path: str) -> str:
    """Return a key path such as segments[1].escalation or reps.Dana Smith as a header: segments.escalation, reps."Dana Smith".

    A header names no array index, because [[a.b]] belongs to the last [[a]] above it.
    """
    return ".".join(toml_key(part) for part in re.sub(r"\[\d+\]", "", path).split("."))


def _value_end(lines: list[str], start: int) -> int:
    """Return the index after the last line of the key = value that starts at lines[start]."""
    for end in range(start + 1, len(lines) + 1):
        try:
            tomllib.loads("".join(lines[start:end]))
            return end
        except tomllib.TOMLDecodeError:
            continue
    return start + 1


def _table_body_end(lines: list[str], header: int) -> int:
    """Return the index after the last key line of the table whose header is line number header."""
    end = header
    index = header
    while index < len(lines) and not _HEADER.match(lines[index]):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            end = _value_end(lines, index)
            index = end
            continue
        index += 1
    return end


def _commented_key_line(lines: list[str], header: int, key: str) -> int | None:
    """Return the index of a "# key = ..." line in the table that starts after line number header."""
    pattern = re.compile(rf"^\s*#\s*{re.escape(key)}\s*=")
    for index in range(header, len(lines)):
        if _HEADER.match(lines[index]):
            return None
        if pattern.match(lines[index]):
            return index
    return None


# Arrays of tables and new tables.


def _write_array(text: str, path: str, old: list[dict], new: list[Any]) -> str:
    # Entries keep their identity only while their old indexes rise, so a moved entry is rewritten.
    kept: list[int] = []
    entries: list[tuple[int | None, dict]] = []
    for item in new:
        origin = item.get(ORIGIN_KEY) if isinstance(item, dict) else None
        if isinstance(origin, int) and 0 <= origin < len(old) and (not kept or origin > kept[-1]):
            kept.append(origin)
            entries.append((origin, item))
        else:
            entries.append((None, item))
    for index in sorted(set(range(len(old))) - set(kept), reverse=True):
        text = _delete_block(text, f"{path}[{index}]")
    for position, (origin, item) in enumerate(entries):
        if origin is not None:
            text = _write_table(text, f"{path}[{position}]", old[origin], item)
        else:
            text = _insert_entry(text, path, position, item)
    return text


def _block_range(text: str, path: str) -> tuple[int, int]:
    """Return the line indexes [start, end) of the table at path and its sub-tables, without trailing comments."""
    lines_by_path = key_lines(text)
    lines = text.splitlines(keepends=True)
    start = lines_by_path[path] - 1
    later = sorted(
        number - 1
        for other, number in lines_by_path.items()
        if number - 1 > start and _is_header(text, number) and not (other.startswith(path + ".") or other.startswith(path + "["))
    )
    end = later[0] if later else len(lines)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return start, end


def _delete_block(text: str, path: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _block_range(text, path)
    # Remove the blank line that separated the block from the one before it as well.
    if start > 0 and not lines[start - 1].strip():
        start -= 1
    del lines[start:end]
    return "".join(lines)


def _block_text(header: str, table: dict, array: bool) -> str:
    """Return a table as its header line, its keys, then its sub-tables and arrays of tables."""
    opening, closing = ("[[", "]]") if array else ("[", "]")
    body = [f"{opening}{_header_path(header)}{closing}\n"]
    nested: list[str] = []
    for key, value in table.items():
        if key == ORIGIN_KEY or value is None:
            continue
        if _is_table_list(value):
            nested.extend("\n" + _block_text(f"{header}.{key}", item, array=True) for item in value)
        elif key == "when":
            body.append(f"{toml_key(key)} = {toml_condition(value)}\n")
        else:
            body.append(f"{toml_key(key)} = {toml_value(value)}\n")
    return "".join(body) + "".join(nested)


def _insert_entry(text: str, path: str, position: int, item: dict) -> str:
    """Insert item as entry position of the array of tables at path."""
    lines_by_path = key_lines(text)
    lines = text.splitlines(keepends=True)
    block = _block_text(path, item, array=True)
    following = lines_by_path.get(f"{path}[{position}]")
    if following is not None:
        index = following - 1
        while index > 0 and lines[index - 1].lstrip().startswith("#"):
            index -= 1
        lines[index:index] = [block, "\n"]
        return "".join(lines)
    if position > 0 and f"{path}[{position - 1}]" in lines_by_path:
        _start, end = _block_range(text, f"{path}[{position - 1}]")
        lines[end:end] = ["\n", block]
        return "".join(lines)
    table, _dot, _key = path.rpartition(".")
    return _append_after_table(text, table, block)


def _insert_block(text: str, table: str, key: str, value: Any) -> str:
    """Insert a new array of tables or table of tables named key under table."""
    path = _join(table, key)
    if isinstance(value, list):
        blocks = "\n".join(_block_text(path, item, array=True) for item in value)
    else:
        blocks = "\n".join(_block_text(f"{path}.{name}", item, array=False) for name, item in value.items())
    return _append_after_table(text, table, blocks)


def _append_after_table(text: str, table: str, block: str) -> str:
    """Insert block after the table at path table and its sub-tables, or at the end of the file."""
    lines = text.splitlines(keepends=True)
    if table and table in key_lines(text):
        _start, end = _block_range(text, table)
        lines[end:end] = ["\n", block]
        return "".join(lines)
    separator = "" if text.endswith("\n") or not text else "\n"
    return f"{text}{separator}\n{block}"
