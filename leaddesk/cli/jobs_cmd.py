"""`leaddesk jobs`: list the queued post-import jobs and run them to their end."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from leaddesk.cli.errors import EXIT_BAD_INPUT, EXIT_OK, CliError
from leaddesk.cli.progress import TerminalProgress
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.post_import_jobs import JobRun, PostImportJob, pending_jobs, run_post_import_jobs

logger = logging.getLogger(__name__)

# Exit status when the user pressed Ctrl+C, as shells report a process ended by SIGINT.
EXIT_INTERRUPTED = 130


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="list and run the post-import work that is still queued",
        description=(
            "After an import, LeadDesk enriches the imported leads, computes their duplicate match keys, "
            "routes and scores them as a job of its own. 'leaddesk import --no-wait', a closed window or a "
            "crash leaves such jobs queued. This command lists them, then runs them to their end; an "
            "interrupted job continues where it stopped."
        ),
    )
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument("--list", action="store_true", help="only list the queued jobs; do not run them")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text, without progress")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    database_path = resolve_database_path(getattr(args, "db", None))
    if not database_path.exists():
        raise CliError(f"{database_path} does not exist; import leads first or pass the database with --db")
    database = Database.open(database_path)
    try:
        with database.session() as session:
            jobs = pending_jobs(session)
        if not args.json:
            _print_jobs(jobs, database_path)
        if args.list or not jobs:
            if args.json:
                print(json.dumps({"database": str(database_path), "pending": [job.to_dict() for job in jobs]}))
            return EXIT_OK
        outcome = run_jobs(database, quiet=args.json)
    finally:
        database.dispose()

    if args.json:
        print(json.dumps({"database": str(database_path), **outcome}))
    else:
        print(describe_outcome(outcome))
    if outcome["status"] == "done":
        return EXIT_OK
    if outcome["status"] == "failed":
        return EXIT_BAD_INPUT
    return EXIT_INTERRUPTED


def run_jobs(database: Database, *, quiet: bool) -> dict:
    """Run the queued jobs with progress on a terminal unless quiet, and return their outcome as JSON-ready values.

    status is "done", "failed" or "interrupted". A failed job's step raised, and the job stays
    queued with its error. After Ctrl+C the running step is rolled back and the job stays queued.
    """
    progress = TerminalProgress("post-import", enabled=not quiet)
    try:
        result = run_post_import_jobs(database, progress=progress)
    except KeyboardInterrupt:
        logger.info("post-import jobs interrupted by the user; they stay queued")
        return {"status": "interrupted", "leads": 0, "finished": [], "failed": []}
    finally:
        progress.close()
    return _outcome(result)


def describe_outcome(outcome: dict) -> str:
    """Return the text output of run_jobs: finished, failed and interrupted jobs."""
    if outcome["status"] == "interrupted":
        return "Interrupted; the post-import work stays queued. Run 'leaddesk jobs' to finish it."
    lines = []
    completed = [job for job in outcome["finished"] if not job.get("dropped")]
    if completed:
        lines.append(f"Enriched, routed and scored {outcome['leads']:,} imported leads.")
    for dropped in outcome["finished"]:
        if dropped.get("dropped"):
            lines.append(
                f"Stopped the post-import job of batch {dropped['batch_id'][:8]} after {dropped['done']:,} leads, "
                "because its import was undone or deleted."
            )
    for failed in outcome["failed"]:
        lines.append(
            f"The post-import job of batch {failed['batch_id'][:8]} failed: {failed['error']}. "
            "It stays queued; fix the cause and run 'leaddesk jobs' again."
        )
    return "\n".join(lines) if lines else "No post-import work was queued."


def _outcome(result: JobRun) -> dict:
    return {
        "status": "failed" if result.failed else "done",
        "leads": result.leads,
        "finished": [job.to_dict() for job in result.finished],
        "failed": [{**job.to_dict(), "error": str(error) or type(error).__name__} for job, error in result.failed],
    }


def _print_jobs(jobs: list[PostImportJob], database_path: Path) -> None:
    if not jobs:
        print(f"No post-import jobs are queued in {database_path}.")
        return
    print(f"Queued post-import jobs in {database_path}:")
    for job in jobs:
        remaining = job.describe_remaining()
        error = f"; last error: {job.error}" if job.error else ""
        print(f"  batch {job.batch_id.hex[:8]}  imported {job.imported_at:%Y-%m-%d %H:%M} UTC  {remaining}{error}")
