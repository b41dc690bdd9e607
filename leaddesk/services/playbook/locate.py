"""Line numbers of keys in a TOML text, because tomllib returns values without positions."""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(.+?)\s*\]\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[].*?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*=""")
_KEY_PART = re.compile(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""")


def _split_key(text: str) -> list[str]:
    return [part.strip("\"'") for part in _KEY_PART.findall(text)]


def _render(parts: list[str | int]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


def key_lines(text: str) -> dict[str, int]:
    """Return the 1-based line of each table header and key, by path such as "segments[1].clock".

    Keys inside inline tables and multi-line arrays are not listed, so callers look up the
    longest listed prefix of a path.
    """
    lines: dict[str, int] = {}
    array_counts: dict[str, int] = {}
    array_paths: set[tuple[str, ...]] = set()
    current: list[str | int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        array = _ARRAY_HEADER.match(line)
        table = None if array else _TABLE_HEADER.match(line)
        if array or table:
            names = _split_key((array or table).group(1))
            current = []
            for index, name in enumerate(names):
                current.append(name)
                raw = tuple(names[: index + 1])
                is_last = index == len(names) - 1
                if array and is_last:
                    key = _render(current)
                    array_counts[key] = array_counts.get(key, -1) + 1
                    array_paths.add(raw)
                    current.append(array_counts[key])
                elif raw in array_paths:
                    current.append(array_counts.get(_render(current), 0))
            lines.setdefault(_render(current), number)
            continue
        key = _KEY.match(line)
        if key and not line.lstrip().startswith("#"):
            lines.setdefault(_render([*current, *_split_key(key.group(1))]), number)
    return lines


def line_of(path: str, lines: dict[str, int]) -> int | None:
    """Return the line of path or of its longest prefix that key_lines found."""
    candidate = path
    while candidate:
        if candidate in lines:
            return lines[candidate]
        cut = max(candidate.rfind("."), candidate.rfind("["))
        if cut <= 0:
            break
        candidate = candidate[:cut]
    return lines.get(candidate)
