"""`leaddesk escalate` and `leaddesk evaluate`: run due escalation steps, and store fresh scores."""

from __future__ import annotations

import argparse
import json

from leaddesk.cli.errors import EXIT_OK
from leaddesk.cli.imports_cmd import _open_existing
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import DB_HELP, NOW_HELP
from leaddesk.cli.progress import TerminalProgress
from leaddesk.services.escalation_schedule import run_due_escalations
from leaddesk.services.evaluation import evaluate_all
from leaddesk.services.playbook import load_playbook


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    escalate = subparsers.add_parser(
        "escalate",
        help="run the escalation steps that are due (reminders, alerts, reassignment)",
        description="Run every escalation step of the playbook that is due for a lead not yet contacted, "
        "and log each on the lead's timeline. A step runs once per lead.",
    )
    evaluate = subparsers.add_parser(
        "evaluate",
        help="store every lead's qualification and score",
        description="Qualify and score every lead against the playbook and store the results, so that "
        "engagement decay and playbook changes show in stored scores.",
    )
    for parser, run in ((escalate, run_escalate), (evaluate, run_evaluate)):
        parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
        parser.add_argument("--now", metavar="ISO-8601", help=NOW_HELP)
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
        parser.set_defaults(run=run)


def run_escalate(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    database = _open_existing(args)
    try:
        with database.session() as session:
            # The stored plans find the due leads, as the window's reminder check does.
            events, _next_at = run_due_escalations(session, load_playbook(session), now)
            rows = [{"lead_id": str(event.lead_id), "action": event.step.action.value, "summary": event.summary} for event in events]
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['lead_id']}  {row['summary']}")
        print(f"{len(rows)} escalation step(s) run")
    return EXIT_OK


def run_evaluate(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    database = _open_existing(args)
    progress = TerminalProgress("evaluating", enabled=not args.json)
    try:
        with database.session() as session:
            count = evaluate_all(session, now, progress)
    finally:
        progress.close()
        database.dispose()
    print(json.dumps({"evaluated": count}) if args.json else f"{count} lead(s) evaluated")
    return EXIT_OK
