"""Plain-text tables with aligned columns that fit a terminal width, for CLI reports."""

from __future__ import annotations

from collections.abc import Sequence

# Width that every report line fits in, in characters.
TERMINAL_WIDTH = 100
INDENT = "  "
COLUMN_GAP = "  "
# Labels cut to fit the width end in this marker, so a reader knows the label is longer.
CUT_MARKER = "..."
# The first column is never shortened below this, even if the line then exceeds the width.
MIN_LABEL_WIDTH = 12

LEFT = "<"
RIGHT = ">"


def fit_label(label: str, width: int) -> str:
    """Return label cut to width characters, ending in CUT_MARKER when it was cut."""
    if len(label) <= width:
        return label
    return label[: max(width - len(CUT_MARKER), 0)] + CUT_MARKER


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: Sequence[str] | None = None,
    width: int = TERMINAL_WIDTH,
) -> list[str]:
    r"""Return the header lines and one line per row, each column padded to its widest cell.

    A header containing "\n" spans several header lines, its last part on the last line, so
    that "wall\nmedian" puts "wall" above "median". align contains LEFT or RIGHT per column,
    and by default the first column is left-aligned and the others right-aligned. When a
    line would exceed width, the first column is narrowed, down to MIN_LABEL_WIDTH, and
    labels longer than it are cut with CUT_MARKER.
    """
    if align is None:
        align = [LEFT] + [RIGHT] * (len(headers) - 1)
    header_parts = [header.split("\n") for header in headers]
    depth = max(len(parts) for parts in header_parts)
    header_rows = [[""] * len(headers) for _line in range(depth)]
    for column, parts in enumerate(header_parts):
        # A header's parts fill the bottom header lines, so single-line headers sit on the last one.
        for offset, part in enumerate(parts):
            header_rows[depth - len(parts) + offset][column] = part
    widths = [max(len(str(cell)) for cell in column) for column in zip(*header_rows, *rows)]
    line_width = len(INDENT) + sum(widths) + len(COLUMN_GAP) * (len(widths) - 1)
    if line_width > width:
        label_header = max(len(part) for part in header_parts[0])
        widths[0] = max(widths[0] - (line_width - width), MIN_LABEL_WIDTH, label_header)

    lines = []
    for cells in (*header_rows, *rows):
        padded = []
        for index, cell in enumerate(cells):
            text = str(cell)
            if index == 0:
                text = fit_label(text, widths[0])
            padded.append(text.ljust(widths[index]) if align[index] == LEFT else text.rjust(widths[index]))
        lines.append((INDENT + COLUMN_GAP.join(padded)).rstrip())
    return lines
