"""Converting the data rows of a table into chunks of drafts, rejected rows and skipped rows.

This is the part of an import that reads the file and needs no database, so the same
generator runs in the importing process or in a worker process (see worker.py). Each
chunk lists what the importer must record for its rows, in row order, and the drafts
that the writer stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from leaddesk.services.importing.collection import fewer_collections
from leaddesk.services.importing.column_batch import ColumnBatchConverter
from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.report import RejectedRow
from leaddesk.services.importing.rows import FooterLine, LeadDraft, RowConverter, RowProblem
from leaddesk.services.importing.table import RowStream

# The maximum number of rows converted column by column at once.
BATCH_ROWS = 1000


@dataclass
class ConvertedChunk:
    """The outcome of converting consecutive data rows.

    rejected lists the rows that cannot be imported, footer lines between data rows
    included, and empty_rows the numbers of rows without any value. rows_read counts
    every row the chunk covers, and fraction is how far through the file the reader is.
    """

    drafts: list[LeadDraft] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)
    rows_read: int = 0
    fraction: float = 0.0


@dataclass
class TrailingFooter:
    """A footer or note line under the last data row, which the importer skips and names in a warning."""

    row: int
    value: str


@dataclass
class ConversionEnd:
    """Findings of a finished conversion besides its chunks.

    footers are the footer lines under the last data row. seen_evidence is the day/month
    evidence of every converted row, per date column, which the importer compares with
    the order it converted dates in. repair_warnings are the row stream's warnings about
    repaired rows, None when opening the file gave them (RowStream.repair_warnings).
    """

    footers: list[TrailingFooter]
    seen_evidence: dict[int, DayMonthEvidence]
    # Warnings about labelled values passed over for a valid one (label_groups.SkippedValues).
    label_warnings: list[str] = field(default_factory=list)
    repair_warnings: list[str] | None = None


def convert_rows(
    stream: RowStream,
    converter: RowConverter,
    chunk_rows: int,
    end: list[ConversionEnd],
    *,
    trim_to: int | None = None,
) -> Iterator[ConvertedChunk]:
    """Yield a chunk at every chunk_rows drafts or rejected rows, then the rest; append the ConversionEnd to end.

    Rows are read in batches that ColumnBatchConverter converts column by column. A batch
    never contains more rows than the chunk still needs drafts, so each chunk covers the same
    rows as with row-by-row conversion. With trim_to set, cells from that index on are
    dropped before conversion, as the row and reason columns of a rejected-rows file are.
    A footer line stays pending until the next data row makes it a rejected row, or the
    end makes it a TrailingFooter.
    """
    batches = ColumnBatchConverter(converter)
    # Footer lines since the last data row: (row number, cells, the FooterLine raised).
    footers: list[tuple[int, list, FooterLine]] = []
    rows = iter(stream)
    # Converting 100,000 rows allocates millions of objects, so the collector runs less often meanwhile (collection.py).
    with fewer_collections():
        yield from _convert_batches(stream, rows, batches, converter, chunk_rows, footers, trim_to)
    trailing = [TrailingFooter(row=number, value=footer.value) for number, _cells, footer in footers]
    label_warnings = converter.skipped_values.warnings()
    end.append(
        ConversionEnd(
            footers=trailing,
            seen_evidence=converter.seen_evidence,
            repair_warnings=stream.repair_warnings(),
            label_warnings=label_warnings,
        )
    )


def _convert_batches(
    stream: RowStream,
    rows: Iterator[tuple[int, list]],
    batches: ColumnBatchConverter,
    converter: RowConverter,
    chunk_rows: int,
    footers: list[tuple[int, list, FooterLine]],
    trim_to: int | None,
) -> Iterator[ConvertedChunk]:
    chunk = ConvertedChunk()
    try:
        while True:
            batch = list(islice(rows, min(chunk_rows - len(chunk.drafts), BATCH_ROWS)))
            if not batch:
                break
            if trim_to is not None:
                batch = [(number, cells[:trim_to]) for number, cells in batch]
            for (number, cells), outcome in zip(batch, batches.convert(batch)):
                chunk.rows_read += 1
                if isinstance(outcome, FooterLine):
                    footers.append((number, cells, outcome))
                    continue
                if isinstance(outcome, RowProblem):
                    _reject_footers(chunk, converter, footers)
                    chunk.rejected.append(_rejected_row(converter, number, cells, outcome))
                    continue
                if outcome is None:
                    chunk.empty_rows.append(number)
                    continue

                _reject_footers(chunk, converter, footers)
                chunk.drafts.append(outcome)
            # Ending a chunk at chunk_rows rejected rows too keeps a file of bad rows from piling up in one chunk.
            if len(chunk.drafts) >= chunk_rows or len(chunk.rejected) >= chunk_rows:
                chunk.fraction = stream.fraction
                yield chunk
                chunk = ConvertedChunk()
    finally:
        stream.close()

    chunk.fraction = 1.0
    yield chunk


def _reject_footers(chunk: ConvertedChunk, converter: RowConverter, footers: list[tuple[int, list, FooterLine]]) -> None:
    """Reject the footer lines that turned out to stand between data rows, and empty the list."""
    for number, cells, footer in footers:
        chunk.rejected.append(_rejected_row(converter, number, cells, footer))
    footers.clear()


def _rejected_row(converter: RowConverter, number: int, cells: list, problem: RowProblem) -> RejectedRow:
    return RejectedRow(
        row=number, column=problem.column, value=problem.value, reason=problem.reason, values=converter.row_values(cells)
    )

