"""Importing the 9,240-row lead-scoring dataset, which has ids but no names or e-mails."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from leaddesk.models import Lead
from leaddesk.services.importing import preview_file, run_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
ROWS = 9240


def lead_count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def lead_with_external_id(database, external_id: str) -> Lead:
    with database.session() as session:
        return session.scalars(select(Lead).where(Lead.external_id == external_id)).one()


def test_leads_csv_twice(database, shared_data: Path):
    path = shared_data / "leads" / "Leads.csv"

    first = run_import(database, path, now=NOW, historical=True)
    second = run_import(database, path, now=NOW, historical=True)

    assert first.created == ROWS
    assert first.rejected == 0
    assert first.mapping["Prospect ID"] == "external_id"
    assert first.mapping["Lead Number"] == "custom:Lead Number"
    assert first.mapping["Lead Source"] == "source"
    assert second.created == 0
    assert second.updated == 0
    assert second.skipped == ROWS
    assert lead_count(database) == ROWS


def test_leads_csv_values(database, shared_data: Path):
    run_import(database, shared_data / "leads" / "Leads.csv", now=NOW)

    lead = lead_with_external_id(database, "2a272436-5132-4136-86fa-dcc88c88f482")
    assert lead.source == "Organic Search"
    assert lead.country == "India"
    assert lead.email is None
    assert lead.custom_fields["Lead Number"] == "660728"
    assert lead.custom_fields["TotalVisits"] == "5"
    assert lead.custom_fields["Page Views Per Visit"] == "2.5"
    assert lead.custom_fields["Last Activity"] == "Email Opened"
    assert len(lead.custom_fields) > 25


def test_leads_xlsx_matches_csv(database, shared_data: Path):
    preview = preview_file(shared_data / "leads" / "Leads.xlsx")
    from_xlsx = run_import(database, shared_data / "leads" / "Leads.xlsx", now=NOW, historical=True)
    from_csv = run_import(database, shared_data / "leads" / "Leads.csv", now=NOW, historical=True)

    assert preview.sheet_names == ["Sheet1"]
    assert preview.headers[:2] == ["Prospect ID", "Lead Number"]
    assert from_xlsx.created == ROWS
    assert from_xlsx.rejected == 0
    # The same data from the CSV matches every lead and changes nothing.
    assert from_csv.created == 0
    assert from_csv.updated == 0
    assert from_csv.skipped == ROWS
    lead = lead_with_external_id(database, "2a272436-5132-4136-86fa-dcc88c88f482")
    assert lead.custom_fields["Lead Number"] == "660728"
    assert lead.custom_fields["Total Time Spent on Website"] == "674"
