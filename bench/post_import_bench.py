"""Post-import benchmark: the resumable job against the one-pass path it replaced, on the same leads.

Generates ROWS lead rows (fixed seed, see lead_files.py) and imports them once with
run_import, which stores the leads and queues their post-import job. Each phase then runs
on its own copy of that database, in its own Python process, so caches start cold:

- one-pass: refresh_after_import_commit, then apply_after_import_commit, each in one
  transaction, as run_import did before the job existed (the peer);
- job: run_post_import_jobs, which commits every post_import_jobs.STEP_LEADS leads.

It prints the wall and CPU time of each phase, per lead, and the job's ratio to one-pass.
The phases alternate, one-pass first, so that load from other processes falls on both.

The shipped playbook has no routing rules. With --routing the database gets a round-robin
rule over three reps before the phases run, and the import runs at a fixed weekday noon
UTC, when the reps are in their working hours. So every open lead that arrives without an
owner is routed: 20,904 of the 100,000 generated rows.

Usage: .venv/bin/python bench/post_import_bench.py [--rows 100000] [--repeat 2] [--routing] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from lead_files import machine_description, write_csv
from routing_pool import add_routing_rules

PHASES = ("one-pass", "job")
DEFAULT_ROWS = 100_000

# A Wednesday noon, inside the shipped calendar's working hours in UTC.
ROUTING_IMPORT_TIME = "2026-12-09T12:00:00+00:00"


def run_phase(phase: str, db_path: Path, batch_id: str, imported_at: str) -> dict:
    from datetime import datetime

    from leaddesk.services.database import Database
    from leaddesk.services.derived import refresh_after_import_commit
    from leaddesk.services.import_playbook import apply_after_import_commit
    from leaddesk.services.post_import_jobs import run_post_import_jobs

    database = Database.open(db_path)
    wall, cpu = time.perf_counter(), time.process_time()
    if phase == "one-pass":
        report = SimpleNamespace(dry_run=False, batch_id=batch_id, historical=False, warnings=[])
        refresh_after_import_commit(database, report)
        apply_after_import_commit(database, report, datetime.fromisoformat(imported_at))
        leads = routed = None
    else:
        run = run_post_import_jobs(database)
        if run.failed:
            raise SystemExit(f"the job failed: {run.failed[0][1]}")
        leads = run.leads
        routed = sum(job.routed for job in run.finished)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    result = {"seconds": seconds, "cpu_seconds": cpu_seconds, "leads": leads, "routed": routed}
    database.dispose()
    return result


def add_routing(db_path: Path) -> None:
    """Set the team time zone to UTC and add the round-robin rule with its reps, before the import."""
    from leaddesk.services.database import Database
    from leaddesk.services.playbook import set_team_timezone

    database = Database.open(db_path)
    with database.session() as session:
        set_team_timezone(session, "UTC")
    add_routing_rules(database)
    database.dispose()


def import_once(csv_path: Path, db_path: Path, now_text: str | None = None) -> tuple[str, str, float]:
    """Import the CSV into the database and return the batch id, the import time and the import's seconds.

    now_text is the import time in ISO 8601; the default is the current time.
    """
    from datetime import datetime

    from leaddesk.models import utc_now
    from leaddesk.services.database import Database
    from leaddesk.services.importing import run_import

    database = Database.open(db_path)
    now = datetime.fromisoformat(now_text) if now_text else utc_now()
    started = time.perf_counter()
    report = run_import(database, csv_path, now=now)
    seconds = time.perf_counter() - started
    database.dispose()
    return report.batch_id, now.isoformat(), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (default 100000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each phase (default 2)")
    parser.add_argument(
        "--routing", action="store_true", help="route the leads round robin over three reps (default: no routing rules)"
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the files and databases in (default: a temp folder)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--batch", help=argparse.SUPPRESS)
    parser.add_argument("--imported-at", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(json.dumps(run_phase(args.phase, args.db, args.batch, args.imported_at)))
        return 0

    print(machine_description())
    with tempfile.TemporaryDirectory(prefix="leaddesk-post-import-bench-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "bench_leads.csv"
        base = folder / "imported.sqlite"
        base.unlink(missing_ok=True)
        write_csv(csv_path, args.rows)
        if args.routing:
            add_routing(base)
        batch_id, imported_at, import_seconds = import_once(csv_path, base, ROUTING_IMPORT_TIME if args.routing else None)
        routing = "round robin over three reps" if args.routing else "no routing rules"
        print(f"imported {args.rows:,} rows in {import_seconds:.2f} s with {routing}; the post-import job is queued")

        results: dict[str, list[dict]] = {phase: [] for phase in PHASES}
        for _ in range(args.repeat):
            for phase in PHASES:
                copy = folder / f"{phase}.sqlite"
                shutil.copyfile(base, copy)
                command = [
                    sys.executable, __file__, "--phase", phase, "--db", str(copy),
                    "--batch", batch_id, "--imported-at", imported_at,
                ]
                output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                results[phase].append(json.loads(output.strip().splitlines()[-1]))
                copy.unlink()

    for index in range(args.repeat):
        one_pass, job = results["one-pass"][index], results["job"][index]
        print(f"run {index + 1}:")
        for phase, result in (("one-pass (peer)", one_pass), ("post-import job", job)):
            per_lead = result["cpu_seconds"] / args.rows * 1e6
            print(
                f"  {phase:<18} {result['seconds']:7.2f} s wall  {result['cpu_seconds']:7.2f} s CPU  "
                f"{per_lead:5.0f} us CPU per lead"
            )
        print(f"  the job routed {job['routed']:,} leads")
        print(
            f"  job / one-pass: {job['seconds'] / one_pass['seconds']:.2f}x wall, "
            f"{job['cpu_seconds'] / one_pass['cpu_seconds']:.2f}x CPU"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
