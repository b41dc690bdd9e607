"""The post-import job: queued by an import, resumed after a crash or a pause, and equal to the one-pass path."""

from __future__ import annotations

import csv
import json
import random
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from leaddesk.cli.main import main
from leaddesk.models import Lead, LeadEvaluation, Rep
from leaddesk.services import post_import_jobs
from leaddesk.services.database import Database
from leaddesk.services.derived import refresh_after_import_commit, refresh_derived
from leaddesk.services.import_playbook import apply_after_import_commit
from leaddesk.services.importing import run_import
from leaddesk.services.inbox import InboxQuery, list_lead_ids
from leaddesk.services.playbook import set_team_timezone
from leaddesk.services.post_import_jobs import (
    JobPaused,
    PostImportRunner,
    pending_job,
    pending_jobs,
    progress_message,
    run_post_import_jobs,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from routing_pool import ROUTING_RULES, add_routing_rules  # noqa: E402

# Wednesday 2026-12-09 12:00 UTC, inside the UTC team calendar's 09:00-18:00.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)

# The benchmark's round-robin rule over Ana, Ben and Cy, with a capacity for Ana.
ROUTING = ROUTING_RULES + """
[reps.Ana]
capacity = 40
"""

HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "Job Title", "Employees", "Lead Source", "Country", "Create Date"]
TITLES = ["VP Sales", "Founder & CEO", "Analyst", "Head of Growth", "Sr. Software Engineer", "", "Buyer", "CFO"]
SOURCES = ["Demo request", "Website form", "Partner referral", ""]
PHONES = ["+44 20 7946 {n:04d}", "030 1234{n:04d}", "+1 415 555 {n:04d}", "06 12 34 {a:02d} {b:02d}", ""]
COUNTRIES = ["UK", "Germany", "", "France", ""]


def write_leads(path: Path, count: int, seed: int = 7) -> Path:
    """Write count varied lead rows: titles, sizes, free-mail and company addresses, phones of four countries."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(count):
            place = rng.randrange(len(PHONES))
            number = rng.randrange(10_000)
            phone = PHONES[place].format(n=number, a=number // 100, b=number % 100)
            domain = "gmail.com" if rng.random() < 0.3 else f"company{index % 37}.example"
            received = NOW - timedelta(minutes=rng.randrange(0, 600))
            writer.writerow(
                [
                    f"First{index}", f"Last{index % 50}", f"person{index}@{domain}", phone, f"Company {index % 37}",
                    rng.choice(TITLES), rng.choice(["", "12", "85", "600", "5000"]), rng.choice(SOURCES),
                    COUNTRIES[place], received.strftime("%Y-%m-%d %H:%M"),
                ]
            )
    return path


def use_routing(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "UTC")
    add_routing_rules(database, ROUTING)


def lead_results(database: Database) -> dict[str, tuple]:
    """Return per e-mail what the work after an import sets: derived values, match keys, owner and evaluation."""
    with database.session() as session:
        statement = (
            select(Lead, LeadEvaluation, Rep.name)
            .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
            .outerjoin(Rep, Rep.id == Lead.owner_id)
        )
        results = {}
        for lead, evaluation, owner in session.execute(statement):
            results[lead.email] = (
                lead.seniority, lead.department, lead.derived_country, lead.derived_timezone, lead.is_free_mail,
                lead.completeness, lead.match_phone, lead.match_email, lead.match_company, owner,
                None if evaluation is None else (
                    evaluation.qualification, json.dumps(evaluation.qualification_reasons), evaluation.fit_points,
                    evaluation.score_total, evaluation.grade, json.dumps(evaluation.score_parts), evaluation.evaluated_at,
                ),
            )
        return results


def evaluated_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(LeadEvaluation))


def stale_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Lead).where(Lead.derived_version.is_(None)))


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(post_import_jobs, "STEP_LEADS", 4)
    return 4


def test_import_queues_job(database: Database, tmp_path: Path) -> None:
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)

    assert report.created == 10
    with database.session() as session:
        jobs = pending_jobs(session)
        assert [job.batch_id for job in jobs] == [uuid.UUID(report.batch_id)]
        assert jobs[0].imported_at == NOW
        assert jobs[0].total is None
        # Leads wait for the job without scores, but they are in the inbox with their response deadline.
        assert len(list_lead_ids(session, InboxQuery(now=NOW))) == 10
        deadlines = session.scalars(select(Lead.response_due_at)).all()
    assert None not in deadlines
    assert evaluated_count(database) == 0
    assert stale_count(database) == 10


def test_dry_run_queues_nothing(database: Database, tmp_path: Path) -> None:
    run_import(database, write_leads(tmp_path / "leads.csv", 3), now=NOW, dry_run=True)

    with database.session() as session:
        assert pending_jobs(session) == []


@pytest.mark.parametrize(
    ("routing", "percents"),
    [
        # Each step enriches and scores 4, 4 and 2 leads. The last step finds the later phases empty.
        (False, ["40%", "80%", "100%", "100%"]),
        # Three enrich steps count half the work, then three route-and-score steps.
        (True, ["20%", "40%", "50%", "70%", "90%", "100%", "100%"]),
    ],
)
def test_job_completes_and_is_removed(
    database: Database, tmp_path: Path, small_steps: int, routing: bool, percents: list[str]
) -> None:
    if routing:
        use_routing(database)
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    messages = []

    run = run_post_import_jobs(database, progress=lambda fraction, message: messages.append(message))

    assert [job.done for job in run.finished] == [10]
    assert [job.evaluated for job in run.finished] == [10]
    assert [job.routed for job in run.finished] == [10 if routing else 0]
    assert run.failed == []
    assert evaluated_count(database) == 10
    assert stale_count(database) == 0
    assert [message.rsplit(" ", 1)[1] for message in messages] == percents
    assert messages[0] == f"Enriching and scoring 10 imported leads: {percents[0]}"
    with database.session() as session:
        assert pending_job(session, uuid.UUID(report.batch_id)) is None


def steps_until(runner: PostImportRunner, batch_id: uuid.UUID, phase: str, done: int) -> None:
    """Run steps until the job reaches phase with done leads finished."""
    for _ in range(100):
        job = runner.step(batch_id)
        assert job is not None
        if job.phase == phase and job.done == done:
            return
    raise AssertionError(f"the job never reached phase {phase} with {done} leads done")


def step_with_crash(runner: PostImportRunner, batch_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one step that raises right after evaluate_in_bulk wrote its rows, as a crash there would."""
    original = post_import_jobs.evaluate_in_bulk

    def crash(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(post_import_jobs, "evaluate_in_bulk", crash)
    with pytest.raises(RuntimeError):
        runner.step(batch_id)
    monkeypatch.setattr(post_import_jobs, "evaluate_in_bulk", original)


def test_job_resumes_after_enrich_crash(db_path: Path, tmp_path: Path, small_steps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database.open(db_path)
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    batch_id = uuid.UUID(report.batch_id)
    runner = PostImportRunner(database)
    runner.step(batch_id)

    # The second step dies after it wrote evaluations, so its transaction is rolled back.
    step_with_crash(runner, batch_id, monkeypatch)
    database.dispose()

    reopened = Database.open(db_path)
    try:
        with reopened.session() as session:
            job = pending_job(session, batch_id)
        assert job is not None
        assert job.phase == "enrich"
        assert job.scores_in_enrich
        assert job.enriched == 4
        assert job.done == 4
        assert job.error == "simulated crash"
        assert stale_count(reopened) == 6
        assert evaluated_count(reopened) == 4

        run = run_post_import_jobs(reopened)

        assert [job.done for job in run.finished] == [10]
        assert [job.enriched for job in run.finished] == [10]
        assert evaluated_count(reopened) == 10
        assert stale_count(reopened) == 0
        with reopened.session() as session:
            assert pending_jobs(session) == []
    finally:
        reopened.dispose()


def test_job_resumes_after_created_crash(db_path: Path, tmp_path: Path, small_steps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database.open(db_path)
    use_routing(database)
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    batch_id = uuid.UUID(report.batch_id)
    runner = PostImportRunner(database)
    steps_until(runner, batch_id, "created", 4)

    # The next step dies after it wrote evaluations, so its transaction is rolled back.
    step_with_crash(runner, batch_id, monkeypatch)
    database.dispose()

    reopened = Database.open(db_path)
    try:
        with reopened.session() as session:
            job = pending_job(session, batch_id)
            owned = session.scalar(select(func.count()).select_from(Lead).where(Lead.owner_id.is_not(None)))
        assert job is not None
        assert job.phase == "created"
        assert job.done == 4
        assert job.routed == 4
        assert job.error == "simulated crash"
        assert owned == 4
        assert evaluated_count(reopened) == 4
        assert stale_count(reopened) == 0

        run = run_post_import_jobs(reopened)

        assert [job.done for job in run.finished] == [10]
        assert [job.routed for job in run.finished] == [10]
        assert evaluated_count(reopened) == 10
        with reopened.session() as session:
            assert pending_jobs(session) == []
    finally:
        reopened.dispose()


@pytest.mark.parametrize(
    ("routing", "pause_at", "enriched", "done", "stale"),
    [
        # After the first step, which enriches and scores 4 leads.
        (False, 0.4, 4, 4, 6),
        # After the first enrich step.
        (True, 0.2, 4, 0, 6),
        # After the first route-and-score step.
        (True, 0.7, 10, 4, 0),
    ],
)
def test_cancel_pauses_then_resumes(
    database: Database, tmp_path: Path, small_steps: int, routing: bool, pause_at: float, enriched: int, done: int, stale: int
) -> None:
    if routing:
        use_routing(database)
    run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    cancel = threading.Event()

    def pause(fraction: float, _message: str) -> None:
        if fraction >= pause_at:
            cancel.set()

    with pytest.raises(JobPaused):
        run_post_import_jobs(database, progress=pause, cancel=cancel)

    with database.session() as session:
        jobs = pending_jobs(session)
    assert len(jobs) == 1
    assert jobs[0].enriched == enriched
    assert jobs[0].done == done
    assert jobs[0].remaining == 10 - done
    assert evaluated_count(database) == done
    assert stale_count(database) == stale

    run = run_post_import_jobs(database)
    assert [job.done for job in run.finished] == [10]
    assert evaluated_count(database) == 10
    assert stale_count(database) == 0


@pytest.mark.sqlite_only("it reads SQLite's rowid, the storage order")
def test_enrich_step_takes_storage_order(database: Database, tmp_path: Path, small_steps: int) -> None:
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    with database.session() as session:
        by_rowid = session.scalars(select(Lead.email).order_by(text("leads.rowid"))).all()
        by_received = session.scalars(select(Lead.email).order_by(Lead.received_at, Lead.id)).all()
    # Otherwise the check below could not tell storage order from routing order.
    assert by_rowid[:4] != by_received[:4]

    PostImportRunner(database).step(uuid.UUID(report.batch_id))

    with database.session() as session:
        enriched = set(session.scalars(select(Lead.email).where(Lead.derived_version.is_not(None))))
    assert enriched == set(by_rowid[:4])


def test_edited_lead_sends_job_to_created_phase(database: Database, tmp_path: Path, small_steps: int) -> None:
    report = run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    batch_id = uuid.UUID(report.batch_id)
    runner = PostImportRunner(database)
    runner.step(batch_id)

    # An edit refreshes a lead's derived values, so the enrich phase no longer finds it.
    with database.session() as session:
        edited = session.scalars(select(Lead.id).where(Lead.derived_version.is_(None)).limit(1)).one()
        refresh_derived(session, [edited], now=NOW + timedelta(minutes=5))

    run = run_post_import_jobs(database)

    assert run.failed == []
    assert [job.done for job in run.finished] == [10]
    assert [job.evaluated for job in run.finished] == [10]
    with database.session() as session:
        evaluated_at = session.scalar(select(LeadEvaluation.evaluated_at).where(LeadEvaluation.lead_id == edited))
    assert evaluated_at == NOW
    assert evaluated_count(database) == 10


def test_routing_turned_on_during_enrich(tmp_path: Path, small_steps: int) -> None:
    source = write_leads(tmp_path / "leads.csv", 10)
    one_pass = Database.open(tmp_path / "one_pass.sqlite")
    job = Database.open(tmp_path / "job.sqlite")
    try:
        use_routing(one_pass)
        report = run_import(one_pass, source, now=NOW)
        refresh_after_import_commit(one_pass, report)
        apply_after_import_commit(one_pass, report, NOW)

        with job.session() as session:
            set_team_timezone(session, "UTC")
        batch_id = uuid.UUID(run_import(job, source, now=NOW).batch_id)
        PostImportRunner(job).step(batch_id)
        add_routing_rules(job, ROUTING)
        run = run_post_import_jobs(job)

        assert run.failed == []
        assert [finished.done for finished in run.finished] == [10]
        assert [finished.routed for finished in run.finished] == [10]
        expected, actual = lead_results(one_pass), lead_results(job)
    finally:
        one_pass.dispose()
        job.dispose()

    assert actual.keys() == expected.keys()
    differing = [email for email in expected if expected[email] != actual[email]]
    assert differing == []


def test_undone_import_drops_job(database: Database, tmp_path: Path) -> None:
    from leaddesk.services.importing.undo import undo_import

    report = run_import(database, write_leads(tmp_path / "leads.csv", 5), now=NOW)
    undo_import(database, report.batch_id)

    run = run_post_import_jobs(database)

    assert run.failed == []
    with database.session() as session:
        assert pending_jobs(session) == []
    assert evaluated_count(database) == 0


@pytest.mark.parametrize("routing", [True, False])
def test_job_equals_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routing: bool) -> None:
    # Steps of one routing chunk (900 leads) over 2,000 leads: three steps, the last one short.
    monkeypatch.setattr(post_import_jobs, "STEP_LEADS", 900)
    source = write_leads(tmp_path / "leads.csv", 2000)
    update = write_leads(tmp_path / "update.csv", 300, seed=8)

    one_pass = Database.open(tmp_path / "one_pass.sqlite")
    job = Database.open(tmp_path / "job.sqlite")
    try:
        for database in (one_pass, job):
            if routing:
                use_routing(database)
        for path, now in ((source, NOW), (update, NOW + timedelta(hours=1))):
            report = run_import(one_pass, path, now=now)
            refresh_after_import_commit(one_pass, report)
            apply_after_import_commit(one_pass, report, now)
            run_import(job, path, now=now)
            run = run_post_import_jobs(job)
            assert run.failed == []
        expected, actual = lead_results(one_pass), lead_results(job)
    finally:
        one_pass.dispose()
        job.dispose()

    assert len(actual) >= 2000
    assert actual.keys() == expected.keys()
    differing = [email for email in expected if expected[email] != actual[email]]
    assert differing == []
    owners = {values[9] for values in actual.values()}
    assert owners == ({"Ana", "Ben", "Cy"} if routing else {None})


def store_as_older_job(database: Database, batch_id: str) -> None:
    """Rewrite a queued job as LeadDesk stored it before the enrich phase: created first, no enrich counts."""
    from leaddesk.models import Setting

    with database.session() as session:
        setting = session.get(Setting, post_import_jobs.JOB_KEY_PREFIX + uuid.UUID(batch_id).hex)
        data = json.loads(setting.value)
        del data["enriched"], data["enrich_total"]
        setting.value = json.dumps({**data, "phase": "created"})


def test_older_job_equals_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_import_jobs, "STEP_LEADS", 900)
    source = write_leads(tmp_path / "leads.csv", 2000)

    one_pass = Database.open(tmp_path / "one_pass.sqlite")
    job = Database.open(tmp_path / "job.sqlite")
    try:
        for database in (one_pass, job):
            use_routing(database)
        report = run_import(one_pass, source, now=NOW)
        refresh_after_import_commit(one_pass, report)
        apply_after_import_commit(one_pass, report, NOW)
        store_as_older_job(job, run_import(job, source, now=NOW).batch_id)
        fractions = []

        run = run_post_import_jobs(job, progress=lambda fraction, _message: fractions.append(fraction))

        assert run.failed == []
        assert [finished.enriched for finished in run.finished] == [0]
        assert fractions[-1] == 1.0
        expected, actual = lead_results(one_pass), lead_results(job)
    finally:
        one_pass.dispose()
        job.dispose()

    assert len(actual) == 2000
    differing = [email for email in expected if expected[email] != actual[email]]
    assert differing == []


def test_progress_message_counts() -> None:
    assert progress_message(100_000, 0.42) == "Enriching and scoring 100,000 imported leads: 42%"
    assert progress_message(1, 1.0) == "Enriching and scoring 1 imported lead: 100%"


def test_cli_no_wait_then_jobs(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_leads(tmp_path / "leads.csv", 6)

    assert main(["--db", str(db_path), "import", str(source), "--no-wait", "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["created"] == 6
    assert imported["post_import"]["status"] == "queued"

    assert main(["--db", str(db_path), "jobs", "--list"]) == 0
    listed = capsys.readouterr().out
    assert f"batch {uuid.UUID(imported['batch_id']).hex[:8]}" in listed
    assert "not started" in listed

    assert main(["--db", str(db_path), "jobs", "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert ran["status"] == "done"
    assert ran["leads"] == 6

    assert main(["--db", str(db_path), "jobs", "--json", "--list"]) == 0
    assert json.loads(capsys.readouterr().out)["pending"] == []
    database = Database.open(db_path)
    try:
        assert evaluated_count(database) == 6
    finally:
        database.dispose()


def test_cli_import_waits_for_job(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_leads(tmp_path / "leads.csv", 6)

    assert main(["--db", str(db_path), "import", str(source)]) == 0

    output = capsys.readouterr().out
    assert output.index("6 created") < output.index("Enriched, routed and scored 6 imported leads.")
    database = Database.open(db_path)
    try:
        assert evaluated_count(database) == 6
        with database.session() as session:
            assert pending_jobs(session) == []
    finally:
        database.dispose()


def test_job_runs_on_each_backend(any_database: Database, tmp_path: Path, small_steps: int) -> None:
    report = run_import(any_database, write_leads(tmp_path / "leads.csv", 10), now=NOW)

    run = run_post_import_jobs(any_database)

    assert run.failed == []
    assert [job.done for job in run.finished] == [10]
    assert evaluated_count(any_database) == 10
    assert stale_count(any_database) == 0
    with any_database.session() as session:
        assert pending_job(session, uuid.UUID(report.batch_id)) is None
