"""Reading files for import: encodings, delimiters, header rows and workbooks."""

from __future__ import annotations

import codecs
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import ImportFileError, preview_file, run_import
from leaddesk.services.importing.encoding import EncodingError, fingerprint_file
from leaddesk.services.importing.delimited import detect_delimiter

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

SAMPLE = "First Name,Last Name,Email,Company\r\nJoaquín,Müller,jm@example.com,Café Zoë GmbH\r\n"


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def imported_leads(database) -> list[Lead]:
    with database.session() as session:
        return list(session.scalars(select(Lead)))


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("utf8.csv", SAMPLE.encode("utf-8"), "utf-8"),
        ("utf8_bom.csv", codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        ("utf16le_bom.csv", SAMPLE.encode("utf-16"), "utf-16"),
        ("utf16be_bom.csv", codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
        ("utf16le.csv", SAMPLE.encode("utf-16-le"), "utf-16-le"),
        ("utf16be.csv", SAMPLE.encode("utf-16-be"), "utf-16-be"),
        ("cp1252.csv", SAMPLE.encode("cp1252"), "cp1252"),
    ],
)
def test_encoding_detected_and_imported(database, tmp_path: Path, name: str, data: bytes, expected: str):
    path = write_bytes(tmp_path, name, data)

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.encoding == expected
    assert preview.headers == ["First Name", "Last Name", "Email", "Company"]
    assert report.encoding == expected
    assert report.created == 1
    lead = imported_leads(database)[0]
    assert lead.first_name == "Joaquín"
    assert lead.last_name == "Müller"
    assert lead.company == "Café Zoë GmbH"
    assert lead.email == "jm@example.com"


def test_encoding_cp1252_undefined_byte(tmp_path: Path):
    # 0x81 is undefined in cp1252, so only latin-1 reads this file without loss.
    path = write_bytes(tmp_path, "odd.csv", b"Name,Company\r\nAnn,Caf\xe9 \x81\r\n")

    assert fingerprint_file(path).encoding == "latin-1"


def test_encoding_given_wrong(tmp_path: Path):
    path = write_bytes(tmp_path, "latin.csv", "Name\r\nZoë\r\n".encode("cp1252"))

    with pytest.raises(EncodingError, match="not valid utf-8"):
        fingerprint_file(path, "utf-8")


def test_encoding_given_override(tmp_path: Path):
    path = write_bytes(tmp_path, "latin.csv", "Name,Company\r\nZoë,Acme\r\n".encode("cp1252"))

    preview = preview_file(path, encoding="latin-1")

    assert preview.encoding == "latin-1"
    assert preview.sample_rows[0][0] == "Zoë"


@pytest.mark.parametrize(
    ("delimiter", "text"),
    [
        (";", 'Name;Email;Title\nAnn;ann@example.com;"Sales Manager, EMEA"\nBo;bo@example.com;CTO\n'),
        ("\t", "Name\tEmail\tTitle\nAnn\tann@example.com\tSales Manager, EMEA\nBo\tbo@example.com\tCTO\n"),
        ("|", "Name|Email|Title\nAnn|ann@example.com|Sales Manager, EMEA\nBo|bo@example.com|CTO\n"),
        (",", 'Name,Email,Title\nAnn,ann@example.com,"Sales Manager; EMEA"\nBo,bo@example.com,CTO\n'),
    ],
)
def test_delimiter_detected_and_imported(database, tmp_path: Path, delimiter: str, text: str):
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.delimiter == delimiter
    assert report.created == 2
    titles = sorted(lead.title for lead in imported_leads(database))
    assert titles[0] == "CTO"
    assert titles[1].startswith("Sales Manager")


def test_delimiter_quoted_commas_ignored():
    sample = 'a;b;c\n"x, y, z";2;3\n"p, q";5;6\n'

    assert detect_delimiter(sample) == ";"


def test_header_after_title_lines(database, tmp_path: Path):
    path = tmp_path / "report.csv"
    path.write_text(
        "Lead report\nExported 2026-03-01 by Sam\n\nEmail,First Name,Company\nann@example.com,Ann,Acme\n",
        encoding="utf-8",
    )

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.header_row == 4
    assert preview.headers == ["Email", "First Name", "Company"]
    assert report.created == 1
    assert report.skipped == 0


def test_header_row_given(tmp_path: Path):
    path = tmp_path / "odd.csv"
    path.write_text("Alpha,Beta\nGamma,Delta\nx,y\n", encoding="utf-8")

    preview = preview_file(path, header_row=2)

    assert preview.header_row == 2
    assert preview.headers == ["Gamma", "Delta"]
    assert preview.sample_rows == [["x", "y"]]


def test_header_row_out_of_range(tmp_path: Path):
    path = tmp_path / "short.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="header row 40"):
        preview_file(path, header_row=40)


def test_empty_header_named_by_column(tmp_path: Path):
    path = tmp_path / "trailing.csv"
    path.write_text("Email,Company,\nann@example.com,Acme,Lyon\n", encoding="utf-8")

    preview = preview_file(path)

    assert preview.headers == ["Email", "Company", "Column 3"]
    assert preview.sample_rows == [["ann@example.com", "Acme", "Lyon"]]


def test_missing_file_rejected(tmp_path: Path):
    with pytest.raises(ImportFileError, match="does not exist"):
        preview_file(tmp_path / "nope.csv")


def test_empty_file_rejected(tmp_path: Path):
    path = write_bytes(tmp_path, "empty.csv", b"")

    with pytest.raises(ImportFileError, match="empty"):
        preview_file(path)


def test_html_page_rejected(tmp_path: Path):
    path = tmp_path / "Leads.csv"
    path.write_text("<!DOCTYPE html>\n<html><body>GitHub</body></html>\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="web page"):
        preview_file(path)


def test_pdf_rejected_by_content(tmp_path: Path):
    path = write_bytes(tmp_path, "leads.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")

    with pytest.raises(ImportFileError, match="leads.csv is a PDF document, not a table"):
        preview_file(path)


def test_empty_vcard_rejected(tmp_path: Path):
    path = tmp_path / "contacts.vcf"
    path.write_text("BEGIN:VCARD\nEND:VCARD\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="have no properties"):
        preview_file(path)


def make_workbook(path: Path, rows: list[list[object]], title: str = "Leads") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["nothing here"])
    workbook.save(path)
    return path


def test_workbook_values_typed(database, tmp_path: Path):
    path = make_workbook(
        tmp_path / "leads.xlsx",
        [
            ["Email", "Company", "# Employees", "Create Date", "Lead Number", "Score"],
            ["ann@example.com", "Acme", 1200, datetime(2025, 10, 21, 14, 3), 660737, 2.5],
            ["bo@example.com", "Bolt", 85.0, 45951.5, 660738, 3],
        ],
    )

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.sheet_names == ["Leads", "Notes"]
    assert preview.sheet == "Leads"
    assert preview.encoding is None
    assert report.created == 2
    leads = {lead.email: lead for lead in imported_leads(database)}
    ann, bo = leads["ann@example.com"], leads["bo@example.com"]
    assert ann.employee_count == 1200
    assert bo.employee_count == 85
    assert ann.received_at == datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc)
    # Serial 45951.5 is noon on 2025-10-21 in Excel's 1900 date system.
    assert bo.received_at == datetime(2025, 10, 21, 12, 0, tzinfo=timezone.utc)
    assert ann.external_id == "660737"
    assert ann.custom_fields["Score"] == "2.5"
    assert bo.custom_fields["Score"] == "3"


def test_workbook_named_csv(database, tmp_path: Path):
    path = make_workbook(tmp_path / "export.csv", [["Email", "Company"], ["ann@example.com", "Acme"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert report.sheet == "Leads"


def test_workbook_sheet_chosen(tmp_path: Path):
    path = make_workbook(tmp_path / "leads.xlsx", [["Email"], ["ann@example.com"]])

    preview = preview_file(path, sheet="Notes")

    assert preview.sheet == "Notes"
    assert preview.headers == ["nothing here"]


def test_workbook_unknown_sheet(tmp_path: Path):
    path = make_workbook(tmp_path / "leads.xlsx", [["Email"], ["ann@example.com"]])

    with pytest.raises(ImportFileError, match="no sheet 'Missing'"):
        preview_file(path, sheet="Missing")


def test_workbook_corrupt(tmp_path: Path):
    path = write_bytes(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"\x00" * 64)

    with pytest.raises(ImportFileError, match="damaged or incomplete"):
        preview_file(path)


@pytest.mark.parametrize("block_chars", [1, 40, 1 << 16])
def test_records_across_read_blocks(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_chars: int):
    from leaddesk.services.importing import delimited

    # The reader reads lines in blocks of about block_chars. Records with line breaks, and an
    # unclosed quote that swallows later lines, must read the same whatever the block size.
    monkeypatch.setattr(delimited, "BLOCK_CHARS", block_chars)
    lines = ["Email,Notes,City"]
    for number in range(30):
        lines.append(f'n{number}@example.com,"first line {number}\nsecond line {number}",Lyon')
        lines.append(f"s{number}@example.com,plain {number},Rome")
    lines[21:21] = ['bo@example.com,"Bolt,Oslo', "cy@example.com,Cyan,Rome", 'di@example.com,"Dia",Bern']
    path = tmp_path / "blocks.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")

    report = run_import(database, path, now=datetime(2026, 3, 2, tzinfo=timezone.utc))

    assert report.created == 62
    assert [row.row for row in report.rejected_rows] == [22]
    assert report.rejected_rows[0].value == 'bo@example.com,"Bolt,Oslo'
    assert "it swallowed rows 23..24" in report.rejected_rows[0].reason
    leads = {lead.email: lead for lead in imported_leads(database)}
    assert leads["n7@example.com"].notes == "first line 7\nsecond line 7"
    assert leads["n29@example.com"].notes == "first line 29\nsecond line 29"
    assert leads["s29@example.com"].notes == "plain 29"
    assert leads["cy@example.com"].city == "Rome"
    assert leads["di@example.com"].notes == "Dia"


def test_sheet_rows_match_calamine_grid(tmp_path: Path):
    from python_calamine import CalamineWorkbook

    from leaddesk.services.importing.workbook import SheetRows

    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"] = "Email"
    sheet["D3"] = "Employees"
    sheet["C4"] = "ann@example.com"
    sheet["D4"] = 12
    sheet["E6"] = "note"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    found = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet")

    rows = SheetRows(found)

    assert list(rows) == found.to_python(skip_empty_area=False)
    assert (rows.count, rows.width) == (6, 5)


def test_offset_sheet_imports(database, tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["B2"] = "Email"
    sheet["C2"] = "Company"
    sheet["B3"] = "ann@example.com"
    sheet["C3"] = "Acme"
    sheet["B4"] = "bo@example.com"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)

    report = run_import(database, path, now=datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))

    assert report.header_row == 2
    assert report.created == 2
    with database.session() as session:
        companies = {lead.email: lead.company for lead in session.scalars(select(Lead))}
    assert companies == {"ann@example.com": "Acme", "bo@example.com": None}
