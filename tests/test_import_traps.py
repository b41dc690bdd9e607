"""The traps that real export files set for an importer, one test per trap, on files made here."""

from __future__ import annotations

import codecs
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import ImportFileError, plan_import, preview_file, run_import
from leaddesk.services.importing.reader import open_table

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

FORBIDDEN_CHARACTERS = ("\x00", "\ufeff", "\ufffd")


def write_text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def leads_by_email(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.email: lead for lead in session.scalars(select(Lead))}


def all_leads(database) -> list[Lead]:
    with database.session() as session:
        return list(session.scalars(select(Lead).order_by(Lead.created_at, Lead.id)))


def table_rows(path: Path, **options) -> list[list[object]]:
    return [list(cells) for _number, cells in open_table(path, **options).rows()]


def save_workbook(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Leads"
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    workbook.save(path)
    return workbook


def set_saved_results(path: Path, results: dict[str, str]) -> None:
    """Write saved formula results into an XLSX file, as a spreadsheet program does on save.

    openpyxl writes formulas with an empty result, so the test fills in the <v> element.
    """
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode("utf-8")
    for cell, result in results.items():
        sheet, count = re.subn(
            rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/>', rf"\1<f>\2</f><v>{result}</v>", sheet
        )
        assert count == 1, f"no formula cell {cell} in the test workbook"
    entries["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


# Formats, read from the content


def test_tsv_imported(database, tmp_path: Path):
    path = write_text(tmp_path, "leads.tsv", "Email\tCompany\tTitle\nann@example.com\tAcme\tCTO, EMEA\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.delimiter == "\t"
    assert report.created == 1
    assert leads_by_email(database)["ann@example.com"].title == "CTO, EMEA"


def test_unicode_text_txt_imported(database, tmp_path: Path):
    # Excel's "Unicode Text" is UTF-16 LE with a BOM, tab-separated, with CRLF line ends.
    text = "First Name\tEmail\tCompany\r\nZoë\tzoe@example.com\tCafé Ürün\r\n"
    path = write_text(tmp_path, "export.txt", text, encoding="utf-16")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.encoding == "utf-16"
    assert preview.delimiter == "\t"
    assert preview.headers == ["First Name", "Email", "Company"]
    assert report.created == 1
    lead = leads_by_email(database)["zoe@example.com"]
    assert lead.first_name == "Zoë"
    assert lead.company == "Café Ürün"


def test_xlsx_named_xls_opens(database, tmp_path: Path):
    path = tmp_path / "leads.xls"
    save_workbook(path, [["Email", "Company"], ["ann@example.com", "Acme"]])

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.sheet_names == ["Leads"]
    assert report.created == 1


def test_ole_junk_named_xls_message(tmp_path: Path):
    path = tmp_path / "leads.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)

    with pytest.raises(ImportFileError) as raised:
        preview_file(path)

    message = str(raised.value)
    assert message.startswith("leads.xls is an older Office file that cannot be read as an Excel 97-2003 workbook")
    assert "Cfb" not in message
    assert "OLE" not in message


def test_binary_junk_named_csv_rejected(tmp_path: Path):
    path = tmp_path / "Leads.csv"
    path.write_bytes(bytes([0x8F, 0x01, 0x9D, 0x02, 0x7F, 0x03, 0x81, 0x04, 0x90, 0x05]) * 2)

    with pytest.raises(ImportFileError, match="Leads.csv contains binary data, not text"):
        preview_file(path)


def test_word_document_named_xlsx_rejected(tmp_path: Path):
    path = tmp_path / "leads.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    with pytest.raises(ImportFileError, match="leads.xlsx is a Word document, not a spreadsheet"):
        preview_file(path)


def test_csv_with_any_extension_read(tmp_path: Path):
    path = write_text(tmp_path, "leads.export", "Email,Company\nann@example.com,Acme\n")

    preview = preview_file(path)

    assert preview.headers == ["Email", "Company"]
    assert preview.sample_rows == [["ann@example.com", "Acme"]]


def test_workbook_second_sheet(tmp_path: Path):
    path = tmp_path / "two.xlsx"
    workbook = save_workbook(path, [["Notes"], ["nothing"]])
    second = workbook.create_sheet("Contacts")
    second.append(["Email", "Company"])
    second.append(["bo@example.com", "Bolt"])
    workbook.save(path)

    preview = preview_file(path, sheet="Contacts")

    assert preview.sheet_names == ["Leads", "Contacts"]
    assert preview.headers == ["Email", "Company"]
    assert preview.sample_rows == [["bo@example.com", "Bolt"]]


# Encodings


ENCODED_TEXT = "Name,Email,Company\r\nZoë Ærø,zoe@example.com,Café Ünal\r\n"


@pytest.mark.parametrize(
    "data",
    [
        ENCODED_TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + ENCODED_TEXT.encode("utf-8"),
        ENCODED_TEXT.encode("utf-16"),
        codecs.BOM_UTF16_BE + ENCODED_TEXT.encode("utf-16-be"),
        codecs.BOM_UTF16_LE + ENCODED_TEXT.encode("utf-16-le"),
        ENCODED_TEXT.encode("cp1252"),
        ENCODED_TEXT.encode("latin-1"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be-bom", "utf-16-le-bom", "cp1252", "latin-1"],
)
def test_encoding_adds_no_characters(tmp_path: Path, data: bytes):
    path = tmp_path / "encoded.csv"
    path.write_bytes(data)

    table = open_table(path)
    rows = table_rows(path)

    assert table.headers == ["Name", "Email", "Company"]
    assert rows == [["Zoë Ærø", "zoe@example.com", "Café Ünal"]]
    for text in table.headers + [str(cell) for row in rows for cell in row]:
        for character in FORBIDDEN_CHARACTERS:
            assert character not in text


def test_replacement_character_in_file_kept(tmp_path: Path):
    path = write_text(tmp_path, "odd.csv", "Name,Company\nAnn,Acme \ufffd Co\n")

    assert table_rows(path) == [["Ann", "Acme \ufffd Co"]]


# Delimiters and broken rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_each_kind(tmp_path: Path, delimiter: str):
    lines = ["Email", "Company", "City"], ["ann@example.com", "Acme", "Lyon"], ["bo@example.com", "Bolt", "Oslo"]
    path = write_text(tmp_path, "d.csv", "".join(delimiter.join(line) + "\n" for line in lines))

    table = open_table(path)

    assert table.delimiter == delimiter
    assert table.headers == ["Email", "Company", "City"]
    assert table_rows(path) == [["ann@example.com", "Acme", "Lyon"], ["bo@example.com", "Bolt", "Oslo"]]


def test_one_column_header_with_delimiter_warns(tmp_path: Path):
    # The header uses a semicolon but the data lines use commas, so the header reads as one column.
    path = write_text(tmp_path, "mixed.csv", "Email;Company\nann@example.com,Acme\nbo@example.com,Bolt\n")

    preview = preview_file(path)

    assert preview.headers == ["Email;Company"]
    assert any(
        warning.startswith("mixed.csv was read as a single column, but its header 'Email;Company' contains a semicolon ';'")
        for warning in preview.warnings
    )


def test_wrapped_row_split_again(database, tmp_path: Path):
    text = (
        "Email,Company,Title\n"
        "ann@example.com,Acme,CTO\n"
        '"bo@example.com,""Bolt, Inc"",Buyer"\n'
        "cy@example.com,Cyan,CEO\n"
    )
    path = write_text(tmp_path, "wrapped.csv", text)

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.sample_rows[1] == ["bo@example.com", "Bolt, Inc", "Buyer"]
    assert "row 3 was wrapped whole in quotes, so it read as one value; it was split into the 3 columns of the header" in preview.warnings
    assert report.created == 3
    assert report.rejected == 0
    bo = leads_by_email(database)["bo@example.com"]
    assert bo.company == "Bolt, Inc"
    assert bo.title == "Buyer"


def test_wrapped_header_split(tmp_path: Path):
    path = write_text(tmp_path, "all_wrapped.csv", '"Email,Company"\n"ann@example.com,Acme"\n')

    table = open_table(path)

    assert table.headers == ["Email", "Company"]
    assert table_rows(path) == [["ann@example.com", "Acme"]]


def test_trailing_delimiter_column_dropped(database, tmp_path: Path):
    path = write_text(tmp_path, "trailing.csv", "Email,Company,\r\nann@example.com,Acme,\r\nbo@example.com,Bolt,\r\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.headers == ["Email", "Company"]
    assert "every line of trailing.csv ends with an extra comma ','; the empty column after the last header was dropped" in preview.warnings
    assert report.created == 2
    assert leads_by_email(database)["ann@example.com"].custom_fields == {}


def test_short_row_padded(database, tmp_path: Path):
    path = write_text(tmp_path, "short.csv", "Email,Company,City\nann@example.com,Acme\nbo@example.com,Bolt,Oslo\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert "row 2 has fewer values than the 3 columns of the header; the missing values at the end were left empty" in preview.warnings
    assert report.created == 2
    ann = leads_by_email(database)["ann@example.com"]
    assert ann.company == "Acme"
    assert ann.city is None


def test_long_row_empty_extras_trimmed(database, tmp_path: Path):
    path = write_text(tmp_path, "long.csv", "Email,Company\nann@example.com,Acme,,\nbo@example.com,Bolt\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.sample_rows[0] == ["ann@example.com", "Acme"]
    assert not any("more than" in warning for warning in preview.warnings)
    assert report.created == 2
    assert leads_by_email(database)["ann@example.com"].custom_fields == {}


def test_long_row_values_reported(database, tmp_path: Path):
    # "Acme, Inc" without quotes pushes the city one column to the right.
    path = write_text(tmp_path, "shifted.csv", "Email,Company,City\nann@example.com,Acme, Inc,Lyon\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert (
        "row 2 has 4 values, more than the 3 columns of the header; the extra values are kept as custom fields "
        "named Column 4 and up. Check that row for a value with an unquoted delimiter"
    ) in preview.warnings
    assert report.created == 1
    assert leads_by_email(database)["ann@example.com"].custom_fields == {"Column 4": "Lyon"}


def test_unclosed_quote_swallow_reported(database, tmp_path: Path):
    text = (
        "Email,Company,City\n"
        "ann@example.com,Acme,Lyon\n"
        'bo@example.com,"Bolt,Oslo\n'
        "cy@example.com,Cyan,Rome\n"
        'di@example.com,"Dia",Bern\n'
        "ed@example.com,Edda,Kyiv\n"
    )
    path = write_text(tmp_path, "quote.csv", text)
    expected = (
        "row 3 opens a quote that is never closed; it swallowed rows 4..5. Those rows were read again on their own, "
        "and row 3 was not imported: close or remove the stray quote in row 3 and import that row again"
    )

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert expected in preview.warnings
    assert report.created == 4
    assert report.rejected == 1
    rejected = report.rejected_rows[0]
    assert rejected.row == 3
    assert rejected.column == ""
    assert rejected.value == 'bo@example.com,"Bolt,Oslo'
    assert rejected.reason == expected
    leads = leads_by_email(database)
    assert sorted(leads) == ["ann@example.com", "cy@example.com", "di@example.com", "ed@example.com"]
    assert leads["cy@example.com"].city == "Rome"
    assert leads["di@example.com"].company == "Dia"


def test_unclosed_quote_to_end(database, tmp_path: Path):
    path = write_text(tmp_path, "open.csv", 'Email,Company\nann@example.com,"Acme\nbo@example.com,Bolt\n')

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert [row.row for row in report.rejected_rows] == [2]
    assert report.rejected_rows[0].reason.startswith("row 2 opens a quote that is never closed; it swallowed row 3.")
    assert list(leads_by_email(database)) == ["bo@example.com"]


def test_quoted_line_breaks_kept(tmp_path: Path):
    path = write_text(tmp_path, "notes.csv", 'Email,Street,City\nann@example.com,"1 Way\nSuite 4",Lyon\n')

    table = open_table(path)

    assert table_rows(path) == [["ann@example.com", "1 Way\nSuite 4", "Lyon"]]
    assert table.warnings == []


def test_carriage_return_line_ends(tmp_path: Path):
    # Classic Mac OS ends lines with a lone carriage return, and a quoted cell may contain one too.
    path = write_text(tmp_path, "mac.csv", 'Email,Company\rann@example.com,Acme\rbo@example.com,"Bolt\rInc"\r')

    table = open_table(path)

    assert table.headers == ["Email", "Company"]
    assert table_rows(path) == [["ann@example.com", "Acme"], ["bo@example.com", "Bolt\rInc"]]


# Header row, preamble and footers


def test_titles_blanks_notes_footers(database, tmp_path: Path):
    text = (
        "Quarterly lead list\n"
        "Exported by Sam\n"
        "\n"
        "Email,First Name,Company,City\n"
        "ann@example.com,Ann,Acme,Lyon\n"
        ",,,\n"
        "bo@example.com,Bo,Bolt,Oslo\n"
        "\n"
        "Total:,2,,\n"
        "Grand Totals (2 records)\n"
        "Note: figures are preliminary\n"
    )
    path = write_text(tmp_path, "report.csv", text)

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert preview.header_row == 4
    assert preview.headers == ["Email", "First Name", "Company", "City"]
    assert report.created == 2
    assert report.rejected_rows == []
    assert [(row.row, row.value) for row in report.footer_rows] == [
        (6, "Total: 2"),
        (7, "Grand Totals (2 records)"),
        (8, "Note: figures are preliminary"),
    ]
    assert report.footer_rows[0].reason == "the row is a footer or note line under the data, not a lead"
    # Two empty rows and three footer lines.
    assert report.skipped == 5
    assert report.warnings[-1] == (
        "3 lines under the data read as a report footer or note, not leads, and were skipped: "
        "row 6 'Total: 2', row 7 'Grand Totals (2 records)', row 8 'Note: figures are preliminary'"
    )


def test_footer_between_data_rejected(database, tmp_path: Path):
    text = (
        "Email,First Name,Company,City\n"
        "ann@example.com,Ann,Acme,Lyon\n"
        "Total:,1,,\n"
        "Subtotal for EMEA\n"
        "bo@example.com,Bo,Bolt,Oslo\n"
        "Grand Totals (2 records)\n"
    )
    path = write_text(tmp_path, "sections.csv", text)

    report = run_import(database, path, now=NOW)

    assert report.created == 2
    assert [(row.row, row.value) for row in report.rejected_rows] == [(3, "Total: 1"), (4, "Subtotal for EMEA")]
    assert report.rejected_rows[0].reason == "the row reads like a total or a record count under the data, not a lead"
    assert [(row.row, row.value) for row in report.footer_rows] == [(6, "Grand Totals (2 records)")]
    assert report.skipped == 1


def test_footer_lines_planned_as_skips(database, tmp_path: Path):
    path = write_text(tmp_path, "plan.csv", "Email,First Name,Company\nann@example.com,Ann,Acme\nGrand Totals (1 record)\n")

    plan = plan_import(database, path, now=NOW)

    assert [(row.row, row.action.value) for row in plan.rows] == [(2, "create"), (3, "skip")]
    assert plan.rows[1].value == "Grand Totals (1 record)"


def test_header_row_chosen_by_user(tmp_path: Path):
    path = write_text(tmp_path, "pick.csv", "Email,Company\nWork Email,Employer\nann@example.com,Acme\n")

    preview = preview_file(path, header_row=2)

    assert preview.header_row == 2
    assert preview.headers == ["Work Email", "Employer"]
    assert preview.sample_rows == [["ann@example.com", "Acme"]]


def test_linkedin_preamble_still_skipped(shared_data: Path):
    preview = preview_file(shared_data / "formats" / "linkedin_connections.csv")

    assert preview.header_row == 4
    assert preview.headers[:3] == ["First Name", "Last Name", "URL"]
    assert len(preview.sample_rows) == 3


# Values that spreadsheets damage


def test_numbers_kept_as_digits(database, tmp_path: Path):
    path = tmp_path / "numbers.xlsx"
    save_workbook(
        path,
        [
            ["Email", "Phone", "Zip", "Lead ID"],
            ["ann@example.com", 4477009001234, 2134, 1234567890123],
            ["bo@example.com", 447000000000.0, 501, 98765],
        ],
        formats={"C2": "00000", "C3": "00000"},
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 2
    leads = leads_by_email(database)
    ann, bo = leads["ann@example.com"], leads["bo@example.com"]
    assert ann.phone == "4477009001234"
    assert bo.phone == "447000000000"
    assert ann.custom_fields["Zip"] == "02134"
    assert bo.custom_fields["Zip"] == "00501"
    assert ann.external_id == "1234567890123"
    assert bo.external_id == "98765"


def test_phone_format_rebuilt(tmp_path: Path):
    path = tmp_path / "phones.xlsx"
    save_workbook(path, [["Email", "Phone"], ["ann@example.com", 5550104411]], formats={"B2": "(###) ###-####"})

    assert table_rows(path) == [["ann@example.com", "(555) 010-4411"]]


def test_scientific_phone_rejected(database, tmp_path: Path):
    path = write_text(tmp_path, "sci.csv", "Email,Phone,Zip\nann@example.com,4.47E+11,02134\nbo@example.com,+44 7700 900123,8.1E+4\n")

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert [(row.row, row.column, row.value) for row in report.rejected_rows] == [
        (2, "Phone", "4.47E+11"),
        (3, "Zip", "8.1E+4"),
    ]
    assert report.rejected_rows[0].reason.startswith(
        "'4.47E+11' is a number in scientific notation, so its last digits were lost"
    )


def test_long_number_cell_rejected(database, tmp_path: Path):
    path = tmp_path / "ids.xlsx"
    save_workbook(path, [["Email", "Record ID"], ["ann@example.com", 12345678901234567890]])

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert report.rejected_rows[0].column == "Record ID"
    assert "has more than 15 digits" in report.rejected_rows[0].reason


def test_formula_saved_result_used(database, tmp_path: Path):
    path = tmp_path / "formulas.xlsx"
    save_workbook(path, [["Email", "Employees", "Double"], ["ann@example.com", 40, "=B2*2"]])
    set_saved_results(path, {"C2": "80"})

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert report.rejected == 0
    assert leads_by_email(database)["ann@example.com"].custom_fields["Double"] == "80"


def test_formula_without_result_flagged(database, tmp_path: Path):
    path = tmp_path / "uncalculated.xlsx"
    save_workbook(path, [["Email", "Employees", "Double"], ["ann@example.com", 40, "=B2*2"], ["bo@example.com", 5, ""]])

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert any(warning.startswith("1 formula cell of this sheet, the first C2, has no saved result") for warning in preview.warnings)
    assert report.created == 1
    rejected = report.rejected_rows[0]
    assert (rejected.row, rejected.column, rejected.value) == (2, "Double", "=B2*2")
    assert rejected.reason.startswith("the cell C2 contains the formula =B2*2 without a saved result")
    assert rejected.values["Double"] == "=B2*2"


def merged_workbook(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Email"])
    sheet.append(["Acme", "ann@example.com"])
    sheet.append([None, "bo@example.com"])
    sheet.append([None, "cy@example.com"])
    sheet.merge_cells("A2:A4")
    workbook.save(path)
    return path


def test_merged_cells_reported(tmp_path: Path):
    path = merged_workbook(tmp_path / "merged.xlsx")

    preview = preview_file(path)

    assert [row[0] for row in preview.sample_rows] == ["Acme", "", ""]
    assert any(warning.startswith("the sheet has merged cells in its data (A2:A4)") for warning in preview.warnings)


def test_merged_cells_filled(tmp_path: Path):
    path = merged_workbook(tmp_path / "merged.xlsx")

    table = open_table(path, fill_merged=True)

    assert table_rows(path, fill_merged=True) == [
        ["Acme", "ann@example.com"],
        ["Acme", "bo@example.com"],
        ["Acme", "cy@example.com"],
    ]
    assert "merged cells A2:A4 were filled: every cell of each range got the range's value" in table.warnings


def test_merged_fill_in_preview(tmp_path: Path):
    path = merged_workbook(tmp_path / "merged.xlsx")

    plain = preview_file(path)
    filled = preview_file(path, fill_merged=True)

    assert (plain.merged_ranges, plain.fill_merged) == (1, False)
    assert (filled.merged_ranges, filled.fill_merged) == (1, True)
    assert [row[0] for row in filled.sample_rows] == ["Acme", "Acme", "Acme"]
    assert "merged cells A2:A4 were filled: every cell of each range got the range's value" in filled.warnings


def test_merged_fill_in_import(database, tmp_path: Path):
    path = merged_workbook(tmp_path / "merged.xlsx")

    plan = plan_import(database, path, fill_merged=True, now=NOW)
    report = run_import(database, path, fill_merged=True, now=NOW)

    assert plan.totals() == {"create": 3, "update": 0, "skip": 0, "reject": 0}
    assert report.created == 3
    assert {email: lead.company for email, lead in leads_by_email(database).items()} == {
        "ann@example.com": "Acme",
        "bo@example.com": "Acme",
        "cy@example.com": "Acme",
    }


def test_merged_unfilled_by_default(database, tmp_path: Path):
    path = merged_workbook(tmp_path / "merged.xlsx")

    report = run_import(database, path, now=NOW)

    assert report.created == 3
    assert any(warning.startswith("the sheet has merged cells in its data (A2:A4)") for warning in report.warnings)
    companies = {email: lead.company for email, lead in leads_by_email(database).items()}
    assert companies == {"ann@example.com": "Acme", "bo@example.com": None, "cy@example.com": None}


def test_csv_has_no_merged_ranges(tmp_path: Path):
    path = write_text(tmp_path, "plain.csv", "Company,Email\nAcme,ann@example.com\n")

    preview = preview_file(path, fill_merged=True)

    assert (preview.merged_ranges, preview.fill_merged) == (0, False)


def test_dates_serial_iso_strict(database, tmp_path: Path):
    path = tmp_path / "dates.xlsx"
    save_workbook(
        path,
        [
            ["Email", "Created Date"],
            ["ann@example.com", 45951.5],
            ["bo@example.com", "2025-10-21T14:03:27Z"],
            ["cy@example.com", datetime(2025, 10, 22, 9, 30)],
            ["di@example.com", "2025-02-30"],
        ],
    )

    report = run_import(database, path, now=NOW)

    leads = leads_by_email(database)
    assert leads["ann@example.com"].received_at == datetime(2025, 10, 21, 12, 0, tzinfo=timezone.utc)
    assert leads["bo@example.com"].received_at == datetime(2025, 10, 21, 14, 3, 27, tzinfo=timezone.utc)
    assert leads["cy@example.com"].received_at == datetime(2025, 10, 22, 9, 30, tzinfo=timezone.utc)
    assert [(row.row, row.value) for row in report.rejected_rows] == [(5, "2025-02-30")]


def test_dates_order_from_column(database, tmp_path: Path):
    # 03/04/2025 fits both orders; 25/12/2025 only fits day first, so the whole column is day first.
    path = write_text(tmp_path, "eu.csv", "Email,Created Date\nann@example.com,03/04/2025\nbo@example.com,25/12/2025\n")

    run_import(database, path, now=NOW)

    assert leads_by_email(database)["ann@example.com"].received_at == datetime(2025, 4, 3, tzinfo=timezone.utc)


@pytest.mark.parametrize(("locale_name", "expected"), [("en_GB.UTF-8", datetime(2025, 4, 3)), ("en_US.UTF-8", datetime(2025, 3, 4))])
def test_dates_order_from_locale(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale_name: str, expected: datetime):
    monkeypatch.setenv("LC_ALL", locale_name)
    path = write_text(tmp_path, "ambiguous.csv", "Email,Created Date\nann@example.com,03/04/2025\n")

    run_import(database, path, now=NOW)

    assert leads_by_email(database)["ann@example.com"].received_at == expected.replace(tzinfo=timezone.utc)


def test_unicode_spaces_trimmed_nfc(database, tmp_path: Path):
    decomposed = "Zoe\u0308"
    path = write_text(
        tmp_path, "spaces.csv", f"Email,First Name,Company\n\u00a0\tann@example.com\u202f,{decomposed}\u00a0,\u2007Acme\t\n"
    )

    report = run_import(database, path, now=NOW)

    assert report.rejected == 0
    lead = leads_by_email(database)["ann@example.com"]
    assert lead.first_name == "Zoë"
    assert len(lead.first_name) == 3
    assert lead.company == "Acme"


def test_formatted_rows_to_sheet_end(tmp_path: Path):
    path = tmp_path / "formatted.xlsx"
    workbook = save_workbook(
        path, [["Email", "Zip"], ["ann@example.com", 2134], ["bo@example.com", 501]], formats={"B2": "00000"}
    )
    sheet = workbook.active
    sheet["A1048576"].fill = PatternFill("solid", fgColor="FFFF00")
    sheet["B1048576"].number_format = "00000"
    workbook.save(path)

    table = open_table(path)
    rows = table_rows(path)

    assert rows == [["ann@example.com", "02134"], ["bo@example.com", 501.0]]
    # Only the three real rows were walked for number formats, not the million formatted ones.
    assert table.rows_scanned == 3


# Mapping by header and by the shape of values


def test_mapping_by_value_shape(tmp_path: Path):
    text = (
        "Who,Reach,Where online,Profile,\n"
        "Ann Lee,+44 7700 900123,https://acme.example,https://www.linkedin.com/in/ann,ann@example.com\n"
        "Bo Berg,(555) 010-4411,www.bolt.example,https://linkedin.com/in/bo,bo@example.com\n"
    )
    path = write_text(tmp_path, "odd.csv", text)

    preview = preview_file(path)

    assert preview.mapping == {
        "Who": "custom:Who",
        "Reach": "phone",
        "Where online": "website",
        "Profile": "linkedin_url",
        "Column 5": "email",
    }


def test_mapping_unlabelled_dates(tmp_path: Path):
    path = write_text(tmp_path, "dated.csv", "Email,\nann@example.com,2025-10-21\nbo@example.com,2025-10-22 09:30\n")

    preview = preview_file(path)

    assert preview.mapping == {"Email": "email", "Column 2": "received_at"}


def test_mapping_header_beats_shape(tmp_path: Path):
    path = write_text(tmp_path, "two.csv", "Email,Backup\nann@example.com,ann.lee@mail.example\n")

    preview = preview_file(path)

    assert preview.mapping == {"Email": "email", "Backup": "custom:Backup"}


def test_mapping_two_columns_warned(database, tmp_path: Path):
    path = write_text(tmp_path, "twice.csv", "Email,Work Email,Company\n,ann@work.example,Acme\nbo@example.com,bo@work.example,Bolt\n")

    preview = preview_file(path)
    report = run_import(database, path, now=NOW)

    assert (
        "2 columns could fill the e-mail field; 'Email' fills it, and 'Work Email' is kept as a custom field "
        "that fills it only in rows where 'Email' is empty"
    ) in preview.warnings
    assert report.created == 2
    assert (
        "2 columns could fill the e-mail field; 'Email' fills it, and 'Work Email' is kept as a custom field "
        "that fills it only in rows where 'Email' is empty"
    ) in report.warnings
    leads = leads_by_email(database)
    assert leads["ann@work.example"].custom_fields == {"Work Email": "ann@work.example"}
    assert leads["bo@example.com"].custom_fields == {"Work Email": "bo@work.example"}


def test_repeated_header_in_report(database, tmp_path: Path):
    path = write_text(tmp_path, "repeat.csv", "Email,Company,Email\nann@example.com,Acme,ann@home.example\n,Bolt,bo@home.example\n")

    report = run_import(database, path, now=NOW)

    assert report.headers == ["Email", "Company", "Email (2)"]
    assert "the header 'Email' appears more than once; column 3 is kept as 'Email (2)'" in report.warnings
    assert (
        "2 columns could fill the e-mail field; 'Email' fills it, and 'Email (2)' is kept as a custom field "
        "that fills it only in rows where 'Email' is empty"
    ) in report.warnings
    leads = leads_by_email(database)
    assert leads["ann@example.com"].custom_fields == {"Email (2)": "ann@home.example"}
    assert leads["bo@home.example"].company == "Bolt"


def test_two_mapped_columns_in_report(database, tmp_path: Path):
    path = write_text(tmp_path, "phones.csv", "Email,Mobile,Office\nann@example.com,+44 7700 900123,+44 20 7946 0958\n")
    mapping = {"Email": "email", "Mobile": "phone", "Office": "phone"}

    report = run_import(database, path, mapping=mapping, now=NOW)

    assert report.warnings == [
        "2 columns could fill the phone field; 'Mobile' fills it, and 'Office' is kept as a custom field "
        "that fills it only in rows where 'Mobile' is empty"
    ]
    ann = leads_by_email(database)["ann@example.com"]
    assert ann.phone == "+44 7700 900123"
    assert ann.custom_fields == {"Office": "+44 20 7946 0958"}


def test_full_name_split(database, tmp_path: Path):
    path = write_text(
        tmp_path,
        "names.csv",
        'Name,Email\nDr. Mary Ann Smith Jr.,mary@example.com\n"Berg, Bo",bo@example.com\nCher,cher@example.com\n',
    )

    run_import(database, path, now=NOW)

    leads = leads_by_email(database)
    assert (leads["mary@example.com"].first_name, leads["mary@example.com"].last_name) == ("Mary Ann", "Smith")
    assert leads["mary@example.com"].full_name == "Dr. Mary Ann Smith Jr."
    assert (leads["bo@example.com"].first_name, leads["bo@example.com"].last_name) == ("Bo", "Berg")
    assert (leads["cher@example.com"].first_name, leads["cher@example.com"].last_name) == ("Cher", None)


def test_full_name_not_split_over_names(database, tmp_path: Path):
    path = write_text(tmp_path, "both.csv", "Full Name,First Name,Email\nAnn Lee,Annie,ann@example.com\n")

    run_import(database, path, now=NOW)

    lead = leads_by_email(database)["ann@example.com"]
    assert (lead.first_name, lead.last_name, lead.full_name) == ("Annie", None, "Ann Lee")


# Core fields each reference export must map, by the header that fills them.
FORMAT_MAPPINGS = {
    "apollo_people_export.csv": {"Email": "email", "First Name": "first_name", "Company Name": "company"},
    "apollo_people_export_legacy.csv": {"Email": "email", "First Name": "first_name", "Company": "company"},
    "google_contacts.csv": {"E-mail 1 - Value": "email", "First Name": "first_name", "Organization Name": "company"},
    "hubspot_contacts_all_properties.csv": {"Email": "email", "First Name": "first_name", "Company Name": "company"},
    "hubspot_contacts_view_export.csv": {"Email": "email", "First Name": "first_name", "Company Name": "company"},
    "linkedin_connections.csv": {"Email Address": "email", "First Name": "first_name", "URL": "linkedin_url"},
    "linkedin_connections_legacy_2018.csv": {"Email Address": "email", "First Name": "first_name", "Company": "company"},
    "outlook_contacts.csv": {"E-mail Address": "email", "First Name": "first_name", "Company": "company"},
    "pipedrive_people_export.csv": {"Person - Email - Work": "email", "Person - Name": "full_name", "Person - Organization": "company"},
    "salesforce_lead_dataloader.csv": {"EMAIL": "email", "FIRSTNAME": "first_name", "COMPANY": "company"},
    "salesforce_lead_report.csv": {"Email": "email", "First Name": "first_name", "Company / Account": "company"},
    "vcard30.vcf": {"Email": "email", "First Name": "first_name", "Company": "company", "Phone": "phone"},
    "vcard40.vcf": {"Email": "email", "First Name": "first_name", "Company": "company", "Phone": "phone"},
}


def test_format_mappings_cover_folder(shared_data: Path):
    assert {path.name for path in (shared_data / "formats").iterdir()} == set(FORMAT_MAPPINGS)


@pytest.mark.parametrize("name", sorted(FORMAT_MAPPINGS))
def test_format_mapping(shared_data: Path, name: str):
    preview = preview_file(shared_data / "formats" / name)

    for header, field in FORMAT_MAPPINGS[name].items():
        assert preview.mapping[header] == field
