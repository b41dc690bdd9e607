"""`leaddesk export FILE`: write all leads, or a filtered view of them, to a CSV or XLSX file."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.inbox_cmd import check_owner
from leaddesk.cli.progress import TerminalProgress
from leaddesk.models import STAGES
from leaddesk.services.database import Database
from leaddesk.services.exporting import ExportError, check_export_path, export_leads
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.playbook import DEFAULT_SEGMENTS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export leads to a CSV or XLSX file",
        description=(
            "Write every lead with its fields and custom fields to FILE, or only the leads that the filters "
            "select, in inbox order. The extension picks the format: .csv (UTF-8 with BOM, formula-safe, "
            "instants in UTC) or .xlsx (instants as dates in the team's timezone). An existing FILE is replaced."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the .csv or .xlsx file to write")
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument("--stage", choices=STAGES, help="only leads in this stage")
    parser.add_argument("--owner", metavar="REP", help="only leads owned by this rep (name or id)")
    parser.add_argument(
        "--segment", choices=[rule.key for rule in DEFAULT_SEGMENTS], help="only leads in this segment"
    )
    parser.add_argument(
        "--search",
        metavar="TEXT",
        help="only leads whose name, email, company, title or phone contains TEXT (case-insensitive)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        check_export_path(path)
    except ExportError as error:
        raise CliError(str(error)) from error

    database_path = resolve_database_path(getattr(args, "db", None))
    if not database_path.is_file():
        # Database.open would create an empty database and export nothing from a mistyped path.
        raise CliError(f"the database {database_path} does not exist; check --db or LEADDESK_DB")

    query = _query(args)
    database = Database.open(database_path)
    progress = TerminalProgress(f"exporting to {path.name}")
    try:
        if query is not None and query.owner is not None:
            with database.session() as session:
                check_owner(session, query.owner)
        count = export_leads(database, path, query, progress=progress)
    except ExportError as error:
        raise CliError(str(error)) from error
    finally:
        progress.close()
        database.dispose()

    print(f"Exported {count} leads to {path}")
    return EXIT_OK


def _query(args: argparse.Namespace) -> InboxQuery | None:
    """Return the filters as an InboxQuery, or None when no filter is given, which exports every lead."""
    if not any((args.stage, args.owner, args.segment, args.search)):
        return None
    return InboxQuery(
        now=datetime.now(timezone.utc),
        stage=args.stage,
        owner=args.owner,
        segment=args.segment,
        search=args.search,
    )
