"""Read the tables of `leaddesk stats` text output back into cells, for comparison with its JSON output."""

from __future__ import annotations

import re

# Columns are separated by at least two spaces, and no cell contains two spaces in a row.
COLUMN_SEPARATOR = re.compile(r"\s{2,}")


def section(text: str, title: str) -> list[str]:
    """Return the indented lines after the line starting with title, up to the next blank or title line."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(title))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        body.append(line)
    return body


def cells(line: str) -> list[str]:
    return COLUMN_SEPARATOR.split(line.strip())


def table(lines: list[str], header_lines: int = 1) -> dict[str, list[str]]:
    """Return first cell -> the other cells of each row below the header lines."""
    rows = {}
    for line in lines[header_lines:]:
        label, *values = cells(line)
        assert label not in rows, f"row {label!r} is printed twice"
        rows[label] = values
    return rows


def heatmap(lines: list[str]) -> tuple[dict[str, dict[int, int]], str | None]:
    """Return rep -> {hour: breaches} of every hour shown, and the line naming the hours left out, if any.

    A grid split into blocks repeats its header row, which starts with "rep", in each block.
    """
    grid: dict[str, dict[int, int]] = {}
    left_out = None
    hours: list[int] = []
    for line in lines:
        words = line.split()
        if line.strip().startswith("hours without breaches"):
            left_out = line.strip()
        elif words[0] == "rep":
            hours = [int(hour) for hour in words[1:]]
        else:
            name = " ".join(words[: -len(hours)])
            values = words[-len(hours):]
            row = grid.setdefault(name, {})
            for hour, value in zip(hours, values):
                assert hour not in row, f"hour {hour} of {name} is printed twice"
                row[hour] = 0 if value == "." else int(value)
    return grid, left_out
