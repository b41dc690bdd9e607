"""`leaddesk explain LEAD_ID`: print what the playbook decides about one lead and why."""

from __future__ import annotations

import argparse
import json

from leaddesk.cli.errors import EXIT_OK
from leaddesk.cli.imports_cmd import _open_existing
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import add_common_options, load_lead
from leaddesk.services.lead_explanation import explain_lead
from leaddesk.services.playbook import load_playbook


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="print a lead's segment, SLA, qualification, score, routing and next escalation",
        description="Print the lead's segment and response deadline in business time, its qualification "
        "with a reason per condition, its score parts, the rep routing would pick and the next "
        "escalation step. Nothing is changed.",
    )
    parser.add_argument("lead_id", metavar="LEAD_ID", help="id of a stored lead")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    database = _open_existing(args)
    try:
        with database.session() as session:
            playbook = load_playbook(session)
            lead = load_lead(session, args.lead_id)
            explanation = explain_lead(session, lead, playbook, now)
            output = explanation.to_json() if args.json else explanation.lines()
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(output, ensure_ascii=False, indent=2))
    else:
        print("\n".join(output))
    return EXIT_OK
