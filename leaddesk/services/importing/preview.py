"""A look at a file before importing it: how it will be read and which column fills which field."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.mapping import header_words, mapping_warnings, suggest_mapping
from leaddesk.services.importing.reader import Table, open_table
from leaddesk.services.importing.report import ImportPreview
from leaddesk.services.importing.values import cell_text

PREVIEW_ROWS = 20

# Header words of postcode columns, whose values in one file mostly have one length.
POSTCODE_WORDS = frozenset({"zip", "zipcode", "postcode", "postal", "plz"})


def preview_file(
    path: Path | str,
    encoding: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    *,
    fill_merged: bool = False,
) -> ImportPreview:
    """Read the head of a file and suggest a mapping, without touching the database.

    encoding, header_row (1-based, preamble included) and sheet override what is detected.
    fill_merged copies the value of each merged cell range of a workbook into every cell
    of the range, as run_import does with the same option.
    Raises ImportFileError when the file cannot be read as a table.
    """
    table = open_table(path, encoding=encoding, header_row=header_row, sheet=sheet, fill_merged=fill_merged)
    sample = read_sample(table, PREVIEW_ROWS)
    mapping = suggest_mapping(table.headers, sample)
    warnings = (
        list(table.warnings)
        + mapping_warnings(table.headers, mapping)
        + _date_warnings(table, mapping, sample)
        + _padding_warnings(table, sample)
    )
    if not sample:
        warnings.append(f"{table.path.name} has a header but no data rows under it")

    return ImportPreview(
        path=str(table.path),
        encoding=table.encoding,
        delimiter=table.delimiter,
        header_row=table.header_row,
        headers=list(table.headers),
        mapping=mapping,
        sample_rows=sample,
        sheet_names=list(table.sheet_names),
        sheet=table.sheet,
        warnings=warnings,
        merged_ranges=table.merged_ranges,
        fill_merged=fill_merged and table.merged_ranges > 0,
    )


def read_sample(table: Table, limit: int) -> list[list[str]]:
    """Return up to limit data rows that hold any value, as text."""
    sample: list[list[str]] = []
    stream = table.rows()
    try:
        for _number, cells in stream:
            texts = [cell_text(cell) for cell in cells]
            if any(text.strip() for text in texts):
                sample.append(texts)
            if len(sample) >= limit:
                break
    finally:
        stream.close()
    return sample


def _date_warnings(table: Table, mapping: dict[str, str], sample: list[list[str]]) -> list[str]:
    warnings = []
    for index, header in enumerate(table.headers):
        if mapping.get(header) != "received_at":
            continue
        evidence = DayMonthEvidence()
        for row in sample:
            if index < len(row):
                evidence.add(row[index])
        message = evidence.describe(header)
        if message:
            warnings.append(message + " (judged from the preview rows; the import reads the whole column)")
    return warnings


def _padding_warnings(table: Table, sample: list[list[str]]) -> list[str]:
    """Warn about postcode columns where some values have fewer digits than most, as lost leading zeros do.

    A spreadsheet that read 02134 as a number saved it as 2134, and in a text file nothing
    records the zero that was lost, so the preview flags the column for review.
    """
    warnings = []
    for index, header in enumerate(table.headers):
        if not POSTCODE_WORDS.intersection(header_words(header)):
            continue
        numbers = [row[index].strip() for row in sample if index < len(row) and row[index].strip().isdigit()]
        if len(numbers) < 2:
            continue
        usual = Counter(len(number) for number in numbers).most_common(1)[0][0]
        short = [number for number in numbers if len(number) < usual]
        if not short or len(short) * 2 >= len(numbers):
            continue
        warnings.append(
            f"column {header!r} has {len(short)} of {len(numbers)} preview values with fewer digits than the usual "
            f"{usual}, such as {short[0]!r}; a spreadsheet may have dropped their leading zeros, so check them in the "
            "source and export the column as text"
        )
    return warnings
