"""`leaddesk stats`: print the dashboard's KPIs as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta, timezone

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import DB_HELP, NOW_HELP
from leaddesk.cli.stats_text import format_report
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.playbook import load_playbook
from leaddesk.services.reporting import (
    ReportFilter,
    active_model_summary,
    compute_dashboard,
    load_dashboard_facts,
    playbook_segment_labels,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="print speed to lead, SLA compliance, funnel, completeness and other KPIs",
        description="Print the figures of the dashboard: speed to lead, SLA compliance with the breach heatmap "
        "by rep and hour, the conversion funnel overall and by source, data completeness, score distribution, "
        "leading indicators, and the active conversion model's calibration and lift by decile. Text output "
        "is in tables that fit 100 columns.",
    )
    parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--since", metavar="DATE", help="only leads that arrived on or after DATE (YYYY-MM-DD, team timezone)")
    parser.add_argument("--until", metavar="DATE",
                        help="only leads that arrived on or before DATE, the whole day included (YYYY-MM-DD, team timezone)")
    parser.add_argument("--owner", action="append", default=[], metavar="REP", help="only leads of this rep; repeatable")
    parser.add_argument("--segment", action="append", default=[], metavar="KEY", help="only this segment, by key or label; repeatable")
    parser.add_argument("--source", action="append", default=[], metavar="SOURCE", help="only this lead source; repeatable")
    parser.add_argument("--now", metavar="ISO-8601", help=NOW_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CliError(f"invalid {option} value {value!r}: expected a date such as 2026-03-01", exit_code=EXIT_USAGE) from None


def run(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    if since and until and since > until:
        raise CliError(
            f"invalid range: --since {since} is after --until {until}; give a --since date on or before --until",
            exit_code=EXIT_USAGE,
        )
    path = resolve_database_path(getattr(args, "db", None))
    if not path.exists():
        raise CliError(f"database file {path} not found; check --db, or import leads first with 'leaddesk import FILE'")
    database = Database.open(path)
    try:
        with database.session() as session:
            playbook = load_playbook(session)
        zone = playbook.calendar.zone
        labels = playbook_segment_labels(playbook)
        facts = load_dashboard_facts(database, now)
        _check_names(facts, args, labels)
        report_filter = ReportFilter(
            since=datetime.combine(since, time(0), tzinfo=zone).astimezone(timezone.utc) if since else None,
            # --until includes its whole day, so the filter ends at the next midnight.
            until=datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc) if until else None,
            owners=frozenset(args.owner),
            segments=frozenset(_segment_key(value, labels) for value in args.segment),
            sources=frozenset(args.source),
        )
        report = compute_dashboard(facts, report_filter, now, active_model_summary(database), labels)
    finally:
        database.dispose()
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_report(report))
    return EXIT_OK


def _segment_key(value: str, labels: dict[str, str]) -> str:
    """Return the segment key of value, which is a key or a label compared case-insensitively."""
    wanted = value.strip().casefold()
    for key, label in labels.items():
        if wanted in (key.casefold(), label.casefold()):
            return key
    return value


def _check_names(facts, args: argparse.Namespace, labels: dict[str, str]) -> None:
    """Raise CliError for an owner, segment or source that no lead has, listing the known ones."""
    for option, values, attribute in (("--owner", args.owner, "owner"), ("--segment", args.segment, "segment"),
                                      ("--source", args.source, "source")):
        known = sorted({getattr(fact, attribute) for fact in facts})
        for value in values:
            if attribute == "segment":
                value = _segment_key(value, labels)
                if value in labels:
                    # A playbook segment without leads is a valid filter, and its figures are zeros.
                    continue
            if value not in known:
                described = [f"{name} ({labels[name]})" if name in labels else name for name in known]
                listed = ", ".join(described[:20]) or "none"
                raise CliError(f"no lead has {attribute} {value!r}; known values: {listed}. Check {option}")
