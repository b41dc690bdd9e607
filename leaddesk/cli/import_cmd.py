"""`leaddesk import FILE`: import leads from a CSV or spreadsheet file and report the counts."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import logging
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.services.database import Database
from leaddesk.services.importing import ImportFileError, ImportReport, MappingError, RejectedRow, run_import
from leaddesk.services.paths import data_dir, resolve_database_path

logger = logging.getLogger(__name__)

REJECTED_SUFFIX = ".rejected.csv"

# The first columns of the rejected-rows file; the row's own cells follow under their headers.
REJECTED_COLUMNS = ("row", "column", "value", "reason")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import leads from a CSV or XLSX file",
        description=(
            "Import leads from a CSV or XLSX file in one transaction. Rows that match a lead by "
            "e-mail or external id update it or are skipped. Rejected rows are written to "
            f"FILE{REJECTED_SUFFIX} next to the file."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the CSV or XLSX file to import")
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument("--dry-run", action="store_true", help="check every row, then roll back; nothing is stored")
    parser.add_argument(
        "--historical", action="store_true", help="import as history: the new leads get no response deadline"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object with the counts and rejected rows")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path} does not exist or is not a file; check the path")

    database = Database.open(resolve_database_path(getattr(args, "db", None)))
    try:
        report = run_import(
            database, path, dry_run=args.dry_run, historical=args.historical, actor=_current_user()
        )
    except (ImportFileError, MappingError) as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    rejected_file = write_rejected_rows(path, report.rejected_rows)
    if args.json:
        _print_json(report, database, rejected_file)
    else:
        _print_text(report, database, rejected_file)
    return EXIT_OK


def write_rejected_rows(source: Path, rows: list[RejectedRow]) -> Path | None:
    """Write rejected rows to SOURCE.rejected.csv and return its path, or None when there are none.

    The file goes next to the source, or into the LeadDesk data folder when that folder is
    read-only. A stale file from an earlier run of the same source is removed when nothing
    was rejected this time.
    """
    target = source.with_name(source.name + REJECTED_SUFFIX)
    if not rows:
        try:
            target.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("cannot remove the old rejected-rows file %s: %s", target, error)
        return None

    try:
        _write_rejected_csv(target, rows)
        return target
    except OSError as error:
        fallback = data_dir() / "rejected" / target.name
        logger.warning("cannot write %s (%s); writing %s instead", target, error, fallback)
        fallback.parent.mkdir(parents=True, exist_ok=True)
        _write_rejected_csv(fallback, rows)
        return fallback


def _write_rejected_csv(target: Path, rows: list[RejectedRow]) -> None:
    headers: dict[str, None] = {}
    for row in rows:
        for header in row.values:
            headers.setdefault(header, None)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REJECTED_COLUMNS, *headers])
        for row in rows:
            writer.writerow(
                [row.row, row.column, row.value, row.reason, *(row.values.get(header, "") for header in headers)]
            )


def _print_text(report: ImportReport, database: Database, rejected_file: Path | None) -> None:
    action = "Checked" if report.dry_run else "Imported"
    print(f"{action} {report.path} into {database.path}")
    print(
        f"{report.created} created, {report.updated} updated, "
        f"{report.skipped} skipped, {report.rejected} rejected"
    )
    if report.dry_run:
        print("Dry run: nothing was stored.")
    for warning in report.warnings:
        print(f"Note: {warning}")
    if rejected_file is not None:
        print(f"Rejected rows with their row, column, value and reason: {rejected_file}")


def _print_json(report: ImportReport, database: Database, rejected_file: Path | None) -> None:
    data = report.to_dict()
    data["database"] = str(database.path)
    data["rejected_file"] = str(rejected_file) if rejected_file else None
    print(json.dumps(data, ensure_ascii=False, default=str))


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
