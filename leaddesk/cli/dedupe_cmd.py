"""`leaddesk dedupe`: list groups of likely duplicate leads with their scores and reasons."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import select

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.imports_cmd import _open_existing
from leaddesk.models import Lead
from leaddesk.services.dedup.scan import DuplicateGroup, scan_duplicates
from leaddesk.services.dedup.settings import DedupSettingsError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dedupe",
        help="list likely duplicate leads",
        description=(
            "Scan all leads for likely duplicates and print the groups, most confident first, with the score "
            "(0 to 1) and the reasons of each pair. Nothing is changed except the stored match keys; merge a "
            "group with 'leaddesk merge'."
        ),
    )
    parser.add_argument("--db", default=argparse.SUPPRESS, help="database file (default: LEADDESK_DB, then the user data folder)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    database = _open_existing(args)
    try:
        with database.session() as session:
            groups = scan_duplicates(session)
            ids = {lead_id for group in groups for lead_id in group.lead_ids}
            labels = {lead.id: lead.display_name for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)))}
    except DedupSettingsError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    if args.json:
        print(json.dumps([group.to_dict() for group in groups], ensure_ascii=False))
    else:
        print(format_groups(groups, labels), end="")
    return EXIT_OK


def format_groups(groups: list[DuplicateGroup], labels: dict) -> str:
    if not groups:
        return "No likely duplicates found.\n"
    lines = []
    for number, group in enumerate(groups, 1):
        marker = " (auto-merge)" if group.auto_merge else ""
        lines.append(f"Group {number}: confidence {group.confidence:.2f}{marker}")
        lines.extend(f"  {lead_id}  {labels.get(lead_id, '')}" for lead_id in group.lead_ids)
        for pair in group.pairs:
            lines.append(f"    {str(pair.low_id)[:8]} ~ {str(pair.high_id)[:8]}  {pair.score:.2f}: {', '.join(pair.reasons)}")
    return "\n".join(lines) + "\n"
