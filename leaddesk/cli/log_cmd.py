"""`leaddesk log LEAD_ID --kind KIND`: log a call, email, meeting, reply or note on a lead."""

from __future__ import annotations

import argparse
import json

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.imports_cmd import _current_user, _open_existing
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import add_common_options, parse_lead_id
from leaddesk.models import ActivityKind, CallOutcome
from leaddesk.services.activities import LOGGABLE_KINDS, ActivityError, log_activity


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "log",
        help="log a call, email, meeting, reply or note on a lead's timeline",
        description="Log an activity on a lead. A reply (the lead wrote back), a meeting, or a call "
        "with the outcome meeting_booked pauses the lead's active sequences.",
    )
    parser.add_argument("lead_id", metavar="LEAD_ID", help="the lead's id, as 'leaddesk inbox --json' prints it")
    parser.add_argument(
        "--kind", required=True, choices=[kind.value for kind in LOGGABLE_KINDS], help="what happened"
    )
    parser.add_argument(
        "--outcome", choices=[outcome.value for outcome in CallOutcome], help="the call's outcome (calls only)"
    )
    parser.add_argument("--summary", default="", help="what was said or sent (required for a note)")
    add_common_options(parser)
    parser.set_defaults(run=run_log)


def run_log(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    lead_id = parse_lead_id(args.lead_id)
    kind = ActivityKind(args.kind)
    outcome = CallOutcome(args.outcome) if args.outcome else None
    database = _open_existing(args)
    try:
        with database.session() as session:
            logged = log_activity(session, lead_id, kind, args.summary, _current_user(), now, outcome=outcome)
    except ActivityError as error:
        raise CliError(str(error)) from None
    finally:
        database.dispose()
    row = {"lead_id": str(logged.lead_id), "activity_id": str(logged.activity_id), "first_contact": logged.first_contact}
    print(json.dumps(row) if args.json else f"logged {kind.value} on lead {logged.lead_id}")
    return EXIT_OK
