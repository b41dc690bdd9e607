"""`leaddesk imports undo` while `leaddesk jobs` runs on the same SQLite file, in two real processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.cli.main import main
from leaddesk.models import ImportBatch, Lead
from leaddesk.services.database import Database
from leaddesk.services.importing import run_import
from leaddesk.services.post_import_jobs import pending_jobs
from leaddesk.services.write_requests import request_path, wait_for_write_requests, write_request

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_post_import_jobs import NOW, write_leads  # noqa: E402

# Runs the queued jobs with steps of 4 leads that hold the write lock for at least 0.3 s each,
# like the steps of a 100,000-lead import, and prints a line after each step.
_SLOW_JOB = """
import sys, time
from pathlib import Path
from leaddesk.services import post_import_jobs
from leaddesk.services.database import Database

post_import_jobs.STEP_LEADS = 4
refresh = post_import_jobs.refresh_stored_ids

def slow_refresh(session, hex_ids):
    refresh(session, hex_ids)
    time.sleep(0.3)

post_import_jobs.refresh_stored_ids = slow_refresh
database = Database.open(Path(sys.argv[1]))
run = post_import_jobs.run_post_import_jobs(database, progress=lambda _fraction, _message: print("step", flush=True))
print("finished", *(f"{job.done}:{job.dropped}" for job in run.finished), flush=True)
"""


def _imported(db_path: Path, tmp_path: Path, count: int) -> str:
    database = Database.open(db_path)
    try:
        run_import(database, write_leads(tmp_path / "leads.csv", count), now=NOW)
        with database.session() as session:
            return str(session.scalars(select(ImportBatch.id)).one())
    finally:
        database.dispose()


def test_undo_gets_in_between_steps(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = _imported(db_path, tmp_path, 200)
    job = subprocess.Popen(
        [sys.executable, "-c", _SLOW_JOB, str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert job.stdout is not None
        assert job.stdout.readline().strip() == "step"

        started = time.perf_counter()
        code = main(["--db", str(db_path), "imports", "undo", batch])
        undo_seconds = time.perf_counter() - started

        output, errors = job.communicate(timeout=60)
    finally:
        job.kill()
        job.wait(timeout=10)

    assert code == 0, capsys.readouterr().err
    # Without write requests the undo got the lock only after the job's last step (about 15 s),
    # or failed with "database is locked" after its 10 s busy timeout.
    assert undo_seconds < 5
    assert job.returncode == 0, errors
    # The job dropped the undone batch at its next step, long before all 200 leads were done.
    finished, result = output.splitlines()[-1].split()
    done, dropped = result.split(":")
    assert finished == "finished"
    assert int(done) < 200
    assert dropped == "True"

    database = Database.open(db_path)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 0
            assert pending_jobs(session) == []
    finally:
        database.dispose()


def _hold_request(db_path: Path, *, seconds: float) -> subprocess.Popen:
    """Start a process that holds the database's write request for seconds, printing "held" once it has it."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from leaddesk.services.write_requests import write_request\n"
        "with write_request(Path(sys.argv[1])):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(float(sys.argv[2]))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True)


def test_job_waits_for_held_request(db_path: Path) -> None:
    Database.open(db_path).dispose()
    holder = _hold_request(db_path, seconds=1.5)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"

        started = time.perf_counter()
        wait_for_write_requests(db_path)
        waited = time.perf_counter() - started
    finally:
        holder.wait(timeout=30)

    assert request_path(db_path).exists()
    assert waited > 0.5


def test_killed_holder_leaves_no_request(db_path: Path) -> None:
    Database.open(db_path).dispose()
    holder = _hold_request(db_path, seconds=60)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=10)

    started = time.perf_counter()
    wait_for_write_requests(db_path, timeout=5)
    assert time.perf_counter() - started < 1


def test_request_without_file_is_noop(tmp_path: Path) -> None:
    database_path = tmp_path / "none.sqlite"

    with write_request(None):
        pass
    wait_for_write_requests(database_path)

    assert not request_path(database_path).exists()
