"""Importing the reference exports of CRMs and contact tools, one test per tool."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import ImportBatch, Lead, Rep
from leaddesk.services.importing import preview_file, run_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

FORMAT_FILES = (
    "apollo_people_export.csv",
    "apollo_people_export_legacy.csv",
    "google_contacts.csv",
    "hubspot_contacts_all_properties.csv",
    "hubspot_contacts_view_export.csv",
    "linkedin_connections.csv",
    "linkedin_connections_legacy_2018.csv",
    "outlook_contacts.csv",
    "pipedrive_people_export.csv",
    "salesforce_lead_dataloader.csv",
    "salesforce_lead_report.csv",
)


def import_format(database, shared_data: Path, name: str):
    report = run_import(database, shared_data / "formats" / name, now=NOW)
    with database.session() as session:
        leads = list(session.scalars(select(Lead).order_by(Lead.created_at, Lead.id)))
        owners = {rep.id: rep.name for rep in session.scalars(select(Rep))}
    return report, leads, owners


def lead_by_first_name(leads: list[Lead], first_name: str) -> Lead:
    matches = [lead for lead in leads if lead.first_name == first_name]
    assert len(matches) == 1, f"expected one lead named {first_name}, found {len(matches)}"
    return matches[0]


def test_formats_cover_every_csv(shared_data: Path):
    on_disk = {path.name for path in (shared_data / "formats").glob("*.csv")}
    assert on_disk == set(FORMAT_FILES)


@pytest.mark.parametrize("name", FORMAT_FILES)
def test_format_reimport_creates_nothing(database, shared_data: Path, name: str):
    first = run_import(database, shared_data / "formats" / name, now=NOW)
    second = run_import(database, shared_data / "formats" / name, now=NOW)

    assert first.created == 3
    assert second.created == 0
    assert second.updated == 0
    assert second.skipped == first.created + first.skipped
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 3
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 2


def test_apollo_first_lead(database, shared_data: Path):
    report, leads, _owners = import_format(database, shared_data, "apollo_people_export.csv")
    marta = leads[0]

    assert report.encoding == "utf-8-sig"
    assert marta.email == "marta.q@brindlefreight.example"
    assert marta.email_normalized == "marta.q@brindlefreight.example"
    assert marta.company == "Brindle Freight Co"
    assert marta.title == "VP of Operations"
    assert marta.phone == "+1 555-010-4411"
    assert marta.employee_count == 85
    assert marta.industry == "logistics & supply chain"
    assert marta.linkedin_url == "http://www.linkedin.com/in/marta-quillfeather-example"
    assert marta.website == "http://www.brindlefreight.example"
    assert marta.domain == "brindlefreight.example"
    assert (marta.city, marta.region, marta.country) == ("Columbus", "Ohio", "United States")
    assert marta.custom_fields["Seniority"] == "Vp"
    assert marta.custom_fields["Company Name for Emails"] == "Brindle Freight"
    assert marta.custom_fields["Annual Revenue"] == "12000000"
    assert marta.custom_fields["Keywords"] == "freight forwarding, last mile, customs brokerage"
    # "Cold" is no LeadDesk stage, so it stays with the lead as a custom field.
    assert marta.stage == "new"
    assert marta.custom_fields["Stage"] == "Cold"
    assert marta.received_at == NOW
    assert marta.response_due_at is not None


def test_apollo_legacy_phone_apostrophe(database, shared_data: Path):
    _report, leads, _owners = import_format(database, shared_data, "apollo_people_export_legacy.csv")
    marta = lead_by_first_name(leads, "Marta")
    joaquin = lead_by_first_name(leads, "Joaquín")

    assert marta.phone == "+1 555-010-4411"
    assert joaquin.phone == "+49 30 5550 1234"
    assert marta.company == "Brindle Freight Co"
    assert marta.custom_fields["Company Phone"] == "+1 555-010-4411"
    assert joaquin.email is None


def test_google_contacts_values(database, shared_data: Path):
    _report, leads, _owners = import_format(database, shared_data, "google_contacts.csv")
    marta = lead_by_first_name(leads, "Marta")
    devi = lead_by_first_name(leads, "Devi")

    assert marta.email == "marta.q@brindlefreight.example"
    assert marta.company == "Brindle Freight Co"
    assert marta.title == "VP of Operations"
    assert (marta.city, marta.region, marta.country) == ("Columbus", "OH", "US")
    assert marta.custom_fields["Address 1 - Formatted"] == "100 Example Way\nColumbus, OH 43004\nUS"
    # A cell with two addresses joined by " ::: " gives the first; the cell is kept whole.
    assert devi.email == "devi@tallowmere.example"
    assert devi.custom_fields["E-mail 1 - Value"] == "devi@tallowmere.example ::: d.okonkwo@tallowmere.example"
    assert devi.custom_fields["E-mail 2 - Value"] == "devi.oh@mailbox.example"
    assert devi.notes == "Met at a trade fair; wants a demo in Q2"


def test_outlook_business_phone_wins(database, tmp_path: Path):
    path = tmp_path / "outlook.csv"
    path.write_text(
        "First Name,E-mail Address,Home Phone,Business Phone,Mobile Phone\n"
        "Ann,ann@example.com,+1 555 010 9999,+1 555 010 2030,+1 555 010 7777\n"
        "Bo,bo@example.com,+1 555 010 8888,,+1 555 010 6666\n",
        encoding="utf-8",
    )

    report = run_import(database, path, now=NOW)

    with database.session() as session:
        leads = {lead.first_name: lead for lead in session.scalars(select(Lead))}
    assert report.mapping["Business Phone"] == "phone"
    assert leads["Ann"].phone == "+1 555 010 2030"
    assert leads["Ann"].custom_fields == {"Home Phone": "+1 555 010 9999", "Mobile Phone": "+1 555 010 7777"}
    # Without a business phone the mobile fills the phone before the home phone.
    assert leads["Bo"].phone == "+1 555 010 6666"
    assert leads["Bo"].custom_fields == {"Home Phone": "+1 555 010 8888", "Mobile Phone": "+1 555 010 6666"}


def test_hubspot_phone_number_beats_mobile(database, tmp_path: Path):
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,First Name,Mobile Phone Number,Phone Number\n51,Ann,+44 7700 900123,+44 20 7946 0958\n",
        encoding="utf-8",
    )

    run_import(database, path, now=NOW)

    with database.session() as session:
        ann = session.scalars(select(Lead)).one()
    assert ann.phone == "+44 20 7946 0958"
    assert ann.custom_fields["Mobile Phone Number"] == "+44 7700 900123"


def test_hubspot_duplicate_headers_kept(database, shared_data: Path):
    preview = preview_file(shared_data / "formats" / "hubspot_contacts_all_properties.csv")

    assert len(preview.headers) == 294
    assert len(set(preview.headers)) == 294
    assert "Billing Contact" in preview.headers
    assert "Billing Contact (2)" in preview.headers
    assert "Billing Contact IDs (2)" in preview.headers
    assert any("Billing Contact" in warning for warning in preview.warnings)
    assert preview.mapping["Billing Contact (2)"] == "custom:Billing Contact (2)"


def test_hubspot_all_properties_values(database, shared_data: Path):
    report, leads, owners = import_format(database, shared_data, "hubspot_contacts_all_properties.csv")
    marta = lead_by_first_name(leads, "Marta")
    devi = lead_by_first_name(leads, "Devi")

    assert marta.external_id == "51234567801"
    assert marta.company == "Brindle Freight Co"
    assert marta.title == "VP of Operations"
    assert owners[marta.owner_id] == "Sam Example"
    assert marta.received_at == datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc)
    # "Mobile Phone Number" comes first but is empty, so "Phone Number" fills the phone.
    assert marta.phone == "+1 555-010-4411"
    assert devi.phone == "+447700900123"
    assert marta.stage == "contacted"
    assert marta.custom_fields["Lifecycle Stage"] == "Customer"
    assert marta.custom_fields["Number of Pageviews"] == "14"
    assert report.mapping["Сонирхож буй орон сууцны төрөл"] == "custom:Сонирхож буй орон сууцны төрөл"


def test_hubspot_view_stage_and_owner(database, shared_data: Path):
    _report, leads, owners = import_format(database, shared_data, "hubspot_contacts_view_export.csv")
    marta = lead_by_first_name(leads, "Marta")
    devi = lead_by_first_name(leads, "Devi")
    joaquin = lead_by_first_name(leads, "Joaquín")

    assert marta.stage == "won"
    assert devi.stage == "qualified"
    assert joaquin.stage == "new"
    assert owners[devi.owner_id] == "Lee Example"
    assert joaquin.owner_id is None
    # A lead that another tool already worked gets no response deadline.
    assert marta.response_due_at is None
    assert joaquin.response_due_at is not None


def test_linkedin_preamble_skipped(database, shared_data: Path):
    preview = preview_file(shared_data / "formats" / "linkedin_connections.csv")
    report, leads, _owners = import_format(database, shared_data, "linkedin_connections.csv")

    assert preview.header_row == 4
    assert preview.headers[0] == "First Name"
    assert report.created == 3
    assert report.rejected == 0
    priya = lead_by_first_name(leads, "Priya")
    assert priya.linkedin_url == "https://www.linkedin.com/in/priya-vantongeren-example"
    assert priya.website is None
    assert priya.title == "Head of Procurement"
    assert priya.received_at == datetime(2026, 2, 3, tzinfo=timezone.utc)
    assert lead_by_first_name(leads, "Tomás").email == "tomas.ekwueme@mailbox.example"
    assert lead_by_first_name(leads, "Ann-Marie").last_name == "O'Shea"


def test_linkedin_2018_dates(database, shared_data: Path):
    _report, leads, _owners = import_format(database, shared_data, "linkedin_connections_legacy_2018.csv")

    assert lead_by_first_name(leads, "Priya").received_at == datetime(2018, 3, 2, 10, 41, tzinfo=timezone.utc)
    assert lead_by_first_name(leads, "Tomás").received_at == datetime(2017, 11, 17, 16, 5, tzinfo=timezone.utc)
    assert lead_by_first_name(leads, "Ann-Marie").received_at == datetime(2016, 8, 29, 9, 0, tzinfo=timezone.utc)


def test_outlook_embedded_newlines(database, shared_data: Path):
    report, leads, _owners = import_format(database, shared_data, "outlook_contacts.csv")
    marta = lead_by_first_name(leads, "Marta")
    devi = lead_by_first_name(leads, "Devi")
    joaquin = lead_by_first_name(leads, "Joaquín")

    assert report.created == 3
    assert marta.custom_fields["Business Street"] == "100 Example Way\nSuite 4"
    assert marta.city == "Columbus"
    assert marta.title == "VP of Operations"
    assert marta.phone == "+1 555-010-4411"
    assert marta.website == "http://www.brindlefreight.example"
    assert devi.phone == "+44 7700 900123"
    assert devi.custom_fields["E-mail 2 Address"] == "devi.oh@mailbox.example"
    assert devi.notes == "Prefers email, not calls"
    assert joaquin.title == "Sales Manager, EMEA"
    assert joaquin.country == "Germany"


def test_pipedrive_prefixed_headers(database, shared_data: Path):
    _report, leads, owners = import_format(database, shared_data, "pipedrive_people_export.csv")
    devi = lead_by_first_name(leads, "Devi")

    assert devi.external_id == "102"
    assert devi.full_name == "Devi Okonkwo-Hale"
    assert devi.company == "Tallowmere Labs"
    assert devi.email == "devi@tallowmere.example"
    assert devi.phone == "+44 7700 900123"
    assert devi.title == "Founder & CEO"
    assert owners[devi.owner_id] == "Sam Example"
    assert devi.received_at == datetime(2024, 6, 20, 11, 0, tzinfo=timezone.utc)
    assert devi.custom_fields["Person - Email - Home"] == "devi.oh@mailbox.example"
    assert devi.custom_fields["Person - Label"] == "Customer"
    assert devi.custom_fields["Person - Won deals"] == "2"


def test_salesforce_dataloader_values(database, shared_data: Path):
    _report, leads, _owners = import_format(database, shared_data, "salesforce_lead_dataloader.csv")
    marta = lead_by_first_name(leads, "Marta")
    devi = lead_by_first_name(leads, "Devi")

    assert marta.external_id == "00Q5e00000EXAMPLEAAA"
    assert marta.employee_count == 85
    assert marta.source == "Web"
    assert marta.stage == "won"
    assert marta.received_at == datetime(2025, 10, 21, 14, 3, 27, tzinfo=timezone.utc)
    assert marta.custom_fields["STREET"] == "100 Example Way\nSuite 4"
    assert marta.custom_fields["OWNERID"] == "0055e000001EXAMPLEAA"
    assert marta.owner_id is None
    assert devi.notes == 'Asked about "annual" pricing, follow up after Q1'
    assert devi.phone == "+44 7700 900123"


def test_salesforce_report_footer_skipped(database, shared_data: Path):
    report, leads, owners = import_format(database, shared_data, "salesforce_lead_report.csv")

    assert report.created == 3
    assert len(leads) == 3
    assert report.rejected == 0
    assert [row.row for row in report.footer_rows] == [6, 8, 9]
    assert report.footer_rows[0].value == "Grand Totals (3 records)"
    assert "footer" in report.footer_rows[0].reason
    # Two blank lines and three footer lines.
    assert report.skipped == 5
    assert any(warning.startswith("3 lines under the data read as a report footer") for warning in report.warnings)
    marta = lead_by_first_name(leads, "Marta")
    assert marta.company == "Brindle Freight Co"
    assert owners[marta.owner_id] == "Sam Example"
    assert marta.received_at == datetime(2025, 10, 21, tzinfo=timezone.utc)
    assert lead_by_first_name(leads, "Joaquín").stage == "lost"


def test_salesforce_report_reps_shared(database, shared_data: Path):
    _report, leads, owners = import_format(database, shared_data, "salesforce_lead_report.csv")

    assert sorted(owners.values()) == ["Lee Example", "Sam Example"]
    assert leads[0].owner_id == leads[2].owner_id
