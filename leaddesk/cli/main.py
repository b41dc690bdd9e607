"""Entry point of the `leaddesk` command: no subcommand opens the window."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from sqlalchemy.exc import OperationalError

from leaddesk import __version__
from leaddesk.cli.errors import EXIT_BAD_INPUT, EXIT_USAGE, CliError
from leaddesk.cli.password_prompt import print_notice, terminal_password_prompt
from leaddesk.services.database import DatabaseError
from leaddesk.services.logging_setup import configure_logging
from leaddesk.services.paths import DB_ENV_VAR
from leaddesk.services.server_db.address import ServerAddressError, is_server_url
from leaddesk.services.server_db.credentials import set_default_prompt

logger = logging.getLogger(__name__)

# The module under leaddesk.cli of each command, in the order of `leaddesk --help`. A run
# imports only the module of its command, because importing all of them took about 6 s (python
# -X importtime on a loaded 2-core machine), most of it scikit-learn and pandas for `score` and
# `migrate-to`.
COMMAND_MODULES = {
    "import": "import_cmd",
    "imports": "imports_cmd",
    "jobs": "jobs_cmd",
    "inbox": "inbox_cmd",
    "export": "export_cmd",
    "dedupe": "dedupe_cmd",
    "not-duplicate": "dedupe_cmd",
    "merge": "merge_cmd",
    "merges": "merge_cmd",
    "undo": "merge_cmd",
    "playbook": "playbook_cmd",
    "route": "route_cmd",
    "explain": "explain_cmd",
    "escalate": "escalate_cmd",
    "evaluate": "escalate_cmd",
    "stats": "stats_cmd",
    "score": "score_cmd",
    "team": "team_cmd",
    "sync": "sync_cmd",
    "backup": "backup_cmd",
    "restore": "backup_cmd",
    "migrate-to": "migrate_cmd",
    "log": "log_cmd",
}

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


def requested_command(argv: Sequence[str]) -> str | None:
    """Return the command that argv names, or None when it names none or requests the top-level help."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in ("-h", "--help"):
            return None
        if token.startswith("--d") and "=" not in token and "--db".startswith(token):
            # argparse takes a unique prefix of --db, followed by its value.
            index += 2
            continue
        if token.startswith("-"):
            index += 1
            continue
        return token
    return None


def command_modules(command: str | None) -> list[ModuleType]:
    """Import the module of command, or every command module when command is None or unknown."""
    if command in COMMAND_MODULES:
        names = [COMMAND_MODULES[command]]
    else:
        names = list(dict.fromkeys(COMMAND_MODULES.values()))
    return [importlib.import_module(f"leaddesk.cli.{name}") for name in names]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the parser with the subcommands of command's module, or with every subcommand when command is None."""
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
    for module in command_modules(command):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(requested_command(arguments))
    args = parser.parse_args(arguments)
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
