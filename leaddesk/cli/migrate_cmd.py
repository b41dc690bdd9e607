"""`leaddesk migrate-to TARGET`: copy the whole database to PostgreSQL, or back to an SQLite file."""

from __future__ import annotations

import argparse
import json
import sys

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.progress import TerminalProgress
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.predictive.store import listed_versions, model_store
from leaddesk.services.predictive.transfer import ModelCopyError, ModelCopyReport, copy_models
from leaddesk.services.server_db.copy import CopyError, copy_database

DB_HELP = "the database to copy from, a file or a postgresql:// URL (default: the global --db, then LEADDESK_DB)"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate-to",
        help="copy every table into another database (SQLite to PostgreSQL, or back)",
        description=(
            "Copy every table of the database into TARGET, a postgresql://USER@HOST[:PORT]/DBNAME URL or an "
            "SQLite file, and verify each table's row count and checksum. Conversion model versions move too, from the "
            "files next to an SQLite database or the server's table, with their validation and active version. "
            "The source is only read."
        ),
    )
    parser.add_argument("target", metavar="TARGET", help="postgresql:// URL or SQLite file to copy into")
    parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--replace", action="store_true", help="empty a target that already contains LeadDesk data first")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    source_target = resolve_database_path(getattr(args, "db", None))
    copy_target = resolve_database_path(args.target)
    if str(source_target) == str(copy_target):
        raise CliError(f"the source and TARGET are the same database ({source_target}); give another TARGET")
    if not source_target.exists():
        raise CliError(f"database file {source_target} not found; check --db")

    source = Database.open(source_target)
    try:
        target = Database.open(copy_target)
        try:
            progress = TerminalProgress(f"copying to {copy_target}", enabled=not args.json)
            try:
                _check_target_models(target, args.replace)
                report = copy_database(source, target, replace=args.replace, progress=progress)
                models = copy_models(source, target)
            except (CopyError, ModelCopyError) as error:
                raise CliError(str(error)) from None
            finally:
                progress.close()
        finally:
            target.dispose()
    finally:
        source.dispose()

    if args.json:
        json.dump({**report.as_json(), "models": _models_json(models)}, sys.stdout, indent=2)
        print()
        return EXIT_OK
    width = max(len(table.name) for table in report.tables)
    print(f"copied {report.source} to {report.target}")
    for table in report.tables:
        print(f"  {table.name:<{width}}  {table.rows:>9,} rows  sha256 {table.checksum[:16]}")
    print(f"{report.total_rows:,} rows in {len(report.tables)} tables; row counts and checksums match")
    print(_models_text(models))
    return EXIT_OK


def _check_target_models(target: Database, replace: bool) -> None:
    """Raise CliError when the target store already keeps model versions and --replace is not given.

    The table check of copy_database does not see model files next to an SQLite target.
    """
    store = model_store(target)
    versions = store.versions()
    if versions and not replace:
        raise CliError(
            f"{store.location} already contains conversion model versions {listed_versions(versions)}; "
            "choose another target, or pass --replace to overwrite them"
        )


def _models_json(models: ModelCopyReport) -> dict:
    return {"copied": models.copied, "active": models.active,
            "skipped": {str(version): reason for version, reason in models.skipped.items()}}


def _models_text(models: ModelCopyReport) -> str:
    copied = ", ".join(str(version) for version in models.copied) or "none"
    lines = [f"conversion model versions copied: {copied} (active: {models.active or 'none'})"]
    lines.extend(f"  not copied: {reason}" for reason in models.skipped.values())
    return "\n".join(lines)
