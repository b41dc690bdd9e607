"""Undoing imports, the import history, and imports that stop halfway leaving the database as it was."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import Activity, FollowUp, ImportBatch, ImportChange, Lead, Rep
from leaddesk.services.database import Database
from leaddesk.services.importing import ImportCancelled, importer, run_import
from leaddesk.services.importing.history import BatchNotFoundError, list_imports
from leaddesk.services.importing.undo import UndoError, undo_import
from leaddesk.services.lead_actions import mark_contacted

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=1)
UNDO_TIME = NOW + timedelta(days=2)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def lead_by_email(database, email: str) -> Lead:
    with database.session() as session:
        return session.scalars(select(Lead).where(Lead.email_normalized == email)).one()


@pytest.fixture
def base(database, tmp_path: Path):
    """Return the database after a first import of Ann (Acme, Buyer, owner Sam) and Bo."""
    path = write_csv(
        tmp_path / "base.csv",
        [
            ["Email", "Phone", "Company", "Title", "Owner", "Tags"],
            ["ann@example.com", "+1 555 010 2030", "Acme", "Buyer", "Sam", "vip"],
            ["bo@example.com", "", "Bobco", "", "", ""],
        ],
    )
    run_import(database, path, now=NOW)
    return database


@pytest.fixture
def update_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "update.csv",
        [
            ["Email", "Phone", "Company", "Title", "Owner", "Tags", "Budget"],
            ["ann@example.com", "+44 20 7946 0000", "Acme Corp", "CEO", "Lee", "churned", "10k"],
            ["cy@example.com", "", "Cyco", "", "", "", ""],
            ["dee@example.com", "", "Deeco", "", "", "", ""],
        ],
    )


@pytest.fixture
def two_chunk_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file that updates ann@example.com in the first and in the second chunk, with the chunk size set to 2 rows."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    return write_csv(
        tmp_path / "twice.csv",
        [
            ["Email", "Company", "Title"],
            ["ann@example.com", "Acme Corp", ""],
            ["cy@example.com", "Cyco", ""],
            ["ann@example.com", "", "CEO"],
        ],
    )


def test_undo_deletes_created(database, tmp_path: Path):
    path = write_csv(tmp_path / "new.csv", [["Email", "Company"], ["ann@example.com", "Acme"], ["bo@example.com", "Bobco"]])
    report = run_import(database, path, now=NOW)

    undone = undo_import(database, report.batch_id, now=UNDO_TIME, actor="sam")

    assert undone.deleted == 2
    assert undone.kept_leads == []
    assert count(database, Lead) == 0
    assert count(database, Activity) == 0
    with database.session() as session:
        batch = session.scalars(select(ImportBatch)).one()
    assert batch.undone_at == UNDO_TIME
    assert batch.undone_by == "sam"


def test_undo_restores_updated(base, update_file: Path):
    before = lead_by_email(base, "ann@example.com")
    report = run_import(base, update_file, now=LATER)

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    ann = lead_by_email(base, "ann@example.com")
    assert undone.deleted == 2
    assert undone.restored_leads == 1
    assert undone.kept_fields == []
    assert ann.company == "Acme"
    assert ann.title == "Buyer"
    assert ann.phone == "+1 555 010 2030"
    assert ann.phone_normalized == before.phone_normalized
    assert ann.owner_id == before.owner_id
    assert ann.custom_fields == {"Tags": "vip"}
    assert ann.row_version == before.row_version + 2
    assert count(base, Lead) == 2


def test_update_in_two_chunks_bumps_once(base, two_chunk_file: Path):
    before = lead_by_email(base, "ann@example.com")

    report = run_import(base, two_chunk_file, now=LATER)

    ann = lead_by_email(base, "ann@example.com")
    assert report.updated == 2
    assert (ann.company, ann.title) == ("Acme Corp", "CEO")
    assert ann.row_version == before.row_version + 1


def test_undo_after_two_chunk_update(base, two_chunk_file: Path):
    second = run_import(base, two_chunk_file, now=LATER)
    undo_import(base, second.batch_id, now=UNDO_TIME)
    first_id = list_imports(base)[1].id

    undone = undo_import(base, first_id, now=UNDO_TIME)

    # The second import raised Ann's row_version once and its undo once, so nothing else changed her.
    assert undone.kept_leads == []
    assert undone.deleted == 2


def test_undo_restores_response_deadline(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", "Contacted"]])
    run_import(database, first, now=NOW)
    before = lead_by_email(database, "ann@example.com")
    assert before.response_due_at is not None
    report = run_import(database, second, now=LATER)
    assert lead_by_email(database, "ann@example.com").response_due_at is None

    undone = undo_import(database, report.batch_id, now=UNDO_TIME)

    ann = lead_by_email(database, "ann@example.com")
    assert undone.kept_fields == []
    assert ann.stage == "new"
    assert ann.response_due_at == before.response_due_at
    assert ann.response_warn_at == before.response_warn_at


def test_deadline_change_recorded_as_text(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", "Contacted"]])
    run_import(database, first, now=NOW)
    due = lead_by_email(database, "ann@example.com").response_due_at
    report = run_import(database, second, now=LATER)

    with database.session() as session:
        change = session.scalars(
            select(ImportChange)
            .where(ImportChange.batch_id == uuid.UUID(report.batch_id))
            .where(ImportChange.field == "response_due_at")
        ).one()
    assert change.before == due.isoformat()
    assert change.after is None


def test_undo_keeps_deadline_set_since(database, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [["Email", "Name"], ["ann@example.com", "Ann Lee"]])
    second = write_csv(tmp_path / "b.csv", [["Email", "Lead Status"], ["ann@example.com", "Contacted"]])
    run_import(database, first, now=NOW)
    report = run_import(database, second, now=LATER)
    moved = LATER + timedelta(hours=5)
    with database.session() as session:
        session.scalars(select(Lead).where(Lead.email == "ann@example.com")).one().response_due_at = moved

    undone = undo_import(database, report.batch_id, now=UNDO_TIME)

    assert [field.field for field in undone.kept_fields] == ["response_due_at"]
    assert undone.kept_fields[0].current == moved.isoformat()
    assert lead_by_email(database, "ann@example.com").response_due_at == moved


def test_undo_logs_activity(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)

    undo_import(base, report.batch_id, now=UNDO_TIME, actor="sam")

    with base.session() as session:
        activity = session.scalars(select(Activity).where(Activity.kind == "import_undone")).one()
    assert activity.actor == "sam"
    assert "update.csv" in activity.summary
    assert "restored company" in activity.summary


def test_update_records_before_values(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)

    with base.session() as session:
        changes = {
            change.field: (change.before, change.after)
            for change in session.scalars(select(ImportChange).where(ImportChange.batch_id == ImportBatch.id))
        }
    assert report.updated == 1
    assert changes["title"] == ("Buyer", "CEO")
    assert changes["company"] == ("Acme", "Acme Corp")
    assert changes["custom:Budget"] == (None, "10k")
    assert changes["phone_normalized"] == ("15550102030", "442079460000")
    assert set(changes) >= {"owner_id", "custom:Tags", "phone"}


def test_undo_keeps_changed_field(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)
    with base.session() as session:
        session.scalars(select(Lead).where(Lead.email_normalized == "ann@example.com")).one().title = "Chief Executive"

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    ann = lead_by_email(base, "ann@example.com")
    assert ann.title == "Chief Executive"
    assert ann.company == "Acme"
    assert len(undone.kept_fields) == 1
    kept = undone.kept_fields[0]
    assert (kept.field, kept.current, kept.imported, kept.before) == ("title", "Chief Executive", "CEO", "Buyer")
    assert kept.label == "ann@example.com"


def test_undo_keeps_worked_lead(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)
    cy = lead_by_email(base, "cy@example.com")
    with base.session() as session:
        mark_contacted(session, cy.id, LATER, "sam")

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    assert undone.deleted == 1
    assert [lead.lead_id for lead in undone.kept_leads] == [cy.id]
    assert "changed after the import" in undone.kept_leads[0].reason
    assert "activities logged after the import" in undone.kept_leads[0].reason
    assert lead_by_email(base, "cy@example.com").first_contacted_at == LATER
    with base.session() as session:
        emails = set(session.scalars(select(Lead.email_normalized)))
    assert emails == {"ann@example.com", "bo@example.com", "cy@example.com"}


def test_undo_keeps_followed_up_lead(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)
    dee = lead_by_email(base, "dee@example.com")
    with base.session() as session:
        session.add(FollowUp(lead_id=dee.id, due_at=LATER, note="call"))

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    assert [lead.label for lead in undone.kept_leads] == ["dee@example.com"]
    assert "it has follow-ups" in undone.kept_leads[0].reason


def test_undo_twice_rejected(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)
    undo_import(base, report.batch_id, now=UNDO_TIME, actor="sam")

    with pytest.raises(UndoError, match="was undone on 2026-03-04 10:00 UTC by sam; nothing to do"):
        undo_import(base, report.batch_id, now=UNDO_TIME)


def test_undo_by_prefix(base):
    batch_id = list_imports(base)[0].id

    undone = undo_import(base, str(batch_id)[:8], now=UNDO_TIME)

    assert undone.batch_id == str(batch_id)
    assert undone.deleted == 2


@pytest.mark.parametrize(
    ("reference", "message"),
    [("ffffffff", "no import batch has an id starting with 'ffffffff'"), ("12", "invalid batch id '12'"), ("xyzw", "invalid batch id")],
)
def test_undo_unknown_batch(base, reference: str, message: str):
    with pytest.raises(BatchNotFoundError, match=message):
        undo_import(base, reference)


def test_undo_in_reverse_order(base, update_file: Path):
    second = run_import(base, update_file, now=LATER)
    first_id = list_imports(base)[1].id

    undo_import(base, second.batch_id, now=UNDO_TIME)
    undone = undo_import(base, first_id, now=UNDO_TIME)

    # The second import updated Ann, but it was undone, so it is no work after the first one.
    assert undone.kept_leads == []
    assert undone.deleted == 2
    assert count(base, Lead) == 0


def test_undo_keeps_lead_of_live_import(base, update_file: Path):
    run_import(base, update_file, now=LATER)
    first_id = list_imports(base)[1].id

    undone = undo_import(base, first_id, now=UNDO_TIME)

    assert [lead.label for lead in undone.kept_leads] == ["ann@example.com"]
    assert undone.kept_leads[0].reason.startswith("it was changed after the import; delete it")
    assert undone.deleted == 1


def test_undo_keeps_edit_after_undone_import(base, update_file: Path):
    second = run_import(base, update_file, now=LATER)
    first_id = list_imports(base)[1].id
    undo_import(base, second.batch_id, now=UNDO_TIME)
    with base.session() as session:
        session.scalars(select(Lead).where(Lead.email_normalized == "ann@example.com")).one().title = "Chief Buyer"

    undone = undo_import(base, first_id, now=UNDO_TIME)

    assert [lead.label for lead in undone.kept_leads] == ["ann@example.com"]
    assert undone.kept_leads[0].reason.startswith("it was changed after the import")
    assert lead_by_email(base, "ann@example.com").title == "Chief Buyer"
    assert undone.deleted == 1


def test_undo_ignores_two_undone_imports(base, update_file: Path, tmp_path: Path):
    third_file = write_csv(tmp_path / "third.csv", [["Email", "Title"], ["ann@example.com", "Owner"]])
    second = run_import(base, update_file, now=LATER)
    third = run_import(base, third_file, now=LATER + timedelta(hours=1))
    first_id = list_imports(base)[2].id
    undo_import(base, third.batch_id, now=UNDO_TIME)
    undo_import(base, second.batch_id, now=UNDO_TIME)
    assert lead_by_email(base, "ann@example.com").row_version == 5

    undone = undo_import(base, first_id, now=UNDO_TIME)

    assert undone.kept_leads == []
    assert undone.deleted == 2


def test_history_lists_counts(base, update_file: Path):
    report = run_import(base, update_file, now=LATER, actor="lee")
    undo_import(base, report.batch_id, now=UNDO_TIME, actor="sam")

    history = list_imports(base)

    assert [Path(item.file_name).name for item in history] == ["update.csv", "base.csv"]
    latest = history[0]
    assert (latest.created, latest.updated, latest.skipped, latest.rejected) == (2, 1, 0, 0)
    assert latest.imported_by == "lee"
    assert latest.undone_at == UNDO_TIME
    assert latest.on_match == "update"
    assert history[1].undone_at is None
    assert latest.to_dict()["undone_at"] == UNDO_TIME.isoformat()


def test_undone_file_not_warned(database, tmp_path: Path):
    path = write_csv(tmp_path / "once.csv", [["Email"], ["ann@example.com"]])
    first = run_import(database, path, now=NOW)
    undo_import(database, first.batch_id, now=UNDO_TIME)

    again = run_import(database, path, now=UNDO_TIME)

    assert again.created == 1
    assert not any("imported before" in warning for warning in again.warnings)


def rep_names(database) -> list[str]:
    with database.session() as session:
        return sorted(session.scalars(select(Rep.name)))


def test_undo_deletes_created_reps(database, tmp_path: Path):
    path = write_csv(tmp_path / "owners.csv", [["Email", "Owner"], ["ann@example.com", "Sam"], ["bo@example.com", "Lee"]])
    report = run_import(database, path, now=NOW)
    assert rep_names(database) == ["Lee", "Sam"]

    undone = undo_import(database, report.batch_id, now=UNDO_TIME)

    assert undone.deleted_reps == ["Lee", "Sam"]
    assert rep_names(database) == []


def test_undo_keeps_rep_in_use(database, tmp_path: Path):
    path = write_csv(tmp_path / "owners.csv", [["Email", "Owner"], ["ann@example.com", "Sam"], ["bo@example.com", "Lee"]])
    report = run_import(database, path, now=NOW)
    bo = lead_by_email(database, "bo@example.com")
    with database.session() as session:
        mark_contacted(session, bo.id, LATER, "sam")

    undone = undo_import(database, report.batch_id, now=UNDO_TIME)

    assert [lead.label for lead in undone.kept_leads] == ["bo@example.com"]
    assert undone.deleted_reps == ["Sam"]
    assert rep_names(database) == ["Lee"]


def test_undo_keeps_rep_of_follow_up(database, tmp_path: Path):
    path = write_csv(tmp_path / "owners.csv", [["Email", "Owner"], ["ann@example.com", "Sam"]])
    report = run_import(database, path, now=NOW)
    other = write_csv(tmp_path / "other.csv", [["Email"], ["cy@example.com"]])
    run_import(database, other, now=LATER)
    with database.session() as session:
        sam = session.scalars(select(Rep).where(Rep.name == "Sam")).one()
        cy = session.scalars(select(Lead).where(Lead.email_normalized == "cy@example.com")).one()
        session.add(FollowUp(lead_id=cy.id, due_at=LATER, note="call", owner_id=sam.id))

    undone = undo_import(database, report.batch_id, now=UNDO_TIME)

    assert undone.deleted == 1
    assert undone.deleted_reps == []
    assert rep_names(database) == ["Sam"]


def test_undo_keeps_earlier_and_completed_reps(base, tmp_path: Path):
    path = write_csv(
        tmp_path / "owners.csv",
        [["Email", "Owner"], ["cy@example.com", "Sam"], ["dee@example.com", "Kim"], ["eve@example.com", "Max"]],
    )
    report = run_import(base, path, now=LATER)
    with base.session() as session:
        session.scalars(select(Rep).where(Rep.name == "Kim")).one().email = "kim@example.com"

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    # Sam came from the first import and still owns Ann; Kim got an e-mail address since.
    assert undone.deleted_reps == ["Max"]
    assert rep_names(base) == ["Kim", "Sam"]


def test_undo_restores_owner_and_deletes_rep(base, update_file: Path):
    report = run_import(base, update_file, now=LATER)
    assert rep_names(base) == ["Lee", "Sam"]

    undone = undo_import(base, report.batch_id, now=UNDO_TIME)

    assert undone.deleted_reps == ["Lee"]
    assert rep_names(base) == ["Sam"]
    with base.session() as session:
        ann = session.scalars(select(Lead).where(Lead.email_normalized == "ann@example.com")).one()
        assert ann.owner.name == "Sam"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.sqlite_only("it compares the SQLite file's bytes before and after")
def test_cancel_leaves_database(base, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0)
    rows = [["Email", "Company", "Created Date"]] + [[f"lead{index}@example.com", "Acme", "2026-03-01"] for index in range(45)]
    rows.append(["ann@example.com", "Acme Corp", "not a date"])
    path = write_csv(tmp_path / "many.csv", rows)
    counts = {model: count(base, model) for model in (Lead, Activity, ImportBatch, ImportChange, Rep)}
    base.dispose()
    digest = file_digest(db_path)
    cancel = threading.Event()
    chunks: list[str] = []

    def progress(fraction: float, message: str) -> None:
        # The second report comes after the second chunk was written, at a chunk boundary.
        if message.endswith("rows read"):
            chunks.append(message)
            if len(chunks) == 2:
                cancel.set()

    with pytest.raises(ImportCancelled):
        run_import(base, path, now=LATER, progress=progress, cancel=cancel)

    base.dispose()
    assert chunks == ["10 rows read", "20 rows read"]
    assert file_digest(db_path) == digest
    assert {model: count(base, model) for model in counts} == counts
    assert not (tmp_path / "many.csv.rejected.csv").exists()


@pytest.mark.sqlite_only("it compares the SQLite file's bytes before and after")
def test_crash_leaves_database(base, db_path: Path, tmp_path: Path):
    rows = [["Email", "Company"]] + [[f"lead{index}@example.com", "Acme"] for index in range(2500)]
    path = write_csv(tmp_path / "big.csv", rows)
    before = count(base, Lead)
    base.dispose()
    digest = file_digest(db_path)
    # The child process dies without any clean-up once its second chunk is written.
    script = (
        "import os, sys\n"
        "from leaddesk.services.database import Database\n"
        "from leaddesk.services.importing import importer, run_import\n"
        "importer.PROGRESS_INTERVAL_SECONDS = 0\n"
        "calls = []\n"
        "def progress(fraction, message):\n"
        "    calls.append(message)\n"
        "    if message == '2,000 rows read':\n"
        "        os._exit(3)\n"
        "run_import(Database.open(sys.argv[1]), sys.argv[2], progress=progress)\n"
    )

    result = subprocess.run([sys.executable, "-c", script, str(db_path), str(path)], capture_output=True, text=True)

    assert result.returncode == 3, result.stderr
    assert Path(f"{db_path}-journal").exists()
    reopened = Database.open(db_path)
    assert count(reopened, Lead) == before
    with reopened.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    reopened.dispose()
    assert file_digest(db_path) == digest
