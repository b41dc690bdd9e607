"""Column-wise conversion of a batch of rows gives what row-by-row conversion gives."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from leaddesk.services.importing.column_batch import ColumnBatchConverter
from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.mapping import build_plan
from leaddesk.services.importing.rows import FooterLine, LeadDraft, RowConverter, RowProblem
from leaddesk.services.importing.table import FlaggedRow, FlaggedValue

HEADERS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Mobile Phone",
    "Company Name",
    "Website URL",
    "Number of Employees",
    "Lead Status",
    "Segment",
    "Create Date",
    "Tags",
]

GOOD = ["51000000001", "Ana", "Silva", "ana@example.com", "+1 555-010-0001", "", "Acme", "https://www.acme.example",
        "51-200", "Working - Contacted", "smb", "2025-10-26 12:42", "vip"]


def row(**changes: str) -> list[str]:
    cells = list(GOOD)
    for header, value in changes.items():
        cells[HEADERS.index(header.replace("_", " "))] = value
    return cells


def trap_rows() -> list[list]:
    """Return rows that repeat good and bad values, so that cached results are reused for both."""
    rows: list[list] = []
    for _round in range(3):
        rows += [
            row(),
            row(Email="not-an-email"),
            row(Email="a@x.example, b@x.example"),
            row(Phone_Number="", Mobile_Phone="+44 20 7946 0000"),
            row(Phone_Number="'", Mobile_Phone="+44 20 7946 0001"),
            row(Record_ID="5.1E+10"),
            row(Record_ID="51000000002.0"),
            row(Number_of_Employees="85.0"),
            row(Number_of_Employees="many"),
            row(Number_of_Employees="-- Select --"),
            row(Lead_Status="Nurture"),
            row(Segment="enterprise"),
            row(Create_Date="31/02/2025"),
            row(Create_Date="03/04/2025"),
            row(Website_URL="localhost"),
            row(First_Name="  José\u00a0", Company_Name="'=SUM(A1)"),
            ["", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["Total: 3", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["Grand Totals (12 records)"],
            ["", "", "", "", "", "", "Acme only", "", "", "", "", "", "tag"],
            ["", "", "", "", "", "", "", "", "", "", "", "", "just a tag"],
            row() + ["extra value"],
            row()[:5],
            [*row()[:11], FlaggedValue("2025-13-01", "the month is unclear"), "vip"],
            FlaggedRow(row(), value="a,broken,row", reason="the quotes do not match"),
            [51000000003, "Num", "Cell", "num@example.com", 4.4771e11, None, "Acme", "", 12.0, "New", "", 45231, ""],
            [*row()[:11], datetime(2025, 1, 2, 3, 4), "vip"],
            [*row()[:11], date(2025, 1, 2), "vip"],
        ]
    return rows


def converter() -> RowConverter:
    plan = build_plan(HEADERS, None)
    return RowConverter(
        plan,
        zone=ZoneInfo("Europe/Berlin"),
        today=date(2026, 3, 2),
        evidence={index: DayMonthEvidence() for index in plan.columns_by_field.get("received_at", ())},
        segment_keys=frozenset({"smb"}),
    )


def row_by_row(rows: list[list]) -> tuple[list, dict[int, DayMonthEvidence]]:
    single = converter()
    outcomes: list[LeadDraft | RowProblem | None] = []
    for number, cells in enumerate(rows, start=2):
        try:
            outcomes.append(single.convert(number, cells))
        except RowProblem as problem:
            outcomes.append(problem)
    return outcomes, single.seen_evidence


def described(outcome: LeadDraft | RowProblem | None) -> object:
    """Return an outcome with the order of its fields, which reaches the stored custom fields."""
    if isinstance(outcome, LeadDraft):
        return (outcome.row, list(outcome.fields.items()), list(outcome.custom.items()))
    if isinstance(outcome, RowProblem):
        return (type(outcome).__name__, outcome.column, outcome.value, outcome.reason)
    return outcome


@pytest.mark.parametrize("judged_rows", [1, 10_000])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_column_batch_matches_rows(monkeypatch: pytest.MonkeyPatch, batch_rows: int, judged_rows: int):
    """Compare every outcome; with judged_rows 1, columns of unique values stop caching after a batch."""
    from leaddesk.services.importing import column_batch

    monkeypatch.setattr(column_batch, "JUDGED_ROWS", judged_rows)
    rows = trap_rows()
    expected, expected_evidence = row_by_row(rows)
    single = converter()
    batches = ColumnBatchConverter(single)
    numbered = list(enumerate(rows, start=2))
    outcomes: list = []
    for start in range(0, len(numbered), batch_rows):
        outcomes += batches.convert(numbered[start:start + batch_rows])

    assert len(outcomes) == len(expected)
    for number, (outcome, wanted) in enumerate(zip(outcomes, expected), start=2):
        assert described(outcome) == described(wanted), f"row {number}"
    assert single.seen_evidence == expected_evidence


def test_column_batch_rejects_every_repeat():
    rows = [row(Email="not-an-email") for _ in range(5)]
    outcomes = ColumnBatchConverter(converter()).convert(list(enumerate(rows, start=2)))
    assert [type(outcome) for outcome in outcomes] == [RowProblem] * 5
    assert [outcome.value for outcome in outcomes] == ["not-an-email"] * 5


def test_column_batch_unique_column_uncached(monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services.importing import column_batch

    monkeypatch.setattr(column_batch, "JUDGED_ROWS", 10)
    batches = ColumnBatchConverter(converter())
    rows = [row(Email=f"lead{index}@example.com") for index in range(20)]
    batches.convert(list(enumerate(rows, start=2)))
    email = HEADERS.index("Email")
    company = HEADERS.index("Company Name")
    assert batches._texts[email].caching is False
    assert len(batches._texts[email]) == 0
    assert batches._texts[company].caching is True
    outcomes = batches.convert(list(enumerate(rows, start=22)))
    assert [outcome.fields["email"] for outcome in outcomes] == [f"lead{index}@example.com" for index in range(20)]


def test_column_batch_cache_bounded(monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services.importing import column_batch

    monkeypatch.setattr(column_batch, "MAX_CACHED_VALUES", 10)
    batches = ColumnBatchConverter(converter())
    rows = [row(Email=f"lead{index}@example.com") for index in range(50)]
    batches.convert(list(enumerate(rows, start=2)))
    outcomes = batches.convert(list(enumerate(rows, start=52)))
    assert all(isinstance(outcome, LeadDraft) for outcome in outcomes)
    assert max(len(memo) for memo in batches._texts) <= 50


def plain_trap_rows() -> list[list[str]]:
    """Return rows of only str cells of the header's width, so that each batch takes the column-wise path."""
    blank = [""] * len(HEADERS)
    company = HEADERS.index("Company Name")
    tags = HEADERS.index("Tags")
    employees = HEADERS.index("Number of Employees")
    first_name = HEADERS.index("First Name")
    last_name = HEADERS.index("Last Name")
    # A total line whose third cell contains only spaces.
    emptied_by_spaces = list(blank)
    emptied_by_spaces[first_name], emptied_by_spaces[last_name], emptied_by_spaces[company] = "Total:", "3", " \u00a0 "
    emptied_by_placeholder = list(blank)
    emptied_by_placeholder[company], emptied_by_placeholder[tags], emptied_by_placeholder[employees] = (
        "Acme", "tag", "-- Select --",
    )
    three_values = list(blank)
    three_values[company], three_values[tags], three_values[first_name] = "Acme", "tag", "Ana"
    return [
        row(),
        row(Record_ID="5.1e+10"),
        row(Record_ID="5.1E+10"),
        row(Record_ID="51000000002.0"),
        row(Phone_Number="+1 555-010-0002.0"),
        emptied_by_spaces,
        emptied_by_placeholder,
        three_values,
        list(blank),
        row(Mobile_Phone="   "),
    ]


@pytest.mark.parametrize("judged_rows", [1, 10_000])
def test_column_batch_plain_rows_match(monkeypatch: pytest.MonkeyPatch, judged_rows: int):
    """Rows that cleaning leaves with few values, and digit columns that lost digits, in one plain batch."""
    from leaddesk.services.importing import column_batch

    monkeypatch.setattr(column_batch, "JUDGED_ROWS", judged_rows)
    rows = plain_trap_rows() * 3
    expected, expected_evidence = row_by_row(rows)
    single = converter()
    batches = ColumnBatchConverter(single)

    outcomes = batches.convert(list(enumerate(rows, start=2)))

    assert len(outcomes) == len(expected)
    for number, (outcome, wanted) in enumerate(zip(outcomes, expected), start=2):
        assert described(outcome) == described(wanted), f"row {number}"
    assert single.seen_evidence == expected_evidence
    assert isinstance(outcomes[1], RowProblem)
    assert isinstance(outcomes[5], FooterLine)
    assert isinstance(outcomes[7], LeadDraft)
    assert outcomes[8] is None


def test_column_batch_plain_column_clean_digits():
    rows = [row(Record_ID=f"5100000000{index}") for index in range(5)]

    outcomes = ColumnBatchConverter(converter()).convert(list(enumerate(rows, start=2)))

    assert [outcome.custom.get("Record ID") or outcome.fields.get("external_id") for outcome in outcomes] == [
        f"5100000000{index}" for index in range(5)
    ]
