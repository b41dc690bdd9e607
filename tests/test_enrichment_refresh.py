"""refresh_derived: derived values and match keys kept fresh after edits, imports and upgrades."""

from __future__ import annotations

import csv
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.derived import refresh_derived, stale_lead_ids
from leaddesk.services.enrichment import DERIVED_VERSION
from leaddesk.services.enrichment.export_columns import DERIVED_EXPORT_COLUMNS
from leaddesk.services.enrichment.seniority import minimum_rank
from leaddesk.services.enrichment.settings import save_default_region
from leaddesk.services.enrichment.shown import shown_value
from leaddesk.services.exporting import export_leads
from leaddesk.services.importing import run_import as import_file
from leaddesk.services.lead_actions import LeadActionError, edit_lead, lead_detail
from leaddesk.services.post_import_jobs import pending_jobs, run_post_import_jobs
from schema_revisions import upgrade_to

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)


def run_import(database: Database, path: Path, **options):
    """Import path and run its post-import job, as `leaddesk import` does before it exits."""
    report = import_file(database, path, **options)
    run_post_import_jobs(database)
    return report


def _add_lead(database: Database, **fields) -> object:
    with database.session() as session:
        lead = Lead(custom_fields={}, secondary_values={}, **fields)
        session.add(lead)
        session.flush()
        return lead.id


def _lead(database: Database, lead_id) -> Lead:
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        session.expunge(lead)
        return lead


def test_refresh_fills_stale_leads(database: Database) -> None:
    lead_id = _add_lead(
        database, first_name="Ana", last_name="Ng", email="ana+x@eu.acme.co.uk",
        phone="+44 20 7946 0000", title="SVP Sales", company="Acme Ltd",
    )
    with database.session() as session:
        before = session.get(Lead, lead_id)
        updated_at, row_version = before.updated_at, before.row_version
        assert stale_lead_ids(session) == [lead_id]
        assert refresh_derived(session, now=NOW) == 1

    lead = _lead(database, lead_id)
    assert lead.derived_domain == "acme.co.uk"
    assert lead.is_free_mail is False
    assert lead.derived_country == "United Kingdom"
    assert lead.derived_country_code == "GB"
    assert lead.derived_region == "London"
    assert lead.derived_timezone == "Europe/London"
    assert lead.seniority == "vp"
    assert lead.seniority_rank == 4
    assert lead.department == "Sales"
    assert lead.completeness == 15 + 20 + 15 + 15 + 10
    assert lead.derived_version == DERIVED_VERSION
    assert lead.derived_at == NOW
    assert lead.match_email == "ana@eu.acme.co.uk"
    assert lead.match_phone == "+442079460000"
    assert lead.match_company == "acme"
    assert lead.updated_at == updated_at
    assert lead.row_version == row_version


def test_refresh_skips_fresh_leads(database: Database) -> None:
    _add_lead(database, first_name="Ana", title="CEO")
    with database.session() as session:
        assert refresh_derived(session) == 1
    with database.session() as session:
        assert stale_lead_ids(session) == []
        assert refresh_derived(session) == 0


def test_refresh_recomputes_old_version(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", title="CEO")
    with database.session() as session:
        refresh_derived(session)
        session.get(Lead, lead_id).derived_version = DERIVED_VERSION - 1
    with database.session() as session:
        assert stale_lead_ids(session) == [lead_id]
        assert refresh_derived(session) == 1
    assert _lead(database, lead_id).derived_version == DERIVED_VERSION


def test_refresh_uses_team_region(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", phone="030 5550 1234")
    with database.session() as session:
        refresh_derived(session)
    assert _lead(database, lead_id).derived_country is None

    with database.session() as session:
        save_default_region(session, "DE")
        refresh_derived(session, [lead_id])
    lead = _lead(database, lead_id)
    assert lead.derived_country == "Germany"
    assert lead.derived_region == "Berlin"


def test_refresh_lead_country_beats_team_region(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", phone="020 7946 0000", country="UK")
    with database.session() as session:
        save_default_region(session, "DE")
        refresh_derived(session)
    assert _lead(database, lead_id).derived_country_code == "GB"


def test_edit_title_refreshes_seniority(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", title="Sales Manager")
    with database.session() as session:
        refresh_derived(session)
        change = edit_lead(session, lead_id, {"title": "Chief Revenue Officer"}, actor="kim", now=NOW)
        detail = lead_detail(session, lead_id)

    assert change.changed_fields == {"title", "updated_by"}
    assert detail.title == "Chief Revenue Officer"
    assert detail.seniority == "c_level"
    assert detail.seniority_rank == 5
    assert detail.department == "Sales"
    assert detail.timeline[0].summary == "Changed title 'Sales Manager' to 'Chief Revenue Officer'"


def test_typed_country_wins_then_clears(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", phone="+49 30 5550 1234")
    with database.session() as session:
        refresh_derived(session)
        assert shown_value(session.get(Lead, lead_id), "country").note == "derived from phone"

        edit_lead(session, lead_id, {"country": "Deutschland"}, actor="kim", now=NOW)
        lead = session.get(Lead, lead_id)
        typed = shown_value(lead, "country")
        assert lead.derived_country == "Germany"
        assert typed.text == "Deutschland"
        assert typed.derived is False

        edit_lead(session, lead_id, {"country": "  "}, actor="kim", now=NOW)
        cleared = shown_value(session.get(Lead, lead_id), "country")
        assert cleared.text == "Germany"
        assert cleared.derived is True


def test_edit_email_refreshes_keys(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", email="ana@gmail.com")
    with database.session() as session:
        refresh_derived(session)
        edit_lead(session, lead_id, {"email": "Ana@Acme.com"}, actor="kim", now=NOW)
        lead = session.get(Lead, lead_id)

        assert lead.email_normalized == "ana@acme.com"
        assert lead.match_email == "ana@acme.com"
        assert lead.match_domain == "acme.com"
        assert lead.derived_domain == "acme.com"
        assert lead.is_free_mail is False


def test_edit_same_value_changes_nothing(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana", title="CEO")
    with database.session() as session:
        change = edit_lead(session, lead_id, {"title": " CEO "}, actor="kim", now=NOW)
    assert change.changed_fields == frozenset()
    assert change.activity_id is None


def test_edit_unknown_field_rejected(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana")
    with database.session() as session, pytest.raises(LeadActionError, match="the field 'seniority' cannot be edited"):
        edit_lead(session, lead_id, {"seniority": "vp"}, actor="kim", now=NOW)


def test_edit_bad_employee_count_rejected(database: Database) -> None:
    lead_id = _add_lead(database, first_name="Ana")
    with database.session() as session, pytest.raises(LeadActionError, match="employee count 'lots' is not a whole"):
        edit_lead(session, lead_id, {"employee_count": "lots"}, actor="kim", now=NOW)


def test_import_refreshes_created_and_updated(database: Database, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(
        "First Name,Last Name,Email,Phone,Title,Country\n"
        "Ana,Ng,ana@acme.com,020 7946 0000,Head of Growth,UK\n"
        "Bo,Li,bo@gmail.com,,Sr. Software Engineer,\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.csv"
    second.write_text("Email,Title\nana@acme.com,VP Marketing\n", encoding="utf-8")

    run_import(database, first, now=NOW)
    with database.session() as session:
        leads = {lead.first_name: lead for lead in session.scalars(select(Lead))}
        ana, bo = leads["Ana"], leads["Bo"]
        assert ana.seniority == "director"
        assert ana.department == "Marketing"
        assert ana.derived_region == "London"
        assert ana.match_phone == "+442079460000"
        assert bo.seniority == "ic"
        assert bo.is_free_mail is True
        assert bo.derived_domain is None
        assert stale_lead_ids(session) == []

    report = run_import(database, second, now=NOW)
    assert report.updated == 1
    with database.session() as session:
        ana = session.scalars(select(Lead).where(Lead.first_name == "Ana")).one()
        assert ana.title == "VP Marketing"
        assert ana.seniority == "vp"


def test_dry_run_import_writes_nothing(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("First Name,Title\nAna,CEO\n", encoding="utf-8")
    run_import(database, path, now=NOW, dry_run=True)
    with database.session() as session:
        assert session.scalars(select(Lead)).all() == []


def test_export_has_derived_columns(database: Database, tmp_path: Path) -> None:
    _add_lead(database, first_name="Ana", email="ana@acme.com", phone="+44 20 7946 0000", title="CFO")
    with database.session() as session:
        refresh_derived(session)
    path = tmp_path / "out.csv"
    export_leads(database, path)

    with path.open(encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["derived_domain"] == "acme.com"
    assert row["derived_free_mail"] == "False"
    assert row["derived_country"] == "United Kingdom"
    assert row["derived_country_code"] == "GB"
    assert row["derived_timezone"] == "Europe/London"
    assert row["derived_seniority"] == "c_level"
    assert row["derived_department"] == "Finance"
    assert row["derived_completeness"] == str(15 + 20 + 15 + 10)


def test_export_reimport_ignores_derived(database: Database, tmp_path: Path) -> None:
    _add_lead(database, first_name="Ana", email="ana@acme.com", title="CFO")
    with database.session() as session:
        refresh_derived(session)
    path = tmp_path / "out.csv"
    export_leads(database, path)

    other = Database.open(tmp_path / "other.sqlite")
    try:
        report = run_import(other, path, now=NOW)
        with other.session() as session:
            lead = session.scalars(select(Lead)).one()
            custom, seniority = dict(lead.custom_fields), lead.seniority
    finally:
        other.dispose()

    assert report.created == 1
    assert not set(DERIVED_EXPORT_COLUMNS) & set(custom)
    assert seniority == "c_level"


def test_upgraded_file_gets_derived(db_path: Path) -> None:
    upgrade_to(db_path, "0004")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, first_name, email, phone, title, segment, stage, score, custom_fields, "
            "secondary_values, match_phone_unparsed, received_at, created_at, updated_at, row_version) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Ada', 'ada@acme.com', '+33 1 42 68 53 00', 'Head of IT', "
            "'general', 'new', 0, '{}', '{}', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 1)"
        )

    opened = Database.open(db_path)
    try:
        with opened.session() as session:
            assert refresh_derived(session) == 1
        with opened.session() as session:
            lead = session.scalars(select(Lead)).one()
            values = (lead.derived_country, lead.derived_region, lead.seniority, lead.department, lead.match_phone)
    finally:
        opened.dispose()

    assert values == ("France", "Paris", "director", "IT", "+33142685300")


def test_region_change_marks_phones_stale(database: Database) -> None:
    with_phone = _add_lead(database, first_name="Ana", phone="030 5550 1234")
    _add_lead(database, first_name="Bo")
    with database.session() as session:
        refresh_derived(session)
        save_default_region(session, "DE")
        assert stale_lead_ids(session) == [with_phone]
        refresh_derived(session)
        save_default_region(session, "de")
        assert stale_lead_ids(session) == []
    assert _lead(database, with_phone).derived_country == "Germany"


def test_director_plus_query(database: Database) -> None:
    titles = {"SVP Sales": True, "Head of Growth": True, "Co-founder & CEO": True, "Sales Manager": False,
              "Sr. Software Engineer": False, "Student": False}
    ids = {title: _add_lead(database, first_name="Ana", title=title) for title in titles}
    with database.session() as session:
        refresh_derived(session)
        found = set(session.scalars(select(Lead.id).where(Lead.seniority_rank >= minimum_rank("director"))))

    assert found == {ids[title] for title, senior in titles.items() if senior}


def test_import_refresh_failure_keeps_job(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(session, hex_ids, **_options):
        raise OperationalError("UPDATE leads", {}, Exception("database is locked"))

    monkeypatch.setattr("leaddesk.services.post_import_jobs.refresh_stored_ids", fail)
    path = tmp_path / "leads.csv"
    path.write_text("First Name,Title\nAna,CEO\n", encoding="utf-8")
    report = import_file(database, path, now=NOW)
    run = run_post_import_jobs(database)

    assert report.created == 1
    assert len(run.failed) == 1
    assert run.finished == []
    with database.session() as session:
        assert len(stale_lead_ids(session)) == 1
        jobs = pending_jobs(session)
    assert len(jobs) == 1
    assert "database is locked" in jobs[0].error
