"""Entry point of the `leaddesk` command: no subcommand opens the window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from leaddesk import __version__
from leaddesk.cli import (
    backup_cmd,
    dedupe_cmd,
    escalate_cmd,
    explain_cmd,
    export_cmd,
    import_cmd,
    imports_cmd,
    inbox_cmd,
    jobs_cmd,
    log_cmd,
    merge_cmd,
    migrate_cmd,
    playbook_cmd,
    route_cmd,
    score_cmd,
    stats_cmd,
    sync_cmd,
    team_cmd,
)
from leaddesk.cli.errors import EXIT_BAD_INPUT, EXIT_USAGE, CliError
from leaddesk.cli.password_prompt import print_notice, terminal_password_prompt
from leaddesk.services.database import DatabaseError
from leaddesk.services.logging_setup import configure_logging
from leaddesk.services.paths import DB_ENV_VAR
from leaddesk.services.server_db.address import ServerAddressError, is_server_url
from leaddesk.services.server_db.credentials import set_default_prompt

logger = logging.getLogger(__name__)

SUBCOMMANDS = (
    import_cmd, imports_cmd, jobs_cmd, inbox_cmd, export_cmd, dedupe_cmd, merge_cmd,
    playbook_cmd, route_cmd, explain_cmd, escalate_cmd, stats_cmd, score_cmd,
    team_cmd, sync_cmd, backup_cmd, migrate_cmd, log_cmd,
)

# Commands that work on a local SQLite file and have no meaning for a PostgreSQL server.
# Each value is the sentence start of the message that rejects a server URL for the command.
SQLITE_ONLY_COMMANDS = {
    "backup": "backups apply",
    "restore": "restoring a backup applies",
    "sync": "synced-folder sync applies",
    "team": "synced-folder teams apply",
}


class _UsageExitParser(argparse.ArgumentParser):
    """An argument parser that prints one line and exits with status 2 on wrong usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"leaddesk: {message} (see 'leaddesk --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _UsageExitParser(prog="leaddesk", description="LeadDesk: a prioritized lead inbox.")
    parser.add_argument("--version", action="version", version=f"leaddesk {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite database file, or postgresql://USER@HOST[:PORT]/DBNAME "
        "(default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument("--verbose", action="store_true", help="log debug messages to stderr")
    subparsers = parser.add_subparsers(dest="command", parser_class=_UsageExitParser)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, to_stderr=args.command is not None)
    if sys.stdin.isatty():
        set_default_prompt(terminal_password_prompt, print_notice)
    else:
        set_default_prompt(None, print_notice)

    target = getattr(args, "db", None) or os.environ.get(DB_ENV_VAR)
    if args.command in SQLITE_ONLY_COMMANDS and target and is_server_url(target):
        print(
            f"leaddesk {args.command}: {SQLITE_ONLY_COMMANDS[args.command]} to SQLite database files only; "
            "PostgreSQL has its own tools (pg_dump, replication) for this",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    if args.command is None:
        from leaddesk.ui.app import run_app

        return run_app(args.db)

    try:
        exit_code = int(args.run(args))
        # Flush here, so a reader that closed the pipe is caught below and not at interpreter exit.
        sys.stdout.flush()
        return exit_code
    except CliError as error:
        print(f"leaddesk {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except (DatabaseError, ServerAddressError) as error:
        print(f"leaddesk {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OperationalError as error:
        logger.info("%s failed on the database: %s", args.command, error)
        if target and is_server_url(target):
            hint = "check that the server is running and that your user may read and write the LeadDesk tables"
        else:
            hint = "check that the database file and its folder are writable and not locked by another program"
        print(f"leaddesk {args.command}: the database failed: {error.orig}; {hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader of our output (such as `head`) closed the pipe. Point stdout at devnull
        # so the interpreter's final flush does not print a second traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BAD_INPUT
    except OSError as error:
        logger.info("%s failed on a file: %s", args.command, error)
        where = f" ({error.filename})" if error.filename else ""
        reason = error.strerror or str(error)
        print(f"leaddesk {args.command}: {reason}{where}; check the path and its permissions", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
