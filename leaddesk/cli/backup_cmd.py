"""`leaddesk backup` and `leaddesk restore FILE`: copies of the local database and putting one back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.lead_lookup import DB_HELP
from leaddesk.services.backups import BackupError, create_backup_file, list_backups, restore_backup
from leaddesk.services.paths import resolve_database_path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="copy the database into its backups folder (the newest 10 are kept)",
        description="Copy the database with SQLite's online backup API into the backups folder beside it.",
    )
    backup.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    backup.add_argument("--list", action="store_true", help="list the existing backups, newest first, instead")
    backup.set_defaults(run=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help="replace the database with a backup, after backing up the current file",
        description="Check FILE with PRAGMA integrity_check, back up the current database, then replace it with FILE. "
        "Close LeadDesk windows on this database first.",
    )
    restore.add_argument("file", metavar="FILE", help="the backup file to restore")
    restore.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    restore.set_defaults(run=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    path = resolve_database_path(getattr(args, "db", None))
    if not path.exists():
        raise CliError(f"database file {path} not found; check --db")
    if args.list:
        for info in list_backups(path):
            print(f"{info.taken_at:%Y-%m-%d %H:%M:%S} UTC  {info.label:<32} {info.size:>12,} bytes  {info.path}")
        return EXIT_OK
    print(create_backup_file(path, "manual"))
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    path = resolve_database_path(getattr(args, "db", None))
    try:
        safety_copy = restore_backup(path, Path(args.file).expanduser(), warn=_print_warning)
    except BackupError as error:
        raise CliError(str(error)) from None
    print(f"restored {path} from {args.file}")
    if safety_copy is not None:
        print(f"the previous database is kept at {safety_copy}")
    return EXIT_OK


def _print_warning(message: str) -> None:
    print(f"leaddesk restore: warning: {message}", file=sys.stderr)
