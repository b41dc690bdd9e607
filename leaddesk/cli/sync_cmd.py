"""`leaddesk sync`: run one sync pass with the team folder and print what came in, went out and conflicted."""

from __future__ import annotations

import argparse
import json

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.lead_lookup import DB_HELP
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.sync import BundleError, SyncReport, SyncSetupError, sync_pass


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="run one sync pass with the team folder",
        description="Write this device's changes into the team folder, apply the other devices' changes, "
        "and print what came in, what went out and any conflicts.",
    )
    parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def open_existing(args: argparse.Namespace) -> Database:
    path = resolve_database_path(getattr(args, "db", None))
    if not path.exists():
        raise CliError(f"database file {path} not found; check --db, or import leads first with 'leaddesk import FILE'")
    return Database.open(path)


def _by_kind(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{kind} {count}' for kind, count in sorted(counts.items()))})" if counts else ""


def format_report(report: SyncReport) -> str:
    lines = [
        f"out: {report.exported} changes in {len(report.segments_written)} segment files{_by_kind(report.exported_by_kind)}",
        f"in: {report.imported} changes from {len(report.segments_applied)} segment files{_by_kind(report.imported_by_kind)}, "
        f"{report.rows_changed} rows changed{_by_kind(report.rows_changed_by_kind)}",
    ]
    if report.identity_notice:
        lines.append(f"device identity: {report.identity_notice}")
    lines += [f"conflict: {c['entity']} {c['row_id']} {c['field']}: {c['detail']}" for c in report.conflicts]
    lines += [f"waiting: {reason}" for reason in report.skipped]
    lines += [f"archived conflict copy: {name}" for name in report.archived]
    lines += [f"damaged conflict copy (archived unread): {reason}" for reason in report.damaged]
    if report.backup_path:
        lines.append(f"backup before merging conflict copies: {report.backup_path}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    database = open_existing(args)
    try:
        report = sync_pass(database)
    except (SyncSetupError, BundleError) as error:
        raise CliError(str(error)) from None
    finally:
        database.dispose()
    print(json.dumps(report.to_json(), indent=2) if args.json else format_report(report))
    return EXIT_OK
