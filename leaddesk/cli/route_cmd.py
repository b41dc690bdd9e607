"""`leaddesk route`: show which rep the routing rules pick for a lead and why, or assign it."""

from __future__ import annotations

import argparse
import json

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.imports_cmd import _open_existing
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import add_common_options, load_lead
from leaddesk.models import Lead
from leaddesk.services.evaluation import evaluate_lead
from leaddesk.services.playbook import load_playbook
from leaddesk.services.routing import assign_lead, route_lead
from leaddesk.services.sla import start_response_clock

# Fields that --set accepts for a lead that is not in the database, and their Lead column.
SETTABLE_FIELDS = {
    "email": "email", "company": "company", "title": "title", "employees": "employee_count",
    "source": "source", "industry": "industry", "country": "country", "region": "region",
    "city": "city", "domain": "domain",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "route",
        help="show who the routing rules would give a lead to, and why",
        description="Run the playbook's routing rules for a stored lead or for a lead described with --set, "
        "and print the chosen rep with the reason for every rule and rep skipped. Nothing changes unless "
        "--assign is given.",
    )
    parser.add_argument("lead_id", nargs="?", metavar="LEAD_ID", help="id of a stored lead")
    parser.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE",
        help=f"describe a lead instead of LEAD_ID; FIELD is one of {', '.join(SETTABLE_FIELDS)}",
    )
    parser.add_argument("--explain", action="store_true", help="print the decision without assigning (the default)")
    parser.add_argument("--assign", action="store_true", help="make the chosen rep the stored lead's owner")
    add_common_options(parser)
    parser.set_defaults(run=run)


def described_lead(assignments: list[str]) -> Lead:
    lead = Lead(custom_fields={}, segment="general", stage="new")
    lead.activities = []
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        column = SETTABLE_FIELDS.get(name.strip())
        if not sep or column is None:
            raise CliError(f"invalid --set {assignment!r}; write FIELD=VALUE with FIELD one of {', '.join(SETTABLE_FIELDS)}", EXIT_USAGE)
        if column == "employee_count":
            try:
                setattr(lead, column, int(value))
            except ValueError:
                raise CliError(f"invalid --set {assignment!r}; employees must be a whole number", EXIT_USAGE) from None
        else:
            setattr(lead, column, value.strip())
    return lead


def run(args: argparse.Namespace) -> int:
    if bool(args.lead_id) == bool(args.set):
        raise CliError("give either LEAD_ID or --set FIELD=VALUE options", EXIT_USAGE)
    if args.assign and not args.lead_id:
        raise CliError("--assign needs a stored LEAD_ID", EXIT_USAGE)
    now = parse_now(args.now)
    database = _open_existing(args)
    try:
        with database.session() as session:
            playbook = load_playbook(session)
            if args.lead_id:
                lead = load_lead(session, args.lead_id)
            else:
                lead = described_lead(args.set)
                lead.received_at = now
                start_response_clock(lead, playbook, historical=True)
            if args.assign:
                decision = assign_lead(session, lead, playbook, now)
                evaluate_lead(session, lead, playbook, now)
            else:
                decision = route_lead(session, lead, playbook, now, remember=False)
            output = decision.to_json() if args.json else decision.describe()
            if not args.assign:
                session.rollback()
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(output, ensure_ascii=False))
    else:
        print("\n".join(output))
    return EXIT_OK
