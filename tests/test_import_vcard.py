"""Importing vCard files: the content-line parser and whole files of versions 2.1, 3.0 and 4.0."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import preview_file, run_import
from leaddesk.services.importing.vcard import parse_contacts, parse_property, split_components, unescape

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def leads_by_first_name(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.first_name: lead for lead in session.scalars(select(Lead))}


def write_card(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


def test_property_types_split():
    prop = parse_property("TEL;TYPE=WORK,VOICE:+1 555-010-4411", 1)

    assert prop.name == "TEL"
    assert prop.types == ["work", "voice"]
    assert prop.value == "+1 555-010-4411"


def test_property_quoted_types_and_uri():
    prop = parse_property('TEL;VALUE=uri;TYPE="work,voice":tel:+1-555-010-4411', 1)

    assert prop.params["VALUE"] == ["uri"]
    assert prop.types == ["work", "voice"]
    assert prop.value == "tel:+1-555-010-4411"


def test_property_label_with_colon_comma():
    prop = parse_property('ADR;TYPE=work;LABEL="1 Way\\nColumbus, OH: rear":;;1 Way;Columbus;OH;;US', 1)

    assert prop.params["LABEL"] == ["1 Way\nColumbus, OH: rear"]
    assert prop.value == ";;1 Way;Columbus;OH;;US"


def test_property_preference():
    assert parse_property("EMAIL;PREF=1:a@example.com", 1).preference == 1
    assert parse_property("EMAIL;TYPE=INTERNET,PREF:a@example.com", 1).preference == 1
    assert parse_property("EMAIL;PREF=3:a@example.com", 1).preference == 3
    assert parse_property("EMAIL:a@example.com", 1).preference == 101


def test_property_group_and_bare_types():
    grouped = parse_property("item1.EMAIL;type=INTERNET:ann@example.com", 1)
    bare = parse_property("TEL;WORK;VOICE:555-0100", 1)

    assert grouped.name == "EMAIL"
    assert bare.types == ["work", "voice"]


def test_property_without_colon():
    assert parse_property("this is not a property", 1) is None


def test_components_escaped():
    assert split_components("Ferreira;Joaqu\\;n;;Dr.\\, Ing.;") == ["Ferreira", "Joaqu;n", "", "Dr., Ing.", ""]
    assert unescape("Met at fair\\, asked\\nfor a quote \\\\ soon") == "Met at fair, asked\nfor a quote \\ soon"


def test_folded_lines_joined():
    warnings: list[str] = []
    text = "BEGIN:VCARD\r\nNOTE:Long notes are folded: continuation lines start with one \r\n space.\r\nEND:VCARD\r\n"

    contacts = list(parse_contacts(text, "f.vcf", warnings))

    assert contacts[0].properties[0].value == "Long notes are folded: continuation lines start with one space."
    assert warnings == []


def test_vcard30_reference(database, shared_data: Path):
    report = run_import(database, shared_data / "formats" / "vcard30.vcf", now=NOW)

    assert report.created == 3
    assert report.rejected == 0
    leads = leads_by_first_name(database)
    marta, devi, joaquin = leads["Marta"], leads["Devi"], leads["Joaquín"]
    assert marta.last_name == "Quillfeather"
    assert marta.full_name == "Marta Quillfeather"
    assert marta.company == "Brindle Freight Co"
    assert marta.title == "VP of Operations"
    assert marta.email == "marta.q@brindlefreight.example"
    assert marta.phone == "+1 555-010-4411"
    assert (marta.city, marta.region, marta.country) == ("Columbus", "OH", "United States")
    assert marta.website == "http://www.brindlefreight.example"
    assert marta.notes == "Met at trade fair, asked for a quote"
    assert marta.custom_fields["Street"] == "100 Example Way\nSuite 4"
    assert marta.custom_fields["Postal Code"] == "43004"
    assert marta.custom_fields["Department"] == "Operations"
    assert marta.custom_fields["Name Prefix"] == "Ms."
    assert marta.custom_fields["Revised"] == "2026-01-14T09:12:33Z"
    assert devi.email == "devi@tallowmere.example"
    assert devi.custom_fields["Email 2"] == "devi.oh@mailbox.example"
    assert devi.custom_fields["Email 2 Type"] == "home"
    assert devi.custom_fields["Nickname"] == "Dev"
    assert devi.custom_fields["Categories"] == "Customers,Prospects"
    assert joaquin.title == "Sales Manager, EMEA"
    assert joaquin.phone == "+49 30 5550 1234"
    assert joaquin.custom_fields["Phone 2"] == "0151 5550 9876"
    assert joaquin.notes == (
        "Long notes are folded at 75 octets: continuation lines start with one space "
        "that a reader must remove before parsing."
    )


def test_vcard40_reference(database, shared_data: Path):
    report = run_import(database, shared_data / "formats" / "vcard40.vcf", now=NOW)

    assert report.created == 3
    assert report.rejected == 0
    leads = leads_by_first_name(database)
    marta, devi, joaquin = leads["Marta"], leads["Devi"], leads["Joaquín"]
    assert marta.email == "marta.q@brindlefreight.example"
    assert marta.phone == "+1-555-010-4411"
    assert marta.custom_fields["Phone Type"] == "work"
    assert marta.custom_fields["Address Label"] == "100 Example Way\nSuite 4\nColumbus, OH 43004"
    assert marta.custom_fields["Street"] == "100 Example Way\nSuite 4"
    assert (marta.city, marta.region, marta.country) == ("Columbus", "OH", "United States")
    assert marta.custom_fields["Revised"] == "20260114T091233Z"
    assert devi.phone == "+44-7700-900123"
    assert devi.custom_fields["Phone Type"] == "cell"
    assert joaquin.phone == "+49-30-5550-1234"
    assert joaquin.custom_fields["Phone 2"] == "+49-151-5550-9876"
    assert joaquin.custom_fields["Kind"] == "individual"


def test_vcard_reimport_creates_nothing(database, shared_data: Path):
    first = run_import(database, shared_data / "formats" / "vcard40.vcf", now=NOW)
    second = run_import(database, shared_data / "formats" / "vcard40.vcf", now=NOW)

    assert first.created == 3
    assert second.created == 0
    assert second.updated == 0


def test_vcard_preferred_values_first(database, tmp_path: Path):
    path = write_card(
        tmp_path,
        "pref.vcf",
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "FN:Ann Lee",
            "N:Lee;Ann;;;",
            "EMAIL;TYPE=home:ann@home.example",
            "EMAIL;TYPE=work;PREF=1:ann@work.example",
            "TEL;VALUE=uri;TYPE=cell;PREF=2:tel:+44-7700-900123",
            "TEL;VALUE=uri;TYPE=work;PREF=1:tel:+44-20-7946-0000",
            "URL:https://www.linkedin.com/in/ann-lee",
            "URL:https://lee.example",
            "X-CRM-ID:42",
            "END:VCARD",
        ],
    )

    run_import(database, path, now=NOW)

    ann = leads_by_first_name(database)["Ann"]
    assert ann.email == "ann@work.example"
    assert ann.custom_fields["Email 2"] == "ann@home.example"
    assert ann.phone == "+44-20-7946-0000"
    assert ann.custom_fields["Phone 2"] == "+44-7700-900123"
    assert ann.linkedin_url == "https://www.linkedin.com/in/ann-lee"
    assert ann.website == "https://lee.example"
    assert ann.custom_fields["X-CRM-ID"] == "42"


def test_vcard21_quoted_printable_decoded(tmp_path: Path):
    path = write_card(
        tmp_path,
        "qp.vcf",
        [
            "BEGIN:VCARD",
            "VERSION:2.1",
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ferreira;Joaqu=C3=ADn",
            "NOTE;ENCODING=QUOTED-PRINTABLE:Caf=C3=A9 meeting,=",
            "next week",
            "TEL;WORK;VOICE:+49 30 5550 1234",
            "END:VCARD",
        ],
    )

    preview = preview_file(path)
    row = dict(zip(preview.headers, preview.sample_rows[0]))

    assert row["First Name"] == "Joaquín"
    assert row["Last Name"] == "Ferreira"
    assert row["Notes"] == "Café meeting,next week"
    assert row["Phone"] == "+49 30 5550 1234"
    assert row["Phone Type"] == "work"


def test_vcard_problems_warned(tmp_path: Path):
    path = write_card(
        tmp_path,
        "messy.vcf",
        [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "FN:Ann Lee",
            "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ",
            "END:VCARD",
            "stray text",
            "BEGIN:VCARD",
            "VERSION:3.0",
            "FN:Bo Berg",
        ],
    )

    preview = preview_file(path)

    assert preview.headers == ["Full Name"]
    assert preview.sample_rows == [["Ann Lee"], ["Bo Berg"]]
    assert preview.warnings == [
        "line 6 of messy.vcf is not a vCard property and was ignored: 'stray text'",
        "the contact that starts on line 7 of messy.vcf has no END:VCARD; it was read to the end of the file",
        "the contact on line 1 of messy.vcf has a PHOTO (a picture, sound or key); "
        "LeadDesk does not store those, so it was left out",
    ]


def test_vcard_named_csv_read(tmp_path: Path):
    path = write_card(tmp_path, "contacts.csv", ["BEGIN:VCARD", "VERSION:3.0", "FN:Ann Lee", "EMAIL:ann@example.com", "END:VCARD"])

    preview = preview_file(path)

    assert preview.headers == ["Full Name", "Email"]
    assert preview.mapping == {"Full Name": "full_name", "Email": "email"}


def test_vcard_header_row_rejected(tmp_path: Path):
    path = write_card(tmp_path, "c.vcf", ["BEGIN:VCARD", "FN:Ann Lee", "END:VCARD"])

    with pytest.raises(ValueError, match="header is always row 1"):
        preview_file(path, header_row=2)
