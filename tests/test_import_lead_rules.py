"""run_import on rows that move a lead past "new", rows without a name, e-mail, phone, company or id, and web-form placeholders."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import ImportBatch, Lead
from leaddesk.services.inbox import count_states
from leaddesk.services.importing import ImportFileError, run_import
from leaddesk.services.importing.rows import NO_IDENTITY_REASON

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def lead_by_email(database, email: str) -> Lead:
    with database.session() as session:
        return session.scalars(select(Lead).where(Lead.email == email)).one()


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_reimport_contacted_stops_clock(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", "Contacted"]])
    run_import(database, first, now=NOW)
    assert lead_by_email(database, "ann@example.com").response_due_at is not None

    report = run_import(database, second, now=NOW + timedelta(hours=1))

    assert report.updated == 1
    lead = lead_by_email(database, "ann@example.com")
    assert lead.stage == "contacted"
    assert lead.response_due_at is None
    assert lead.response_warn_at is None
    assert lead.first_contacted_at is None


def test_reimport_contacted_never_overdue(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", "Contacted"]])
    run_import(database, first, now=NOW)
    run_import(database, second, now=NOW + timedelta(hours=1))

    with database.session() as session:
        states = count_states(session, NOW + timedelta(days=10))

    assert states == {"overdue": 0, "due_soon": 0}


def test_reimport_same_stage_keeps_clock(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Title"], ["ann@example.com", "CTO"]])
    run_import(database, first, now=NOW)
    due = lead_by_email(database, "ann@example.com").response_due_at

    run_import(database, second, now=NOW + timedelta(hours=1))

    lead = lead_by_email(database, "ann@example.com")
    assert lead.stage == "new"
    assert lead.response_due_at == due


def test_row_without_identity_rejected(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "a.csv",
        [["Email", "City"], ["ann@example.com", "Oslo"], ["", "Bergen"]],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert report.rejected == 1
    rejected = report.rejected_rows[0]
    assert rejected.row == 3
    assert rejected.column == ""
    assert rejected.reason == NO_IDENTITY_REASON
    assert rejected.values == {"City": "Bergen"}
    assert count(database, Lead) == 1


def test_file_without_identity_column_rejected(database, tmp_path: Path):
    path = write_csv(tmp_path / "semi.csv", [["a", "b", "c"], ["1", "2", "3"]])

    with pytest.raises(ImportFileError) as raised:
        run_import(database, path, now=NOW)

    assert str(raised.value) == (
        "semi.csv: no column maps to a name, e-mail, phone, company or external id, so nothing was "
        "imported; map a column to one of them with --map HEADER=FIELD, or choose a file of leads"
    )
    assert count(database, Lead) == 0
    assert count(database, ImportBatch) == 0


@pytest.mark.parametrize("placeholder", ["Select", "-- Select --", "Please Select", "N/A", "- choose one -"])
def test_placeholder_reads_as_empty(database, tmp_path: Path, placeholder: str):
    path = write_csv(
        tmp_path / "a.csv",
        [["Email", "City", "Company"], ["ann@example.com", placeholder, "Acme"]],
    )

    run_import(database, path, now=NOW)

    lead = lead_by_email(database, "ann@example.com")
    assert lead.city is None
    assert lead.company == "Acme"
    assert lead.custom_fields == {}


def test_placeholder_does_not_overwrite(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "City"], ["ann@example.com", "Oslo"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "City"], ["ann@example.com", "Select"]])
    run_import(database, first, now=NOW)

    report = run_import(database, second, now=NOW)

    assert report.updated == 0
    assert lead_by_email(database, "ann@example.com").city == "Oslo"


def test_placeholder_only_identity_rejected(database, tmp_path: Path):
    path = write_csv(tmp_path / "a.csv", [["Name", "City"], ["Select", "Oslo"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert report.rejected == 1
    assert report.rejected_rows[0].reason == NO_IDENTITY_REASON


def import_stages(database, tmp_path: Path, first_stage: str, second_stage: str):
    first = write_csv(tmp_path / "a.csv", [["Email", "Lead Status"], ["ann@example.com", first_stage]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", second_stage]])
    run_import(database, first, now=NOW)
    return run_import(database, second, now=NOW + timedelta(hours=1))


@pytest.mark.parametrize("closing", ["Closed - Converted", "Closed - Not Converted", "Unqualified"])
def test_closing_stage_applied_past_new(database, tmp_path: Path, closing: str):
    report = import_stages(database, tmp_path, "Contacted", closing)

    expected = {"Closed - Converted": "won", "Closed - Not Converted": "lost", "Unqualified": "disqualified"}
    assert report.updated == 1
    assert lead_by_email(database, "ann@example.com").stage == expected[closing]
    assert "stage set to won, lost or disqualified on 1 lead that was past new" in report.warnings


def test_open_stage_kept_past_new(database, tmp_path: Path):
    report = import_stages(database, tmp_path, "Qualified", "Contacted")

    assert report.updated == 0
    assert lead_by_email(database, "ann@example.com").stage == "qualified"
    assert report.warnings[-1] == (
        "stage kept on 1 lead that is past new; an import changes the stage of such a lead "
        "only to won, lost or disqualified, so change other stages in LeadDesk"
    )


def test_closed_lead_not_reopened(database, tmp_path: Path):
    report = import_stages(database, tmp_path, "Won", "Lost")

    assert report.updated == 0
    assert lead_by_email(database, "ann@example.com").stage == "won"
    assert report.warnings[-1].startswith("stage kept on 1 lead that is past new")


def test_same_stage_adds_no_note(database, tmp_path: Path):
    report = import_stages(database, tmp_path, "Contacted", "Contacted")

    assert [warning for warning in report.warnings if warning.startswith("stage")] == []
