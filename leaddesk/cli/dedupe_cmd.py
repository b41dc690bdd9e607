"""`leaddesk dedupe` to list likely duplicate groups with scores and reasons, and `leaddesk not-duplicate`."""

from __future__ import annotations

import argparse
import json
import sys
import uuid

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.imports_cmd import _current_user, _open_existing
from leaddesk.services.dedup.merge import MergeResult
from leaddesk.services.dedup.review import LeadLabel, build_review_queue, leads_of_import
from leaddesk.services.dedup.scan import DuplicateGroup, NotDuplicateError, mark_not_duplicate
from leaddesk.services.dedup.settings import DedupSettingsError, load_auto_merge_enabled
from leaddesk.services.importing.history import BatchNotFoundError, find_batch


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dedupe",
        help="list likely duplicate leads",
        description=(
            "Scan all leads for likely duplicates and print the groups, most confident first, with the score "
            "(0 to 1) and the reasons of each pair. Nothing is changed except the stored match keys, unless "
            "auto-merge is turned on in the Duplicates window: then groups at or above the auto-merge threshold "
            "are merged and listed with their operation ids. Merge a group with 'leaddesk merge'."
        ),
    )
    parser.add_argument("--db", default=argparse.SUPPRESS, help="database file (default: LEADDESK_DB, then the user data folder)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--import-batch",
        metavar="BATCH",
        help="list only groups with a lead that this import batch created or changed (id or first 4+ digits)",
    )
    parser.set_defaults(run=run)

    decision = subparsers.add_parser(
        "not-duplicate",
        help="remember that leads are not duplicates",
        description="Remember that the given leads are different people or firms, so later scans never group them together.",
    )
    decision.add_argument("leads", metavar="LEAD_ID", nargs="+", help="two or more lead ids, as 'leaddesk dedupe' prints them")
    decision.add_argument("--db", default=argparse.SUPPRESS, help="database file (default: LEADDESK_DB, then the user data folder)")
    decision.set_defaults(run=run_not_duplicate)


def run(args: argparse.Namespace) -> int:
    database = _open_existing(args)
    try:
        with database.session() as session:
            lead_ids = _batch_leads(session, args.import_batch) if args.import_batch else None
            queue = build_review_queue(session, lead_ids=lead_ids)
            auto_merge_enabled = load_auto_merge_enabled(session)
    except DedupSettingsError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    # The auto-merge lines go to stderr with --json, so the JSON stays one list of groups;
    # 'leaddesk merges --json' lists the same merges.
    print(format_auto_merged(queue.auto_merged), end="", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps([group.to_dict() for group in queue.groups], ensure_ascii=False))
    else:
        print(format_groups(list(queue.groups), queue.labels, auto_merge_enabled=auto_merge_enabled), end="")
    return EXIT_OK


def run_not_duplicate(args: argparse.Namespace) -> int:
    lead_ids = [parse_lead_id(text) for text in args.leads]
    if len(lead_ids) < 2:
        raise CliError("give at least two lead ids, such as 'leaddesk not-duplicate ID1 ID2'", EXIT_USAGE)
    pairs = [(first, second) for index, first in enumerate(lead_ids) for second in lead_ids[index + 1 :]]
    database = _open_existing(args)
    try:
        with database.session() as session:
            for first, second in pairs:
                mark_not_duplicate(session, first, second, actor=_current_user())
    except NotDuplicateError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()
    print(f"Remembered {len(pairs)} pair(s) as not duplicates; later scans keep these leads apart.")
    return EXIT_OK


def parse_lead_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise CliError(f"invalid lead id {text!r}; give the full id as 'leaddesk dedupe' prints it") from None


def _batch_leads(session, reference: str) -> list[uuid.UUID]:
    try:
        batch = find_batch(session, reference)
    except BatchNotFoundError as error:
        raise CliError(str(error)) from error
    return leads_of_import(session, batch.id)


def format_auto_merged(results: tuple[MergeResult, ...]) -> str:
    lines = [
        f"Auto-merged {', '.join(str(lead_id) for lead_id in result.merged_ids)} into {result.survivor_id}; "
        f"undo with: leaddesk undo {result.operation_id}"
        for result in results
    ]
    return "".join(line + "\n" for line in lines)


def format_groups(groups: list[DuplicateGroup], labels: dict[uuid.UUID, LeadLabel], *, auto_merge_enabled: bool = False) -> str:
    if not groups:
        return "No likely duplicates found.\n"
    lines = []
    for number, group in enumerate(groups, 1):
        marker = ""
        if group.auto_merge:
            # With auto-merge on, such a group is listed only when its merge did not happen.
            state = "auto-merge did not merge it" if auto_merge_enabled else "auto-merge is off"
            marker = f" (above the auto-merge threshold; {state})"
        lines.append(f"Group {number}: confidence {group.confidence:.2f}{marker}")
        lines.extend(f"  {lead_id}  {labels[lead_id].describe() if lead_id in labels else ''}" for lead_id in group.lead_ids)
        for pair in group.pairs:
            # Full ids, because lead ids are time-ordered UUIDs whose leading digits are alike,
            # and because merge and not-duplicate take exactly these ids.
            lines.append(f"    {pair.low_id} ~ {pair.high_id}  {pair.score:.2f}: {', '.join(pair.reasons)}")
    return "\n".join(lines) + "\n"
