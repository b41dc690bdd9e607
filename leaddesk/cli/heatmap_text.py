"""The SLA breach heatmap as a rep x hour-of-day grid of counts, for `leaddesk stats`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from leaddesk.cli.text_table import INDENT, TERMINAL_WIDTH, fit_label

HOURS_PER_DAY = 24
# Shown for an hour without breaches, so the hours with breaches stand out.
EMPTY_CELL = "."
# Rep names longer than this are cut, so that the hour columns keep their room.
MAX_REP_WIDTH = 20
MIN_CELL_WIDTH = 2
REP_HEADER = "rep"


def hour_ranges(hours: Sequence[int]) -> str:
    """Return sorted hours as two-digit ranges, such as "00-08, 12, 18-23"."""
    ranges: list[list[int]] = []
    for hour in hours:
        if ranges and hour == ranges[-1][1] + 1:
            ranges[-1][1] = hour
        else:
            ranges.append([hour, hour])
    return ", ".join(f"{first:02d}" if first == last else f"{first:02d}-{last:02d}" for first, last in ranges)


def format_breach_heatmap(heatmap: Mapping[str, Sequence[int]], width: int = TERMINAL_WIDTH) -> list[str]:
    """Return the grid lines: a header row of hours, then one row per rep with its breach count per hour.

    heatmap maps each rep to 24 counts indexed by hour. All 24 hours are shown when they fit
    in width. Otherwise the hours without any breach are left out, a line names them, and
    hours that still do not fit continue in another block with its own header row.
    """
    if not heatmap:
        return [f"{INDENT}no breaches"]
    largest = max(max(counts) for counts in heatmap.values())
    cell_width = max(MIN_CELL_WIDTH, len(str(largest)))
    rep_width = min(max(len(REP_HEADER), *(len(name) for name in heatmap)), MAX_REP_WIDTH)
    # Each hour column is a space and the cell.
    hours_per_block = max((width - len(INDENT) - rep_width) // (cell_width + 1), 1)

    lines = []
    hours = list(range(HOURS_PER_DAY))
    if len(hours) > hours_per_block:
        hours = [hour for hour in hours if any(counts[hour] for counts in heatmap.values())]
        left_out = [hour for hour in range(HOURS_PER_DAY) if hour not in hours]
        if left_out:
            lines.append(f"{INDENT}hours without breaches are left out: {hour_ranges(left_out)}")

    for start in range(0, len(hours), hours_per_block):
        block = hours[start:start + hours_per_block]
        header = "".join(f" {hour:02d}".rjust(cell_width + 1) for hour in block)
        lines.append(f"{INDENT}{REP_HEADER.ljust(rep_width)}{header}")
        for name, counts in heatmap.items():
            cells = "".join(" " + (str(counts[hour]) if counts[hour] else EMPTY_CELL).rjust(cell_width) for hour in block)
            lines.append(f"{INDENT}{fit_label(name, rep_width).ljust(rep_width)}{cells}")
    return lines
