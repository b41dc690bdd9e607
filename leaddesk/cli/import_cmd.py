"""`leaddesk import FILE`: import leads from a CSV or spreadsheet file, or show what an import would do."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.import_duplicates import count_import_duplicates, format_duplicates_line
from leaddesk.cli.jobs_cmd import describe_outcome, run_jobs
from leaddesk.cli.progress import TerminalProgress
from leaddesk.services.database import Database
from leaddesk.services.importing import (
    ImportFileError,
    ImportPlan,
    ImportPolicy,
    ImportReport,
    MappingError,
    OnMatch,
    PolicyError,
    RowAction,
    plan_import,
    preview_import,
    run_import,
)
from leaddesk.services.importing.policy import CUSTOM_FIELDS
from leaddesk.services.importing.rejected import (
    REJECTED_SUFFIX,
    RejectedFileError,
    RejectedTarget,
    checked_target,
    default_rejected_target,
)
from leaddesk.services.importing.report import REJECTED_ROWS_KEPT
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.server_db.address import ServerAddress

logger = logging.getLogger(__name__)

# Rows listed per action in the text output of --dry-run, unless --show sets another number.
DEFAULT_SHOWN_ROWS = 5

# The value of --fill-blanks-only without a list: every field.
ALL_FIELDS = "all"

# The exit status of a command stopped by Ctrl+C, as shells report it (128 + SIGINT).
EXIT_INTERRUPTED = 130


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import leads from a CSV or XLSX file",
        description=(
            "Import leads from a CSV or XLSX file in one transaction. Rows that match a lead by e-mail, "
            "external id or phone update it (see --on-match). Rejected rows are written with their "
            f"original columns plus row and reason to FILE{REJECTED_SUFFIX}, to correct and import again. "
            "'leaddesk imports undo' undoes an import."
        ),
    )

    parser.add_argument("file", metavar="FILE", help="the CSV or XLSX file to import")
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )

    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=(
            "show what the import would do per row, then roll back; nothing is stored, no database is "
            "created, and rejected rows are only written with --rejected-file"
        ),
    )
    parser.add_argument(
        "--historical", action="store_true", help="import as history: the new leads get no response deadline"
    )

    parser.add_argument(
        "--on-match",
        choices=[choice.value for choice in OnMatch],
        default=OnMatch.UPDATE.value,
        help="what to do with a row that matches an existing lead: update it (default), skip it, or create a new lead",
    )
    parser.add_argument(
        "--fill-blanks-only",
        nargs="?",
        const=ALL_FIELDS,
        metavar="FIELDS",
        help=(
            "let updates fill only empty fields: every field, or the comma-separated FIELDS "
            f"(lead fields, '{CUSTOM_FIELDS}' for all custom fields, or custom:KEY)"
        ),
    )

    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help=(
            "send the column HEADER to a lead field, to custom:KEY or to 'ignored'; repeat for more columns. "
            "Other columns keep their usual mapping, and the result is saved for files with the same headers"
        ),
    )
    parser.add_argument("--sheet", metavar="NAME", help="the sheet of a workbook to import (default: the first)")
    parser.add_argument(
        "--header-row", type=int, metavar="N", help="the 1-based row that contains the headers (default: detected)"
    )
    parser.add_argument(
        "--fill-merged",
        action="store_true",
        help=(
            "copy the value of each merged cell range of a workbook into every cell of the range, "
            "so that each row of the range gets it (default: only the range's first row has the value)"
        ),
    )

    parser.add_argument(
        "--rejected-file",
        metavar="PATH",
        help=(
            f"write the rejected rows to PATH instead of FILE{REJECTED_SUFFIX}; with --dry-run, write them at all. "
            "An existing PATH must be an earlier rejected-rows file, unless --overwrite-rejected-file is given"
        ),
    )
    parser.add_argument(
        "--overwrite-rejected-file",
        action="store_true",
        help="let the rejected rows replace an existing file that is not a rejected-rows file",
    )
    parser.add_argument(
        "--show",
        type=int,
        default=DEFAULT_SHOWN_ROWS,
        metavar="N",
        help=f"with --dry-run, list the first N rows per action (default: {DEFAULT_SHOWN_ROWS})",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help=(
            "return after the summary and leave the enrichment, routing and scoring of the imported leads "
            "queued; the window or 'leaddesk jobs' runs it later"
        ),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=(
            f"print one JSON object with the counts and the first {REJECTED_ROWS_KEPT} rejected rows; "
            "rejected_file names the file with all of them"
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path} does not exist or is not a file; check the path")
    policy = _policy(args)
    database_path = resolve_database_path(getattr(args, "db", None))
    rejected_target = _rejected_target(
        path, args.rejected_file, database_path, dry_run=args.dry_run, overwrite=args.overwrite_rejected_file
    )
    try:
        return _import(args, path, policy, database_path, rejected_target)
    except KeyboardInterrupt:
        # The import's transaction rolled back and the unfinished rejected-rows file was deleted.
        logger.info("import of %s cancelled with Ctrl+C", path)
        print("Import cancelled; nothing was imported", file=sys.stderr)
        return EXIT_INTERRUPTED


def _import(
    args: argparse.Namespace,
    path: Path,
    policy: ImportPolicy,
    database_path: Path,
    rejected_target: RejectedTarget | None,
) -> int:
    """Import or plan the file, print the result, then run the post-import work."""
    database = _open_database(database_path, dry_run=args.dry_run)
    progress = TerminalProgress(f"importing {path.name}", enabled=not args.json)
    try:
        mapping = _mapping(database, path, args)
        if args.dry_run:
            plan = plan_import(
                database, path, mapping=mapping, policy=policy, historical=args.historical,
                actor=_current_user(), progress=progress, sheet=args.sheet, header_row=args.header_row,
                fill_merged=args.fill_merged, rejected_target=rejected_target,
            )
            report = plan.report
        else:
            plan = None
            report = run_import(
                database, path, mapping=mapping, policy=policy, historical=args.historical,
                actor=_current_user(), progress=progress, sheet=args.sheet, header_row=args.header_row,
                fill_merged=args.fill_merged, rejected_target=rejected_target,
            )
    except (ImportFileError, MappingError) as error:
        raise CliError(str(error)) from error
    finally:
        progress.close()
        database.dispose()

    rejected_file = Path(report.rejected_file) if report.rejected_file else None
    database_label = str(database_path) if database_path.exists() else None
    if plan is not None:
        duplicates = count_import_duplicates(database_path, report)
        if args.json:
            _print_json(report, plan, database_path, rejected_file, duplicates, None)
        else:
            _print_plan(plan, database_path, database_label, rejected_file, args.show)
        return EXIT_OK

    if not args.json:
        # The summary comes first; the work after the import follows with its own progress.
        _print_report(report, database_path, rejected_file)
    try:
        post_import = _run_post_import(database_path, report, wait=not args.no_wait, quiet=args.json)
    except KeyboardInterrupt:
        # The import is already committed, so Ctrl+C stopped only the post-import work.
        print(f"Import stored; the work after it was cancelled. {_QUEUED_NOTE}", file=sys.stderr)
        return EXIT_INTERRUPTED
    duplicates = count_import_duplicates(database_path, report)
    if args.json:
        _print_json(report, plan, database_path, rejected_file, duplicates, post_import)
    else:
        if post_import is not None:
            print(describe_outcome(post_import) if post_import["status"] != "queued" else _QUEUED_NOTE)
        print(format_duplicates_line(duplicates, report.batch_id), end="")
    return EXIT_OK


_QUEUED_NOTE = (
    "Enrichment, routing and scoring of the imported leads are queued; "
    "the window runs them when it starts, or run 'leaddesk jobs'."
)


def _run_post_import(database_path: Path, report: ImportReport, *, wait: bool, quiet: bool) -> dict | None:
    """Run the queued post-import work in this process unless wait is False; return its outcome, None without a batch."""
    if not report.batch_id:
        return None
    if not wait:
        return {"status": "queued", "leads": 0, "finished": [], "failed": []}
    database = Database.open(database_path)
    try:
        return run_jobs(database, quiet=quiet)
    finally:
        database.dispose()


def _policy(args: argparse.Namespace) -> ImportPolicy:
    fields: bool | list[str] = False
    if args.fill_blanks_only == ALL_FIELDS:
        fields = True
    elif args.fill_blanks_only:
        fields = [name.strip() for name in args.fill_blanks_only.split(",")]
    try:
        return ImportPolicy.build(args.on_match, fields)
    except PolicyError as error:
        raise CliError(f"{error}; or give --fill-blanks-only without a value for every field", EXIT_USAGE) from error


def _mapping(database: Database, path: Path, args: argparse.Namespace) -> dict[str, str] | None:
    """Return the usual mapping of the file with the --map overrides applied, or None without --map."""
    if not args.map:
        return None
    overrides = {}
    for item in args.map:
        header, separator, target = item.rpartition("=")
        if not separator or not header.strip() or not target.strip():
            raise CliError(
                f"invalid --map value {item!r}: expected HEADER=FIELD, such as 'E-mail Address=email'", EXIT_USAGE
            )
        overrides[header.strip()] = target.strip()
    preview = preview_import(database, path, sheet=args.sheet, header_row=args.header_row, fill_merged=args.fill_merged)
    mapping = dict(preview.mapping)
    mapping.update(overrides)
    return mapping


def _open_database(path: Path, *, dry_run: bool) -> Database:
    """Open the database, or for a dry run against a missing file, an empty one in memory."""
    if dry_run and not path.exists():
        logger.info("dry run against %s, which does not exist; checking against an empty database", path)
        engine = create_engine("sqlite://", poolclass=StaticPool)
        database = Database(engine, None)
        database.upgrade_schema()
        return database
    return Database.open(path)


def _rejected_target(
    source: Path, explicit: str | None, database_path: Path | ServerAddress, *, dry_run: bool, overwrite: bool
) -> RejectedTarget | None:
    """Return where the import writes its rejected rows, or None for a dry run without --rejected-file.

    Without --rejected-file, a real import writes SOURCE.rejected.csv next to the source, or
    into the LeadDesk data folder when that folder is read-only, and removes a stale file
    of an earlier run when nothing was rejected. An explicit path gets no fallback. A bad
    path is a usage error raised here, before the database is created.
    """
    if explicit == "":
        raise CliError(
            "invalid --rejected-file value '': it is empty; give a file name such as leads.rejected.csv", EXIT_USAGE
        )
    # A database on a server has no file beside the rejected rows to protect.
    protected = (database_path,) if isinstance(database_path, Path) else ()
    if explicit is not None:
        target = RejectedTarget(path=Path(explicit), protected=protected, overwrite=overwrite)
    elif dry_run:
        return None
    else:
        target = default_rejected_target(source, protected=protected)
    try:
        return checked_target(target, source)
    except RejectedFileError as error:
        raise CliError(str(error), EXIT_USAGE) from error


def _print_report(report: ImportReport, database_path: Path, rejected_file: Path | None) -> None:
    print(f"Imported {report.path} into {database_path} (batch {report.batch_id[:8] if report.batch_id else '-'})")
    print(
        f"{report.created} created, {report.updated} updated, "
        f"{report.skipped} skipped, {report.rejected} rejected"
    )
    if report.duplicates:
        print(f"{counted(report.duplicates, 'row repeats', 'rows repeat')} the lead of an earlier row of the file.")
    for warning in report.warnings:
        print(f"Note: {warning}")
    if rejected_file is not None:
        print(f"Rejected rows with their original columns, row and reason: {rejected_file}")
        print("Correct them there and import that file again.")
    if report.batch_id and (report.created or report.updated):
        print(f"To undo this import: leaddesk imports undo {report.batch_id[:8]}")


def _print_plan(
    plan: ImportPlan, database_path: Path, database_label: str | None, rejected_file: Path | None, shown: int
) -> None:
    report = plan.report
    if database_label is None:
        print(f"Dry run of {report.path}: {database_path} does not exist yet, so every row is checked as new.")
    else:
        print(f"Dry run of {report.path} against {database_path}: nothing was stored.")
    totals = plan.totals()
    print(
        f"Would create {totals['create']}, update {totals['update']}, skip {totals['skip']}, "
        f"reject {totals['reject']} of {len(plan.rows)} rows."
    )
    if report.duplicates:
        print(f"{counted(report.duplicates, 'row repeats', 'rows repeat')} the lead of an earlier row of the file.")

    titles = {
        RowAction.CREATE: "create",
        RowAction.UPDATE: "update",
        RowAction.SKIP: "skip",
        RowAction.REJECT: "reject",
    }
    for action, title in titles.items():
        rows = plan.rows_for(action)
        if not rows or shown <= 0:
            continue
        listed = rows[:shown]
        more = f" (first {len(listed)} of {len(rows)})" if len(rows) > len(listed) else ""
        print(f"Rows to {title}{more}:")
        for row in listed:
            print(f"  {row.describe()}")

    for warning in report.warnings:
        print(f"Note: {warning}")
    if rejected_file is not None:
        print(f"Rejected rows with their original columns, row and reason: {rejected_file}")
    elif report.rejected:
        rejected = counted(report.rejected, "rejected row was", "rejected rows were")
        print(f"{rejected} not written to a file; add --rejected-file PATH to save them.")


def _print_json(
    report: ImportReport,
    plan: ImportPlan | None,
    database_path: Path,
    rejected_file: Path | None,
    duplicates: int | None,
    post_import: dict | None,
) -> None:
    data = report.to_dict()
    # The work after the import: status "done", "failed", "interrupted" or "queued" (--no-wait); null for a dry run.
    data["post_import"] = post_import
    data["database"] = str(database_path)
    data["rejected_file"] = str(rejected_file) if rejected_file else None
    # Groups of possible duplicates among the imported leads; null for a dry run or an import that stored nothing.
    data["possible_duplicates"] = duplicates
    if plan is not None:
        data["totals"] = plan.totals()
        data["rows"] = [row.to_dict() for row in plan.rows]
    print(json.dumps(data, ensure_ascii=False, default=str))


def counted(count: int, singular: str, plural: str) -> str:
    """Return "1 row repeats" or "2 rows repeat": the count with the words that agree with it."""
    return f"{count} {singular if count == 1 else plural}"


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
