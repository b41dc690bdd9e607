"""Numbers and dates that spreadsheets damaged before a file was saved as delimited text."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import preview_file, run_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def write_rows(folder: Path, name: str, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    path = folder / name
    text = "".join(delimiter.join(row) + "\r\n" for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def leads_by_email(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.email: lead for lead in session.scalars(select(Lead))}


# Delimited formats as the importer reads them: file name, delimiter and encoding.
TEXT_FORMATS = [
    ("leads.csv", ",", "utf-8"),
    ("leads.tsv", "\t", "utf-8"),
    ("leads.txt", "\t", "utf-16"),
    ("semicolons.csv", ";", "cp1252"),
]


@pytest.mark.parametrize(("name", "delimiter", "encoding"), TEXT_FORMATS)
def test_float_zero_dropped(database, tmp_path: Path, name: str, delimiter: str, encoding: str):
    path = write_rows(
        tmp_path,
        name,
        [
            ["Email", "Phone", "Lead ID", "Zip", "Score"],
            ["ann@example.com", "447700900123.0", "123.0", "2134.0", "3.0"],
            ["bo@example.com", "+44 7700 900456", "1.000", "02134", "4.5"],
        ],
        delimiter,
        encoding,
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 2
    assert report.rejected_rows == []
    leads = leads_by_email(database)
    ann, bo = leads["ann@example.com"], leads["bo@example.com"]
    assert ann.phone == "447700900123"
    assert ann.external_id == "123"
    assert ann.custom_fields == {"Zip": "2134", "Score": "3.0"}
    assert bo.phone == "+44 7700 900456"
    assert bo.external_id == "1.000"
    assert bo.custom_fields == {"Zip": "02134", "Score": "4.5"}


@pytest.mark.parametrize(("name", "delimiter", "encoding"), TEXT_FORMATS)
def test_scientific_phone_flagged(database, tmp_path: Path, name: str, delimiter: str, encoding: str):
    # A semicolon file from a locale with decimal commas writes the mantissa with a comma.
    mantissa = "4,47911E+11" if delimiter == ";" else "4.47911E+11"
    path = write_rows(
        tmp_path,
        name,
        [
            ["Email", "Phone", "Customer ID"],
            ["ann@example.com", "+44 7911 123456", "1001"],
            ["bo@example.com", mantissa, "1002"],
            ["cy@example.com", "+44 7911 654321", "1,23E+14" if delimiter == ";" else "1.23E+14"],
        ],
        delimiter,
        encoding,
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert [(row.row, row.column, row.value) for row in report.rejected_rows] == [
        (3, "Phone", mantissa),
        (4, "Customer ID", "1,23E+14" if delimiter == ";" else "1.23E+14"),
    ]
    assert report.rejected_rows[0].reason == (
        f"{mantissa!r} is a number in scientific notation, so its last digits were lost when a spreadsheet "
        "saved it; format the column as text or as a whole number in the source, export the file again, "
        "or type the full value"
    )
    assert report.rejected_rows[0].values == {"Email": "bo@example.com", "Phone": mantissa, "Customer ID": "1002"}
    assert set(leads_by_email(database)) == {"ann@example.com"}


def test_scientific_outside_digit_column_kept(database, tmp_path: Path):
    path = write_rows(tmp_path, "notes.csv", [["Email", "Revenue"], ["ann@example.com", "4.5E+06"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert leads_by_email(database)["ann@example.com"].custom_fields == {"Revenue": "4.5E+06"}


def test_serial_text_dates_read(database, tmp_path: Path):
    path = write_rows(
        tmp_path,
        "serials.csv",
        [["Email", "Created Date"], ["ann@example.com", "45231"], ["bo@example.com", "45232.5"], ["cy@example.com", "45233"]],
    )
    note = (
        "column 'Created Date' contains Excel date serials as text (2 of 3 values, such as 45231, "
        "which is 2023-11-01); they are read as dates"
    )

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert note + " (judged from the preview rows; the import reads the whole column)" in preview.warnings
    assert note in report.warnings
    assert report.rejected_rows == []
    leads = leads_by_email(database)
    assert leads["ann@example.com"].received_at == datetime(2023, 11, 1, 0, 0, tzinfo=timezone.utc)
    assert leads["bo@example.com"].received_at == datetime(2023, 11, 2, 12, 0, tzinfo=timezone.utc)
    assert leads["cy@example.com"].received_at == datetime(2023, 11, 3, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("values", "note"),
    [
        (["2023-11-01", "2023-11-02", "45233"], "1 of 3 values"),
        (["2023-11-01", "45232", "2023-11-03", "45234"], "2 of 4 values"),
    ],
)
def test_serial_text_minority_rejected(database, tmp_path: Path, values: list[str], note: str):
    rows = [["Email", "Created Date"]] + [[f"lead{index}@example.com", value] for index, value in enumerate(values)]
    path = write_rows(tmp_path, "mixed.csv", rows)

    report = run_import(database, path, now=NOW)

    serials = [(number, value) for number, value in enumerate(values, start=2) if value.isdigit()]
    assert [(row.row, row.value) for row in report.rejected_rows] == serials
    assert report.rejected_rows[0].reason == (
        f"'{serials[0][1]}' looks like an Excel date serial, but most values of this column are not serials, "
        "so it is ambiguous; format the cell as a date in the spreadsheet or write it as YYYY-MM-DD"
    )
    assert (
        f"column 'Created Date' has {note} that look like Excel date serials, such as {serials[0][1]}, among other "
        "dates, so they are ambiguous and their rows are rejected; format those cells as dates in the spreadsheet "
        "or write them as YYYY-MM-DD"
    ) in report.warnings
    assert report.created == len(values) - len(serials)


def test_serial_text_outside_range_rejected(database, tmp_path: Path):
    path = write_rows(
        tmp_path,
        "serials.csv",
        [["Email", "Created Date"], ["ann@example.com", "45231"], ["bo@example.com", "45232"], ["cy@example.com", "99999"]],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 2
    assert [(row.row, row.column, row.value) for row in report.rejected_rows] == [(4, "Created Date", "99999")]
    assert report.rejected_rows[0].reason == (
        "'99999' is an Excel date serial outside 1990 to 2100, so it is probably no date; "
        "correct the cell or write the date as YYYY-MM-DD"
    )


def test_short_postcodes_warned(tmp_path: Path):
    path = write_rows(
        tmp_path,
        "zips.csv",
        [["Email", "Zip", "Phone"], ["ann@example.com", "2134", "5550101"], ["bo@example.com", "10001", "55501020"],
         ["cy@example.com", "94105", "5550103"], ["dee@example.com", "501", "5550104"], ["eve@example.com", "60601", ""]],
    )

    preview = preview_file(path)

    assert preview.warnings == [
        "column 'Zip' has 2 of 5 preview values with fewer digits than the usual 5, such as '2134'; a spreadsheet "
        "may have dropped their leading zeros, so check them in the source and export the column as text"
    ]


def test_even_postcodes_not_warned(tmp_path: Path):
    path = write_rows(tmp_path, "zips.csv", [["Email", "Postcode"], ["ann@example.com", "SW1A 1AA"], ["bo@example.com", "1012"]])

    assert preview_file(path).warnings == []
