"""Escalation in bounded chunks, and leads of a pending post-import job left to the job's routing."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from leaddesk.models import Activity, Lead, Rep
from leaddesk.services import escalation_schedule
from leaddesk.services.database import Database
from leaddesk.services.escalation_schedule import HELD_RECHECK, RUN_BATCH_LEADS, run_due_escalation_chunk, run_due_escalations
from leaddesk.services.importing.importer import run_import
from leaddesk.services.importing.undo import undo_import
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.playbook import load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.post_import_jobs import PostImportRunner, pending_jobs, run_post_import_jobs
from leaddesk.ui.reminder_timer import ReminderTimer
from leaddesk.ui.tasks import TaskRunner

# The shipped outbound-reply ladder alerts the team lead at the 30-minute breach and
# reassigns after 1 hour, both around the clock.
RECEIVED = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
AFTER_LADDER = RECEIVED + timedelta(hours=1, minutes=10)
REPS = ("Ana", "Ben", "Cy")

TEAM = """
[routing]
assign_new_leads = true

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben", "Cy"]

[team]
lead = "Tess"
"""


@pytest.fixture
def team(database):
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        set_team_timezone(session, "UTC")
        save_playbook_text(session, head + TEAM)
        session.add_all([Rep(name=name) for name in (*REPS, "Tess")])
    return database


def _import(database, tmp_path, count: int, prefix: str) -> uuid.UUID:
    """Import count outbound replies received at RECEIVED and return the batch id; the post-import job stays queued."""
    path = tmp_path / f"{prefix}.csv"
    rows = [f"{prefix}{index},{prefix}{index}@initech{index}.com,Replied to outbound" for index in range(count)]
    path.write_text("first_name,email,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = run_import(database, path, now=RECEIVED)
    return uuid.UUID(report.batch_id)


def _owners(database, batch_id: uuid.UUID) -> dict[str, str | None]:
    with database.session() as session:
        statement = select(Lead.email, Rep.name).outerjoin(Rep, Rep.id == Lead.owner_id).where(Lead.import_batch_id == batch_id)
        return dict(session.execute(statement).all())


def _escalation_count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Activity).where(Activity.kind == "escalation"))


def test_chunk_bounded_by_max_leads(team, tmp_path):
    _import(team, tmp_path, 60, "a")
    run_post_import_jobs(team)

    chunks = []
    with team.session() as session:
        playbook = load_playbook(session)
        while True:
            chunk = run_due_escalation_chunk(session, playbook, AFTER_LADDER, max_leads=25, max_seconds=float("inf"))
            chunks.append(chunk)
            if not chunk.more_due:
                break
            assert len(chunks) < 10, "chunks never ran out"

    assert [len({event.lead_id for event in chunk.events}) for chunk in chunks] == [25, 25, 10]
    # Each lead ran both steps of its ladder: the breach alert and the reassignment.
    assert [len(chunk.events) for chunk in chunks] == [50, 50, 20]
    assert chunks[-1].next_at is None
    assert _escalation_count(team) == 120


def test_chunk_stops_after_time_budget(team, tmp_path):
    _import(team, tmp_path, 60, "a")
    run_post_import_jobs(team)

    with team.session() as session:
        chunk = run_due_escalation_chunk(session, load_playbook(session), AFTER_LADDER, max_leads=60, max_seconds=0)

    # A spent budget still runs one batch, so every chunk makes progress.
    assert len({event.lead_id for event in chunk.events}) == RUN_BATCH_LEADS
    assert chunk.more_due


def test_pending_job_defers_imported_leads(team, tmp_path):
    batch_id = _import(team, tmp_path, 30, "p")

    with team.session() as session:
        events, next_at = run_due_escalations(session, load_playbook(session), AFTER_LADDER)

    assert events == []
    assert next_at == AFTER_LADDER + HELD_RECHECK
    assert _escalation_count(team) == 0
    assert set(_owners(team, batch_id).values()) == {None}


@pytest.mark.sqlite_only("copies the SQLite file to run the job a second way")
def test_window_and_jobs_same_owners(team, tmp_path, db_path):
    batch_id = _import(team, tmp_path, 30, "p")
    copy_path = tmp_path / "jobs_only.sqlite"
    shutil.copy(db_path, copy_path)

    # The window's order: an escalation check first, then the job.
    with team.session() as session:
        run_due_escalations(session, load_playbook(session), AFTER_LADDER)
    run_post_import_jobs(team)

    # `leaddesk jobs` runs the job alone.
    jobs_only = Database.open(copy_path)
    try:
        run_post_import_jobs(jobs_only)
        expected = _owners(jobs_only, batch_id)
    finally:
        jobs_only.dispose()

    owners = _owners(team, batch_id)
    assert owners == expected
    assert set(owners.values()) == set(REPS)


def test_finished_job_releases_leads(team, tmp_path):
    batch_id = _import(team, tmp_path, 30, "p")
    run_post_import_jobs(team)
    routed = _owners(team, batch_id)

    with team.session() as session:
        events, _ = run_due_escalations(session, load_playbook(session), AFTER_LADDER)

    assert len(events) == 60
    reassigned = _owners(team, batch_id)
    assert all(reassigned[email] != routed[email] for email in routed)


def test_undo_and_job_run_between_chunks(qtbot, team, tmp_path, monkeypatch):
    """With many overdue leads, a post-import step and an undo queued during escalation finish before it."""
    _import(team, tmp_path, 120, "a")
    run_post_import_jobs(team)
    pending_batch = _import(team, tmp_path, 40, "p")
    undone_batch = _import(team, tmp_path, 10, "u")
    monkeypatch.setattr(escalation_schedule, "MAX_CHUNK_LEADS", 20)

    runner = TaskRunner(team)
    timer = ReminderTimer(runner, RecordingNotifier(), "ana", lambda: AFTER_LADDER, zone_name=lambda: "UTC", resume_bus=None)
    order: list[str] = []
    undo_reports = []
    timer.checked.connect(lambda _result: order.append("checked"))
    jobs = PostImportRunner(team)
    try:
        with qtbot.waitSignal(timer.checked, timeout=60_000):
            timer.check_now()
            runner.job(lambda _database: jobs.step(pending_batch), on_success=lambda _job: order.append("job step"))
            runner.job(lambda database: undo_import(database, undone_batch), on_success=lambda report: (undo_reports.append(report), order.append("undo")))
        runner.wait()
    finally:
        timer.stop()
        runner.wait()

    assert order.index("job step") < order.index("checked")
    assert order.index("undo") < order.index("checked")
    assert undo_reports[0].deleted == 10
    # 120 settled leads ran two steps each, and the leads of the pending import none.
    assert _escalation_count(team) == 240
    with team.session() as session:
        assert pending_batch in [job.batch_id for job in pending_jobs(session)]
