"""run_import end to end on small files: matching, updates, rejections, batches, cancel and dry runs."""

from __future__ import annotations

import csv
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import Activity, ImportBatch, Lead, Rep
from leaddesk.services.importing import ImportCancelled, MappingError, run_import
from leaddesk.services.importing import importer
from leaddesk.services.playbook import set_team_timezone

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def all_leads(database) -> list[Lead]:
    with database.session() as session:
        return list(session.scalars(select(Lead).order_by(Lead.created_at, Lead.id)))


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_impossible_date_rejected(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "dates.csv",
        [
            ["Email", "Created Date"],
            ["ann@example.com", "21/02/2025"],
            ["bo@example.com", "31/02/2025"],
        ],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert report.rejected == 1
    rejected = report.rejected_rows[0]
    assert rejected.row == 3
    assert rejected.column == "Created Date"
    assert rejected.value == "31/02/2025"
    assert "February 2025 has 28 days" in rejected.reason
    assert rejected.values == {"Email": "bo@example.com", "Created Date": "31/02/2025"}
    assert all_leads(database)[0].received_at == datetime(2025, 2, 21, tzinfo=timezone.utc)


def test_invalid_email_rejected(database, tmp_path: Path):
    path = write_csv(tmp_path / "bad.csv", [["Name", "Email"], ["Ann", "ann(at)example.com"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert report.rejected_rows[0].column == "Email"
    assert "name@example.com" in report.rejected_rows[0].reason


def test_unmapped_columns_kept(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "custom.csv",
        [
            ["Email", "Favourite Colour", "Budget (EUR)", "Column With Nothing"],
            ["ann@example.com", "teal", "12,000", ""],
        ],
    )

    report = run_import(database, path, now=NOW)

    assert report.mapping["Favourite Colour"] == "custom:Favourite Colour"
    lead = all_leads(database)[0]
    assert lead.custom_fields == {"Favourite Colour": "teal", "Budget (EUR)": "12,000"}


def test_extra_cells_kept(database, tmp_path: Path):
    path = write_csv(tmp_path / "wide.csv", [["Email", "Company"], ["ann@example.com", "Acme", "stray"]])

    run_import(database, path, now=NOW)

    assert all_leads(database)[0].custom_fields == {"Column 3": "stray"}


def test_duplicate_headers_both_kept(database, tmp_path: Path):
    path = write_csv(tmp_path / "dupes.csv", [["Email", "Tag", "Tag"], ["ann@example.com", "a", "b"]])

    report = run_import(database, path, now=NOW)

    assert all_leads(database)[0].custom_fields == {"Tag": "a", "Tag (2)": "b"}
    assert any("appears more than once" in warning for warning in report.warnings)


def test_row_without_name_or_email(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "sparse.csv",
        [["Email", "First Name", "Company", "City"], ["", "", "Acme", "Lyon"], ["", "", "", ""], []],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert report.skipped == 2
    lead = all_leads(database)[0]
    assert lead.company == "Acme"
    assert lead.display_name == "Acme"


def test_received_at_defaults_to_now(database, tmp_path: Path):
    path = write_csv(tmp_path / "plain.csv", [["Email"], ["ann@example.com"]])

    run_import(database, path, now=NOW)

    lead = all_leads(database)[0]
    assert lead.received_at == NOW
    assert lead.response_due_at is not None
    assert lead.segment == "general"


def test_naive_dates_in_team_timezone(database, tmp_path: Path):
    with database.session() as session:
        set_team_timezone(session, "America/New_York")
    path = write_csv(tmp_path / "ny.csv", [["Email", "Create Date"], ["ann@example.com", "2026-03-10 12:34"]])

    run_import(database, path, now=NOW)

    assert all_leads(database)[0].received_at == datetime(2026, 3, 10, 16, 34, tzinfo=timezone.utc)


def test_segment_from_playbook(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "demo.csv",
        [["Email", "Company size", "Lead Source"], ["cio@bigco.example", "5000", "Demo request"]],
    )

    run_import(database, path, now=NOW)

    lead = all_leads(database)[0]
    assert lead.segment == "enterprise_demo"
    assert lead.response_due_at == NOW + timedelta(minutes=5)


def test_historical_has_no_deadline(database, tmp_path: Path):
    path = write_csv(tmp_path / "old.csv", [["Email"], ["ann@example.com"]])

    report = run_import(database, path, now=NOW, historical=True)

    lead = all_leads(database)[0]
    assert report.historical is True
    assert lead.response_due_at is None
    assert lead.response_warn_at is None


def test_employee_range_lower_bound(database, tmp_path: Path):
    path = write_csv(tmp_path / "range.csv", [["Email", "# Employees"], ["ann@example.com", "51-200"]])

    run_import(database, path, now=NOW)

    lead = all_leads(database)[0]
    assert lead.employee_count == 51
    assert lead.custom_fields == {"# Employees": "51-200"}


def test_reimport_updates_changed_row(database, tmp_path: Path):
    first = write_csv(
        tmp_path / "v1.csv",
        [["Email", "Company", "Title", "Notes"], ["Ann@Example.com", "Acme", "Buyer", "call back"]],
    )
    second = write_csv(
        tmp_path / "v2.csv",
        [["Email", "Company", "Title", "Notes"], ["ann@example.com", "Acme Corp", "", "call back"]],
    )

    run_import(database, first, now=NOW)
    report = run_import(database, second, now=NOW + timedelta(days=1), actor="sam")

    assert (report.created, report.updated, report.skipped) == (0, 1, 0)
    lead = all_leads(database)[0]
    assert lead.company == "Acme Corp"
    # An empty cell never clears a stored value.
    assert lead.title == "Buyer"
    assert lead.email == "Ann@Example.com"
    assert lead.row_version == 2
    assert lead.updated_by == "sam"
    assert lead.received_at == NOW


def test_reimport_matches_external_id(database, tmp_path: Path):
    first = write_csv(tmp_path / "v1.csv", [["Record ID", "First Name"], ["42", "Ann"]])
    second = write_csv(tmp_path / "v2.csv", [["Record ID", "First Name", "Email"], ["42", "Ann", "ann@example.com"]])

    run_import(database, first, now=NOW)
    report = run_import(database, second, now=NOW)

    assert (report.created, report.updated) == (0, 1)
    assert all_leads(database)[0].email == "ann@example.com"


def test_reimport_keeps_worked_stage(database, tmp_path: Path):
    path = write_csv(tmp_path / "stage.csv", [["Email", "Lead Status"], ["ann@example.com", "Open - Not Contacted"]])
    run_import(database, path, now=NOW)
    with database.session() as session:
        session.scalars(select(Lead)).one().stage = "qualified"

    report = run_import(database, path, now=NOW)

    assert report.skipped == 1
    assert all_leads(database)[0].stage == "qualified"


def test_duplicate_rows_in_one_file(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "twice.csv",
        [["Email", "Company", "City"], ["ann@example.com", "Acme", ""], ["ANN@example.com", "Acme", "Lyon"]],
    )

    report = run_import(database, path, now=NOW)

    assert (report.created, report.updated) == (1, 1)
    assert all_leads(database)[0].city == "Lyon"


def test_identical_keyless_rows_kept(database, tmp_path: Path):
    path = write_csv(tmp_path / "same.csv", [["First Name", "Company"], ["Ann", "Acme"], ["Ann", "Acme"]])

    first = run_import(database, path, now=NOW)
    second = run_import(database, path, now=NOW)

    assert first.created == 2
    assert second.created == 0
    assert second.skipped == 2
    assert count(database, Lead) == 2


def test_deleted_lead_not_revived(database, tmp_path: Path):
    path = write_csv(tmp_path / "gone.csv", [["Email", "City"], ["ann@example.com", "Lyon"]])
    run_import(database, path, now=NOW)
    with database.session() as session:
        session.scalars(select(Lead)).one().deleted_at = NOW

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert report.skipped == 1
    assert count(database, Lead) == 1


def test_owners_become_reps(database, tmp_path: Path):
    with database.session() as session:
        session.add(Rep(name="Sam Example"))
    path = write_csv(
        tmp_path / "owners.csv",
        [["Email", "Lead Owner"], ["a@example.com", "sam example"], ["b@example.com", "Lee Example"], ["c@example.com", ""]],
    )

    run_import(database, path, now=NOW)

    with database.session() as session:
        reps = {rep.name: rep.id for rep in session.scalars(select(Rep))}
    leads = {lead.email: lead for lead in all_leads(database)}
    assert set(reps) == {"Sam Example", "Lee Example"}
    assert leads["a@example.com"].owner_id == reps["Sam Example"]
    assert leads["b@example.com"].owner_id == reps["Lee Example"]
    assert leads["c@example.com"].owner_id is None


def test_batch_recorded(database, tmp_path: Path):
    path = write_csv(tmp_path / "batch.csv", [["Email", "Created Date"], ["a@example.com", "2025-01-01"], ["b@x", "x"]])

    report = run_import(database, path, now=NOW, actor="sam")

    with database.session() as session:
        batch = session.scalars(select(ImportBatch)).one()
        lead = session.scalars(select(Lead)).one()
        activity = session.scalars(select(Activity)).one()
    assert report.batch_id == str(batch.id)
    assert batch.file_name == str(path.resolve())
    assert batch.sha256 == report.sha256
    assert len(batch.sha256) == 64
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    assert batch.column_mapping == {"Email": "email", "Created Date": "received_at"}
    assert batch.imported_by == "sam"
    assert batch.finished_at is not None
    assert lead.import_batch_id == batch.id
    assert activity.lead_id == lead.id
    assert activity.kind == "import"
    assert "batch.csv, row 2" in activity.summary


def test_activities_can_be_left_out(database, tmp_path: Path):
    path = write_csv(tmp_path / "quiet.csv", [["Email"], ["a@example.com"]])

    report = run_import(database, path, now=NOW, log_activities=False)

    assert report.activities_logged is False
    assert count(database, Activity) == 0


def test_reimport_warns_same_file(database, tmp_path: Path):
    path = write_csv(tmp_path / "again.csv", [["Email"], ["a@example.com"]])

    run_import(database, path, now=NOW)
    report = run_import(database, path, now=NOW)

    assert any("imported before" in warning for warning in report.warnings)


def test_dry_run_stores_nothing(database, tmp_path: Path):
    path = write_csv(tmp_path / "dry.csv", [["Email", "Lead Owner"], ["a@example.com", "Sam"], ["b@example.com", "Lee"]])

    report = run_import(database, path, now=NOW, dry_run=True)

    assert report.created == 2
    assert report.batch_id is None
    assert count(database, Lead) == 0
    assert count(database, ImportBatch) == 0
    assert count(database, Rep) == 0


def test_cancel_rolls_back(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    rows = [["Email"]] + [[f"lead{index}@example.com"] for index in range(50)]
    path = write_csv(tmp_path / "many.csv", rows)
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0:
            cancel.set()

    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0)
    with pytest.raises(ImportCancelled):
        run_import(database, path, now=NOW, progress=progress, cancel=cancel)

    assert len(seen) >= 2
    assert count(database, Lead) == 0
    assert count(database, ImportBatch) == 0


def test_progress_reaches_one(database, tmp_path: Path):
    path = write_csv(tmp_path / "progress.csv", [["Email"], ["a@example.com"]])
    calls: list[tuple[float, str]] = []

    run_import(database, path, now=NOW, progress=lambda fraction, message: calls.append((fraction, message)))

    assert calls[0][0] == 0.0
    assert calls[-1] == (1.0, "1 created, 0 updated, 0 skipped, 0 rejected")
    assert all(0.0 <= fraction <= 1.0 for fraction, _message in calls)


def test_mapping_override(database, tmp_path: Path):
    path = write_csv(tmp_path / "override.csv", [["Contact", "Org", "Email"], ["Ann Lee", "Acme", "ann@example.com"]])

    report = run_import(database, path, now=NOW, mapping={"Contact": "full_name", "Org": "company"})

    lead = all_leads(database)[0]
    assert report.mapping == {"Contact": "full_name", "Org": "company", "Email": "custom:Email"}
    assert lead.full_name == "Ann Lee"
    assert lead.company == "Acme"
    assert lead.email is None
    assert lead.custom_fields == {"Email": "ann@example.com"}


def test_mapping_unknown_field(database, tmp_path: Path):
    path = write_csv(tmp_path / "m.csv", [["Email"], ["a@example.com"]])

    with pytest.raises(MappingError):
        run_import(database, path, now=NOW, mapping={"Email": "e-mail"})
    assert count(database, ImportBatch) == 0


def test_now_must_be_aware(database, tmp_path: Path):
    path = write_csv(tmp_path / "n.csv", [["Email"], ["a@example.com"]])

    with pytest.raises(ValueError, match="no timezone"):
        run_import(database, path, now=datetime(2026, 3, 2, 10, 0))


def test_report_to_dict(database, tmp_path: Path):
    path = write_csv(tmp_path / "dict.csv", [["Email", "Created Date"], ["a@example.com", "2025-02-30"]])

    data = run_import(database, path, now=NOW).to_dict()

    assert {"created", "updated", "skipped", "rejected", "rejected_rows", "batch_id", "sha256", "encoding", "mapping"} <= set(data)
    assert data["rejected_rows"][0]["row"] == 2
    assert data["rejected_rows"][0]["column"] == "Created Date"


def test_old_list_suggests_history(database, tmp_path) -> None:
    from datetime import datetime, timezone

    from leaddesk.services.importing import run_import

    path = tmp_path / "old.csv"
    path.write_text("Name,Email,Create Date\nAda,ada@old.example,2019-03-01\nBo,bo@old.example,2019-04-01\n")
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    report = run_import(database, path, now=now)
    history_report = run_import(database, path, now=now, historical=True)

    assert report.created == 2
    assert any("import it again as history" in warning for warning in report.warnings)
    assert not any("as history" in warning for warning in history_report.warnings)


def test_old_closed_leads_no_history_hint(database, tmp_path) -> None:
    from datetime import datetime, timezone

    from leaddesk.services.importing import run_import

    path = tmp_path / "closed.csv"
    path.write_text("Name,Email,Create Date,Lead Status\nAda,ada@old.example,2019-03-01,Closed - Converted\n")
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

    report = run_import(database, path, now=now)

    assert report.created == 1
    assert not any("as history" in warning for warning in report.warnings)


@pytest.mark.parametrize(
    "zone", ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]
)
def test_fast_clock_matches_sla(zone: str):
    import random
    from datetime import date, time

    from leaddesk.services.business_calendar import BusinessCalendar
    from leaddesk.services.importing.clock import ResponseClocks
    from leaddesk.services.playbook import Playbook
    from leaddesk.services.sla import compute_response_clock

    split_day = {weekday: ((time(9, 0), time(12, 0)), (time(13, 0), time(18, 0))) for weekday in range(4)}
    split_day[5] = ((time(10, 0), time(14, 0)),)
    calendars = [
        BusinessCalendar(timezone_name=zone),
        BusinessCalendar(timezone_name=zone, weekly_hours=split_day, closed_dates=frozenset({date(2026, 3, 30)})),
    ]
    rng = random.Random(zone)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    instants = [start + timedelta(seconds=rng.randrange(0, 2 * 366 * 86400)) for _ in range(600)]

    for calendar in calendars:
        playbook = Playbook(calendar=calendar)
        clocks = ResponseClocks(playbook)
        boundaries = []
        for day in (date(2025, 3, 9), date(2025, 3, 31), date(2025, 11, 3), date(2026, 3, 27), date(2026, 3, 30)):
            for opens, closes in calendar.open_intervals(day):
                for edge in (opens, closes):
                    boundaries.extend([edge - timedelta(microseconds=1), edge, edge + timedelta(minutes=1)])
        for instant in instants + boundaries:
            for rule in playbook.segments:
                expected = compute_response_clock(rule, instant, playbook)
                assert clocks.deadlines(rule, instant) == (expected.due_at, expected.warn_at), (rule.key, instant)


def test_confirmed_mapping_reused(database, tmp_path: Path):
    from leaddesk.models import SavedMapping

    first = write_csv(tmp_path / "crm-march.csv", [["Contact", "Org", "Mail"], ["Ann Lee", "Acme", "ann@example.com"]])
    second = write_csv(tmp_path / "crm-april.csv", [[" CONTACT ", "org", "Mail"], ["Bo Ek", "Bobco", "bo@example.com"]])
    run_import(database, first, now=NOW, mapping={"Contact": "full_name", "Org": "company", "Mail": "email"})

    report = run_import(database, second, now=NOW + timedelta(days=30))

    assert report.mapping_source == "saved"
    assert report.saved_mapping_at == NOW
    assert "using the mapping saved on 2026-03-02" in report.warnings
    assert report.mapping == {"CONTACT": "full_name", "org": "company", "Mail": "email"}
    bo = [lead for lead in all_leads(database) if lead.company == "Bobco"][0]
    assert bo.full_name == "Bo Ek"
    assert bo.email == "bo@example.com"
    with database.session() as session:
        saved = session.scalars(select(SavedMapping)).one()
    assert saved.source_name == "crm-march.csv"
    assert saved.use_count == 2


def test_suggested_mapping_not_saved(database, tmp_path: Path):
    from leaddesk.models import SavedMapping

    path = write_csv(tmp_path / "plain.csv", [["Email"], ["ann@example.com"]])

    report = run_import(database, path, now=NOW)

    assert report.mapping_source == "suggested"
    assert count(database, SavedMapping) == 0


def test_dry_run_saves_no_mapping(database, tmp_path: Path):
    from leaddesk.models import SavedMapping

    path = write_csv(tmp_path / "m.csv", [["Contact"], ["Ann Lee"]])

    run_import(database, path, now=NOW, mapping={"Contact": "full_name"}, dry_run=True)

    assert count(database, SavedMapping) == 0


def test_other_headers_not_reused(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Contact", "Org"], ["Ann Lee", "Acme"]])
    second = write_csv(tmp_path / "b.csv", [["Org", "Contact", "Email"], ["Bobco", "Bo Ek", "bo@bobco.example"]])
    run_import(database, first, now=NOW, mapping={"Contact": "full_name", "Org": "company"})

    report = run_import(database, second, now=NOW)

    assert report.mapping_source == "suggested"


def test_preview_shows_saved_mapping(database, tmp_path: Path):
    from leaddesk.services.importing import preview_import

    first = write_csv(tmp_path / "a.csv", [["Contact", "Org"], ["Ann Lee", "Acme"]])
    second = write_csv(tmp_path / "b.csv", [["Contact", "Org"], ["Bo Ek", "Bobco"]])
    run_import(database, first, now=NOW, mapping={"Contact": "full_name", "Org": "custom:Organisation"})

    preview = preview_import(database, second)

    assert preview.mapping == {"Contact": "full_name", "Org": "custom:Organisation"}
    assert preview.mapping_source == "saved"
    assert preview.saved_mapping_at == NOW
    assert preview.warnings[0] == "using the mapping saved on 2026-03-02"


def test_ignored_column_left_out(database, tmp_path: Path):
    path = write_csv(tmp_path / "i.csv", [["Email", "Internal"], ["ann@example.com", "secret"]])

    report = run_import(database, path, now=NOW, mapping={"Email": "email", "Internal": "ignored"})

    assert report.mapping["Internal"] == "ignored"
    assert all_leads(database)[0].custom_fields == {}


def test_header_only_file(database, tmp_path: Path):
    path = write_csv(tmp_path / "empty.csv", [["Email", "Name"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 0
    assert "empty.csv: the file has a header but no data rows, so nothing was imported" in report.warnings


def test_rejected_rows_file_columns(database, tmp_path: Path):
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["Email", "Notes", "Created Date"],
            ["ann@example.com", "", "2025-01-01"],
            ["bo(at)example.com", "=cmd|' /C calc'!A0", "2025-01-02", "stray"],
        ],
    )
    target = tmp_path / "fix.csv"

    report = run_import(database, path, now=NOW, rejected_target=target)

    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert report.rejected == 1
    assert rows[0] == ["Email", "Notes", "Created Date", "Column 4", "row", "reason"]
    assert rows[1][:5] == ["bo(at)example.com", "'=cmd|' /C calc'!A0", "2025-01-02", "stray", "3"]
    assert rows[1][5].startswith("Email: 'bo(at)example.com' is not a valid e-mail address")


def test_fix_and_reimport_loop(database, tmp_path: Path):
    with database.session() as session:
        set_team_timezone(session, "UTC")
    path = write_csv(
        tmp_path / "loop.csv",
        [
            ["Email", "Company", "Created Date", "Tags"],
            ["ann@example.com", "Acme", "2025-01-01", "vip"],
            ["bo(at)example.com", "Bobco", "2025-01-02", "=1+2"],
            ["cy@example.com", "Cyco", "31/02/2025", ""],
        ],
    )
    fix = tmp_path / "loop.rejected.csv"
    first = run_import(database, path, now=NOW, rejected_target=fix)
    with fix.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][0] = "bo@example.com"
    rows[2][2] = "2025-02-28"
    write_csv(fix, rows)

    second = run_import(database, fix, now=NOW)

    assert (first.created, first.rejected) == (1, 2)
    assert (second.created, second.rejected) == (2, 0)
    leads = {lead.company: lead for lead in all_leads(database)}
    assert set(leads) == {"Acme", "Bobco", "Cyco"}
    assert leads["Bobco"].email == "bo@example.com"
    assert leads["Bobco"].received_at == datetime(2025, 1, 2, tzinfo=timezone.utc)
    assert leads["Bobco"].custom_fields == {"Tags": "=1+2"}
    assert leads["Cyco"].custom_fields == {}


def test_bulk_insert_fills_defaults(database):
    from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table

    from leaddesk.services.importing.bulk import BulkInsert

    probe = Table(
        "bulk_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean, default=False),
        Column("data", JSON, default=dict),
        Column("label", String(20), default="none"),
        Column("required", String(20)),
    )
    probe.create(database.engine)

    with database.session() as session:
        BulkInsert(session, probe, ["id", "required"]).execute([{"id": 1, "required": "a"}, {"id": 2, "required": "b"}])
        rows = session.execute(select(probe).order_by(probe.c.id)).all()

    assert [tuple(row) for row in rows] == [(1, False, {}, "none", "a"), (2, False, {}, "none", "b")]



def test_date_order_sample_contradicted(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services.importing import date_order

    # The first rows fit both orders and the locale is month first, so the sample decides
    # month/day. The later rows only fit day/month, so the whole column decides day first.
    monkeypatch.setattr(date_order, "SAMPLE_ROWS", 2)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    path = write_csv(
        tmp_path / "late.csv",
        [
            ["Email", "Created Date"],
            ["a@example.com", "03/04/2025"],
            ["b@example.com", "05/06/2025"],
            ["c@example.com", "21/02/2025"],
            ["d@example.com", "25/12/2024"],
            ["e@example.com", "30/01/2025"],
        ],
    )

    report = run_import(database, path, now=NOW)

    assert (report.created, report.rejected, report.rows_read) == (5, 0, 5)
    received = {lead.email: lead.received_at for lead in all_leads(database)}
    assert received["a@example.com"] == datetime(2025, 4, 3, tzinfo=timezone.utc)
    assert received["b@example.com"] == datetime(2025, 6, 5, tzinfo=timezone.utc)
    assert received["c@example.com"] == datetime(2025, 2, 21, tzinfo=timezone.utc)
    assert count(database, ImportBatch) == 1
    assert count(database, Activity) == 5


def test_date_order_sample_confirmed(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services.importing import date_order

    # The sample decides day first; a later date that only fits month first is rejected,
    # as a full pass over the column would reject it.
    monkeypatch.setattr(date_order, "SAMPLE_ROWS", 2)
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            ["Email", "Created Date"],
            ["a@example.com", "21/02/2025"],
            ["b@example.com", "22/02/2025"],
            ["c@example.com", "23/02/2025"],
            ["d@example.com", "02/24/2025"],
        ],
    )

    report = run_import(database, path, now=NOW)

    assert (report.created, report.rejected) == (3, 1)
    assert report.rejected_rows[0].row == 5
    assert "does not fit the day/month/year order" in report.rejected_rows[0].reason
    assert any("mixes day/month and month/day dates (3 only fit day first, 1 only fit month first)" in warning
               for warning in report.warnings)


def test_bulk_insert_omits_null_columns(database):
    from sqlalchemy import Column, Integer, MetaData, String, Table, text

    from leaddesk.services.importing.bulk import BulkInsert

    probe = Table(
        "bulk_nulls",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("plain", String(20)),
        Column("defaulted", String(20), server_default=text("'server'")),
    )
    probe.create(database.engine)

    with database.session() as session:
        insert = BulkInsert(session, probe, ["id", "plain", "defaulted"])
        insert.execute([{"id": 1, "plain": None, "defaulted": None}, {"id": 2, "plain": None, "defaulted": None}])
        insert.execute([{"id": 3, "plain": "x", "defaulted": "y"}])
        rows = session.execute(select(probe).order_by(probe.c.id)).all()

    # A column without a server default is left out and stays NULL; one with a default is bound as NULL.
    assert [tuple(row) for row in rows] == [(1, None, None), (2, None, None), (3, "x", "y")]


@pytest.mark.sqlite_only("utc_datetime_text copies the sqlite3 driver's datetime adapter, which only SQLite uses")
def test_utc_datetime_text_matches_column_type(database):
    from leaddesk.services.importing.bulk import utc_datetime_text, _with_driver_adapter

    instants = [
        datetime(2025, 3, 30, 1, 30, tzinfo=timezone.utc),
        datetime(2025, 3, 30, 1, 30, 0, 250, tzinfo=timezone.utc),
        datetime(2025, 10, 26, 2, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(1, 1, 2, tzinfo=timezone(timedelta(hours=-5))),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    ]
    with database.session() as session:
        dialect = session.connection().dialect
    processor = _with_driver_adapter(Lead.__table__.c.received_at.type.bind_processor(dialect))

    for instant in instants:
        assert utc_datetime_text(instant) == processor(instant)
    with pytest.raises(ValueError, match="naive datetime"):
        utc_datetime_text(datetime(2025, 1, 1))


def test_ordered_ids_hex_form(database):
    import uuid

    from leaddesk.services.importing.ids import OrderedIds

    ids = OrderedIds(NOW)
    first = ids.new()
    following = ids.new_hex()

    assert first == uuid.UUID(int=first.int)
    assert hash(first) == hash(uuid.UUID(int=first.int))
    assert first.version == 7
    assert following == uuid.UUID(int=first.int + 1).hex
