"""The day/month order of each date column: decided from a sample, then checked against every row.

A full pass over the file to count the evidence before the import would cost as much as
reading the file again. The import decides the order from the first SAMPLE_ROWS rows
instead, and the row converter counts the evidence of every row it converts. When the
whole column's evidence decides for the other order, or decides otherwise whether text
such as "45231" is an Excel serial, the import raises DateOrderChanged,
rolls back and runs again with the whole column's evidence. So every date is read as a
full pass would have read it, and an impossible date is still rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.mapping import ColumnPlan
from leaddesk.services.importing.table import Table

# Rows read to decide the order before the import; later rows only confirm it or restart the import.
SAMPLE_ROWS = 2000


class DateOrderChanged(Exception):
    """The whole column's dates decide for another day/month order than the sample did."""

    def __init__(self, evidence: dict[int, DayMonthEvidence]) -> None:
        super().__init__("the dates after the sample rows put the day and month in the other order")
        self.evidence = evidence


def sample_evidence(table: Table, plan: ColumnPlan, limit: int | None = None) -> dict[int, DayMonthEvidence]:
    """Count the day/month evidence of each date column in the first limit (default SAMPLE_ROWS) data rows."""
    limit = SAMPLE_ROWS if limit is None else limit
    columns = plan.columns_by_field.get("received_at", ())
    evidence = {index: DayMonthEvidence() for index in columns}
    if not columns:
        return evidence
    stream = table.rows()
    try:
        for read, (_number, cells) in enumerate(stream, start=1):
            count = len(cells)
            for index in columns:
                if index < count:
                    evidence[index].add(cells[index])
            if read >= limit:
                break
    finally:
        stream.close()
    return evidence


def order_changed(used: Mapping[int, DayMonthEvidence], seen: Mapping[int, DayMonthEvidence]) -> bool:
    """Return whether any column's whole evidence (seen) decides another order, or serials otherwise, than used."""
    return any(
        found.is_day_first != used[index].is_day_first or found.has_serials != used[index].has_serials
        for index, found in seen.items()
    )


def date_warnings(headers: Sequence[str], evidence: Mapping[int, DayMonthEvidence]) -> list[str]:
    """Return the warnings about columns whose dates give no clear order."""
    messages = []
    for index, found in evidence.items():
        message = found.describe(headers[index])
        if message:
            messages.append(message)
    return messages
