"""The work left of a paused or dropped post-import job, as `leaddesk jobs`, the pause message and the window show it."""

from __future__ import annotations

import sys
import threading
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from leaddesk.cli.jobs_cmd import describe_outcome
from leaddesk.cli.main import main
from leaddesk.services import post_import_jobs
from leaddesk.services.database import Database
from leaddesk.services.importing import run_import
from leaddesk.services.post_import_jobs import JobPaused, PostImportJob, pending_jobs, run_post_import_jobs
from leaddesk.ui.post_import_status import PostImportStatus
from leaddesk.ui.tasks import TaskRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_post_import_jobs import NOW, use_routing, write_leads  # noqa: E402


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(post_import_jobs, "STEP_LEADS", 4)
    return 4


def _job(**changes: object) -> PostImportJob:
    job = PostImportJob(batch_id=uuid.UUID(int=1), imported_at=NOW, historical=False, queued_at=NOW)
    return replace(job, **changes)


def test_describe_remaining_cases() -> None:
    cases = [
        (_job(), "not started"),
        (_job(total=100_000, enrich_total=100_000, enriched=50_000), "50,000 leads to enrich, then 100,000 to route and score"),
        (_job(total=100, enrich_total=100, enriched=40, historical=True), "60 leads to enrich, then 100 to score"),
        (_job(total=100, enrich_total=100, enriched=40, done=40, scores_in_enrich=True), "60 leads to go"),
        (_job(total=100, enrich_total=100, enriched=100, done=30, phase="created"), "70 leads to go"),
    ]
    for job, expected in cases:
        assert job.describe_remaining() == expected, job


def _pause_after_first_enrich_step(database: Database, tmp_path: Path) -> None:
    use_routing(database)
    run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    cancel = threading.Event()
    with pytest.raises(JobPaused) as raised:
        run_post_import_jobs(database, progress=lambda _fraction, _message: cancel.set(), cancel=cancel)
    assert "6 leads to enrich, then 10 to route and score" in str(raised.value)


def test_paused_enrich_counts_enriched(db_path: Path, tmp_path: Path, small_steps: int) -> None:
    database = Database.open(db_path)
    try:
        _pause_after_first_enrich_step(database, tmp_path)
        with database.session() as session:
            jobs = pending_jobs(session)
    finally:
        database.dispose()

    assert len(jobs) == 1
    assert jobs[0].unenriched == 6
    assert jobs[0].remaining == 10


def test_jobs_list_shows_enrich_left(
    db_path: Path, tmp_path: Path, small_steps: int, capsys: pytest.CaptureFixture[str]
) -> None:
    database = Database.open(db_path)
    try:
        _pause_after_first_enrich_step(database, tmp_path)
    finally:
        database.dispose()

    assert main(["--db", str(db_path), "jobs", "--list"]) == 0
    output = capsys.readouterr().out
    assert "6 leads to enrich, then 10 to route and score" in output


def test_window_pause_shows_enrich_left(qtbot, db_path: Path, tmp_path: Path, small_steps: int) -> None:
    database = Database.open(db_path)
    runner = TaskRunner(database)
    try:
        use_routing(database)
        run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
        status = PostImportStatus(runner)
        qtbot.addWidget(status)

        def pause_once(fraction: float) -> None:
            if fraction > 0:
                status.progressed.disconnect(pause_once)
                status.pause()

        status.progressed.connect(pause_once)
        with qtbot.waitSignal(status.paused, timeout=30_000):
            status.start()

        assert status.label.text() == "Paused: 6 imported leads still to enrich, then 10 to route and score."
    finally:
        runner.shut_down()
        database.dispose()


def test_outcome_names_dropped_job() -> None:
    dropped = _job(total=100, done=8, phase="done", dropped=True).to_dict()
    completed = _job(total=50, done=50, phase="done").to_dict()

    text = describe_outcome({"status": "done", "leads": 50, "finished": [completed, dropped], "failed": []})

    assert "Enriched, routed and scored 50 imported leads." in text
    assert "Stopped the post-import job of batch 00000000 after 8 leads, because its import was undone or deleted." in text
