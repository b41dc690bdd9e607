"""`leaddesk export FILE`: write every lead to a CSV or XLSX file."""

from __future__ import annotations

import argparse
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.services.database import Database
from leaddesk.services.exporting import ExportError, check_export_path, export_leads
from leaddesk.services.paths import resolve_database_path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export all leads to a CSV or XLSX file",
        description=(
            "Write every lead with its fields and custom fields to FILE. The extension picks the "
            "format: .csv (UTF-8 with BOM, formula-safe) or .xlsx. An existing FILE is replaced."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the .csv or .xlsx file to write")
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
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

    database = Database.open(database_path)
    try:
        count = export_leads(database, path)
    except ExportError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    print(f"Exported {count} leads to {path}")
    return EXIT_OK
