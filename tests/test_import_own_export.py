"""run_import of a LeadDesk export: the id column matches leads by their LeadDesk id and is never stored."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.exporting import export_leads
from leaddesk.services.importing import plan_import, run_import
from leaddesk.services.importing.report import RowAction

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def seed_and_export(database, tmp_path: Path) -> Path:
    source = write_csv(
        tmp_path / "leads.csv",
        [
            ["Name", "Email", "Phone", "Company", "Lead ID"],
            ["Ann Lee", "ann@example.com", "", "Acme", "CRM-1"],
            ["Bo Ek", "", "+44 7700 900123", "Bobco", ""],
            ["Cy Dunn", "", "", "Cyco", ""],
        ],
    )
    run_import(database, source, now=NOW)
    exported = tmp_path / "export.csv"
    export_leads(database, exported)
    return exported


def leads_by_company(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.company: lead for lead in session.scalars(select(Lead))}


def test_own_export_changes_nothing(database, tmp_path: Path):
    exported = seed_and_export(database, tmp_path)
    before = {company: lead.external_id for company, lead in leads_by_company(database).items()}

    report = run_import(database, exported, now=NOW)

    assert (report.created, report.updated, report.skipped, report.rejected) == (0, 0, 3, 0)
    after = {company: lead.external_id for company, lead in leads_by_company(database).items()}
    assert after == before
    assert after == {"Acme": "CRM-1", "Bobco": None, "Cyco": None}


def test_own_export_matched_by_id(database, tmp_path: Path):
    exported = seed_and_export(database, tmp_path)

    plan = plan_import(database, exported, now=NOW)

    assert [row.action for row in plan.rows] == [RowAction.SKIP] * 3
    assert [row.matched_by for row in plan.rows] == ["LeadDesk id"] * 3
    assert [row.reason for row in plan.rows] == ["nothing to change"] * 3


def test_own_export_notes_agree(database, tmp_path: Path):
    exported = seed_and_export(database, tmp_path)

    report = run_import(database, exported, now=NOW)

    assert report.mapping["id"] == "leaddesk_id"
    assert report.mapping["external_id"] == "external_id"
    assert [warning for warning in report.warnings if "external id" in warning] == []
    assert [warning for warning in report.warnings if "kept as a custom field" in warning] == []


def test_edited_export_updates_by_id(database, tmp_path: Path):
    exported = seed_and_export(database, tmp_path)
    rows = read_csv(exported)
    cyco = next(row for row in rows if row["company"] == "Cyco")
    cyco["full_name"] = "Cyrus Dunn"
    cyco["first_name"] = ""
    cyco["last_name"] = ""
    edited = write_rows(tmp_path / "edited.csv", rows)

    report = run_import(database, edited, now=NOW)

    assert (report.created, report.updated) == (0, 1)
    lead = leads_by_company(database)["Cyco"]
    assert lead.full_name == "Cyrus Dunn"
    assert lead.external_id is None


def test_invalid_leaddesk_id_rejected(database, tmp_path: Path):
    exported = seed_and_export(database, tmp_path)
    rows = read_csv(exported)
    rows[0]["id"] = "not-an-id"
    edited = write_rows(tmp_path / "edited.csv", rows)

    report = run_import(database, edited, now=NOW)

    assert report.rejected == 1
    rejected = report.rejected_rows[0]
    assert rejected.row == 2
    assert rejected.column == "id"
    assert rejected.value == "not-an-id"
    assert rejected.reason == (
        "'not-an-id' is not a LeadDesk id; keep the id column of the export unchanged, or empty it"
    )
