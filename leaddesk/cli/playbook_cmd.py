"""`leaddesk playbook check|import|export`: validate, load and save the playbook TOML file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from leaddesk.cli.errors import EXIT_BAD_INPUT, EXIT_OK, CliError
from leaddesk.cli.imports_cmd import _open_existing
from leaddesk.cli.lead_lookup import DB_HELP
from leaddesk.services.database import Database
from leaddesk.services.deadline_refresh import recompute_waiting_deadlines
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.playbook import (
    PlaybookError,
    active_playbook_text,
    check_playbook,
    load_playbook,
    parse_playbook,
    save_playbook_text,
    shipped_playbook_text,
    system_timezone_name,
)
from leaddesk.services.playbook.fallback_check import fallback_segment_warnings
from leaddesk.services.playbook.rep_check import unknown_rep_warnings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "playbook",
        help="check, import or export the playbook (segments, SLAs, scoring, routing)",
        description="Check, import or export the playbook TOML file that contains segments, SLAs, calendars, "
        "qualification, scoring, routing and escalation.",
    )
    actions = parser.add_subparsers(dest="playbook_action", required=True, parser_class=type(parser))

    check = actions.add_parser("check", help="report every error in a playbook file; changes nothing")
    check.add_argument("file", type=Path, help="playbook TOML file")
    check.add_argument("--json", action="store_true", help="print the errors as a JSON array")
    check.add_argument(
        "--db", default=argparse.SUPPRESS,
        help=f"{DB_HELP}; when the file exists, routing rules are checked against its reps",
    )
    check.set_defaults(run=run_check)

    load = actions.add_parser("import", help="make a playbook file the active playbook, if it is valid")
    load.add_argument("file", type=Path, help="playbook TOML file")
    load.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    load.set_defaults(run=run_import)

    save = actions.add_parser("export", help="write the active playbook to a TOML file")
    save.add_argument("file", type=Path, help="TOML file to write; '-' prints it")
    save.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    save.add_argument("--default", action="store_true", help="write the shipped default instead of the active playbook")
    save.set_defaults(run=run_export)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8") from error


def run_check(args: argparse.Namespace) -> int:
    text = _read(args.file)
    issues = check_playbook(text, default_timezone=system_timezone_name())
    if args.json:
        rows = [{"line": issue.line, "key": issue.path, "message": issue.message, "fix": issue.fix} for issue in issues]
        print(json.dumps(rows, ensure_ascii=False))
    elif issues:
        for issue in issues:
            line = f"{issue.line}:" if issue.line is not None else ""
            key = f" {issue.path}:" if issue.path else ""
            print(f"{args.file}:{line}{key} {issue.message}; {issue.fix}", file=sys.stderr)
        print(f"{args.file}: {len(issues)} error(s); nothing was changed", file=sys.stderr)
    else:
        print(f"{args.file}: the playbook is valid")
        playbook = parse_playbook(text, source=str(args.file), default_timezone=system_timezone_name())
        _print_warnings(args.file, fallback_segment_warnings(playbook))
        path = resolve_database_path(getattr(args, "db", None))
        if path.exists():
            database = Database.open(path)
            try:
                with database.session() as session:
                    _print_warnings(args.file, unknown_rep_warnings(session, playbook))
            finally:
                database.dispose()
    return EXIT_BAD_INPUT if issues else EXIT_OK


def _print_warnings(path: Path, warnings: list[str]) -> None:
    for warning in warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    text = _read(args.file)
    # A playbook may be set up before the first lead import, so a new database file is fine here.
    database = Database.open(resolve_database_path(getattr(args, "db", None)))
    try:
        with database.session() as session:
            previous = load_playbook(session)
            try:
                playbook = save_playbook_text(session, text, source=str(args.file))
            except PlaybookError as error:
                raise CliError(f"{error}\nThe active playbook was kept.") from error
            moved = recompute_waiting_deadlines(session, previous, playbook)
            warnings = fallback_segment_warnings(playbook) + unknown_rep_warnings(session, playbook)
    finally:
        database.dispose()
    print(f"{args.file}: imported; {len(playbook.segments)} segments are active")
    print(f"{moved} waiting lead deadline(s) moved to the new response times")
    _print_warnings(args.file, warnings)
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    if args.default:
        text = shipped_playbook_text()
    else:
        database = _open_existing(args)
        try:
            with database.session() as session:
                text = active_playbook_text(session)
        finally:
            database.dispose()
    if str(args.file) == "-":
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
        print(f"wrote the playbook to {args.file}")
    return EXIT_OK
