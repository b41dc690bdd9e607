"""`leaddesk imports`: list the import history, and `leaddesk imports undo BATCH` to undo one import."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.import_cmd import counted
from leaddesk.services.database import Database
from leaddesk.services.importing.history import BatchNotFoundError, ImportSummary, list_imports
from leaddesk.services.importing.undo import UndoError, UndoReport, undo_import
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.write_requests import write_request

# Width of the file-name column of the history table; longer names are cut with "...".
MAX_FILE_NAME_WIDTH = 40


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "imports",
        help="list past imports, or undo one",
        description=(
            "List the imports, newest first, with their counts. 'leaddesk imports undo BATCH' deletes the "
            "leads that import created and restores the fields it changed; leads and fields changed since "
            "are kept and listed."
        ),
    )
    _add_common(parser)
    parser.add_argument("--limit", type=int, metavar="N", help="list only the N newest imports")
    parser.set_defaults(run=run_list)

    actions = parser.add_subparsers(dest="imports_action", parser_class=type(parser))
    undo = actions.add_parser(
        "undo",
        help="undo one import",
        description=(
            "Undo the import BATCH in one transaction: delete the leads it created and restore the fields it "
            "changed on existing leads. A created lead that was worked on since, or a field that changed "
            "since, is kept and listed."
        ),
    )
    undo.add_argument("batch", metavar="BATCH", help="the batch id from 'leaddesk imports', or its first 4+ digits")
    _add_common(undo)
    undo.set_defaults(run=run_undo)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run_list(args: argparse.Namespace) -> int:
    database = _open_existing(args)
    try:
        history = list_imports(database, limit=args.limit)
    finally:
        database.dispose()

    if args.json:
        print(json.dumps([item.to_dict() for item in history], ensure_ascii=False))
    else:
        print(format_history(history), end="")
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    database = _open_existing(args)
    try:
        # The request makes a running `leaddesk jobs` on this file pause between two steps.
        with write_request(database.path if database.is_sqlite else None):
            report = undo_import(database, args.batch, actor=_current_user())
    except (BatchNotFoundError, UndoError) as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        print(format_undo(report), end="")
    return EXIT_OK


def format_history(history: list[ImportSummary]) -> str:
    """Render the history as a plain-text table, newest import first."""
    if not history:
        return "No imports yet.\n"
    headers = ("Batch", "Started (UTC)", "File", "Created", "Updated", "Skipped", "Rejected", "Status")
    lines = [
        (
            item.short_id,
            f"{item.started_at:%Y-%m-%d %H:%M}",
            _clip(Path(item.file_name).name),
            str(item.created),
            str(item.updated),
            str(item.skipped),
            str(item.rejected),
            _status(item),
        )
        for item in history
    ]
    widths = [max(len(header), *(len(line[index]) for line in lines)) for index, header in enumerate(headers)]
    numeric = {3, 4, 5, 6}
    rendered = []
    for line in (headers, *lines):
        cells = [
            value.rjust(widths[index]) if index in numeric else value.ljust(widths[index])
            for index, value in enumerate(line)
        ]
        rendered.append("  ".join(cells).rstrip())
    return "\n".join(rendered) + "\n"


def format_undo(report: UndoReport) -> str:
    """Render an undo report: what was deleted and restored, then every kept lead and field with the reason."""
    lines = [
        f"Undid the import {report.batch}: deleted {counted(report.deleted, 'lead', 'leads')}, "
        f"restored {counted(report.restored_fields, 'field', 'fields')} "
        f"on {counted(report.restored_leads, 'lead', 'leads')}."
    ]
    if report.deleted_reps:
        names = ", ".join(report.deleted_reps)
        lines.append(f"Deleted {counted(len(report.deleted_reps), 'rep', 'reps')} that the import created: {names}.")
    if report.kept_leads:
        kept = counted(len(report.kept_leads), "lead that was", "leads that were")
        lines.append(f"Kept {kept} worked on after the import:")
        lines.extend(f"  {lead.label} ({lead.lead_id}): {lead.reason}" for lead in report.kept_leads)
    if report.kept_fields:
        lines.append(f"Kept {counted(len(report.kept_fields), 'field that', 'fields that')} changed after the import:")
        for kept in report.kept_fields:
            lines.append(
                f"  {kept.label} ({kept.lead_id}): {kept.field} is {kept.current!r} now; "
                f"the import set {kept.imported!r}, and before it was {kept.before!r}"
            )
    return "\n".join(lines) + "\n"


def _status(item: ImportSummary) -> str:
    if item.undone_at is None:
        return "imported" + (" as history" if item.historical else "")
    by = f" by {item.undone_by}" if item.undone_by else ""
    return f"undone {item.undone_at:%Y-%m-%d %H:%M}{by}"


def _clip(name: str) -> str:
    if len(name) <= MAX_FILE_NAME_WIDTH:
        return name
    return name[: MAX_FILE_NAME_WIDTH - 3] + "..."


def _open_existing(args: argparse.Namespace) -> Database:
    path = resolve_database_path(getattr(args, "db", None))
    if not path.exists():
        # Database.open would create an empty file for a mistyped --db.
        raise CliError(f"database file {path} not found; check --db, or import leads first with 'leaddesk import FILE'")
    return Database.open(path)


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
