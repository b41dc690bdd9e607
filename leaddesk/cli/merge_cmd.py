"""`leaddesk merge` to merge duplicate leads, `leaddesk merges` to list merges, and `leaddesk undo`."""

from __future__ import annotations

import argparse
import json
import uuid

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.imports_cmd import _current_user, _open_existing, format_undo
from leaddesk.services.dedup.history import MergeSummary, list_merges
from leaddesk.services.dedup.merge import PRESETS, MergeError, merge_leads
from leaddesk.services.dedup.presets import CHOSEN_FIELDS
from leaddesk.services.dedup.undo import MIN_PREFIX_DIGITS, MergeUndoError, MergeUndoReport, find_operation, undo_merge
from leaddesk.services.importing.history import BatchNotFoundError
from leaddesk.services.importing.undo import UndoError, undo_import


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    merge = subparsers.add_parser(
        "merge",
        help="merge duplicate leads into one",
        description=(
            "Merge each OTHER_ID into SURVIVOR_ID. Attached activities and follow-ups move to the survivor, "
            "losing e-mails and phones are kept as secondary values, and the merged leads are hidden. "
            "The command prints an operation id for 'leaddesk undo'."
        ),
    )
    merge.add_argument("survivor", metavar="SURVIVOR_ID", help="id of the lead that stays")
    merge.add_argument("others", metavar="OTHER_ID", nargs="+", help="ids of the leads merged into it")
    merge.add_argument(
        "--preset",
        choices=PRESETS,
        default="survivor",
        help="which lead's value wins per field: the survivor's unless empty (default), the newest lead's, "
        "or the most complete lead's",
    )
    merge.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="FIELD=ID",
        help="take FIELD from the lead ID, whatever the preset picks; repeat for more fields "
        f"(fields: {', '.join(CHOSEN_FIELDS)})",
    )
    _add_common(merge)
    merge.set_defaults(run=run_merge)

    merges = subparsers.add_parser(
        "merges",
        help="list merges with the ids that 'leaddesk undo' takes",
        description="List recorded merges, newest first, with their operation ids, survivors, merged leads and undo state.",
    )
    merges.add_argument("--limit", type=int, metavar="N", help="list at most N merges (default: all)")
    _add_common(merges)
    merges.set_defaults(run=run_merges)

    undo = subparsers.add_parser(
        "undo",
        help="undo a merge or an import",
        description=(
            "Undo the merge OPERATION_ID, as 'leaddesk merge' printed it, or the import batch with that id. "
            "Fields edited since the merge keep their value and are listed."
        ),
    )
    undo.add_argument("operation", metavar="OPERATION_ID", help="a merge operation id or import batch id, or its first 4+ digits")
    _add_common(undo)
    undo.set_defaults(run=run_undo)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=argparse.SUPPRESS, help="database file (default: LEADDESK_DB, then the user data folder)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run_merge(args: argparse.Namespace) -> int:
    survivor = _lead_id(args.survivor)
    others = [_lead_id(text) for text in args.others]
    overrides = parse_overrides(args.override, [survivor, *others])
    database = _open_existing(args)
    try:
        with database.session() as session:
            result = merge_leads(session, survivor, others, preset=args.preset, overrides=overrides, actor=_current_user())
    except MergeError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    if args.json:
        print(json.dumps({"operation_id": str(result.operation_id), "survivor_id": str(result.survivor_id),
                          "merged_ids": [str(i) for i in result.merged_ids], "changed_fields": list(result.changed_fields)}))
    else:
        print(
            f"Merged {_count_leads(len(result.merged_ids))} into {result.survivor_id}; "
            f"changed {', '.join(result.changed_fields) or 'no fields'}.\n"
            f"Undo with: leaddesk undo {result.operation_id}"
        )
    return EXIT_OK


def _count_leads(count: int) -> str:
    return f"{count} lead" if count == 1 else f"{count} leads"


def parse_overrides(items: list[str], lead_ids: list[uuid.UUID]) -> dict[str, uuid.UUID]:
    """Turn --override FIELD=ID items into {field: lead id}, checking both parts against the merge."""
    overrides: dict[str, uuid.UUID] = {}
    for item in items:
        field, separator, lead_text = item.partition("=")
        field = field.strip()
        if not separator or not field or not lead_text.strip():
            raise CliError(f"invalid --override value {item!r}; write FIELD=LEAD_ID, such as email={lead_ids[-1]}", EXIT_USAGE)
        if field not in CHOSEN_FIELDS:
            raise CliError(f"invalid --override field {field!r} in {item!r}; use one of {', '.join(CHOSEN_FIELDS)}", EXIT_USAGE)
        lead_id = _lead_id(lead_text)
        if lead_id not in lead_ids:
            raise CliError(f"the lead {lead_id} in --override {item!r} is not one of the merged leads; give the survivor or an OTHER_ID")
        if field in overrides and overrides[field] != lead_id:
            raise CliError(f"--override gives field {field!r} twice with different leads; give it once")
        overrides[field] = lead_id
    return overrides


def run_merges(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise CliError(f"invalid --limit {args.limit}; give a number of 1 or more", EXIT_USAGE)
    database = _open_existing(args)
    try:
        with database.session() as session:
            merges = list_merges(session, limit=args.limit)
    finally:
        database.dispose()

    if args.json:
        print(json.dumps([summary.to_dict() for summary in merges], ensure_ascii=False))
    else:
        print(format_merges(merges), end="")
    return EXIT_OK


def format_merges(merges: list[MergeSummary]) -> str:
    if not merges:
        return "No merges recorded.\n"
    lines = []
    for summary in merges:
        state = f"undone {summary.undone_at:%Y-%m-%d %H:%M} UTC" if summary.undone else "active"
        by = f" by {summary.created_by}" if summary.created_by else ""
        lines.append(f"{summary.operation_id}  {summary.created_at:%Y-%m-%d %H:%M} UTC{by}  {state}")
        lines.append(f"  kept {summary.survivor_name} ({summary.survivor_id})")
        for lead_id, name in zip(summary.merged_ids, summary.merged_names):
            lines.append(f"  merged {name} ({lead_id})")
    active = sum(1 for summary in merges if not summary.undone)
    if active:
        lines.append("Undo a merge with: leaddesk undo OPERATION_ID")
    return "\n".join(lines) + "\n"


def run_undo(args: argparse.Namespace) -> int:
    digits = args.operation.strip().replace("-", "")
    if len(digits) < MIN_PREFIX_DIGITS:
        raise CliError(
            f"operation id {args.operation!r} is too short; give at least {MIN_PREFIX_DIGITS} hex digits "
            "of the id that 'leaddesk merges' or 'leaddesk imports' lists",
            EXIT_USAGE,
        )
    database = _open_existing(args)
    try:
        with database.session() as session:
            operation = find_operation(session, args.operation)
            report = undo_merge(session, operation, actor=_current_user()) if operation is not None else None
        if report is None:
            # Not a merge, so it may be an import batch.
            import_report = undo_import(database, args.operation, actor=_current_user())
    except (MergeUndoError, BatchNotFoundError, UndoError) as error:
        message = str(error)
        if isinstance(error, BatchNotFoundError):
            message = f"no merge operation or import batch has the id {args.operation!r}; check the id that 'leaddesk merge' or 'leaddesk imports' printed"
        raise CliError(message) from error
    finally:
        database.dispose()

    if report is None:
        if args.json:
            print(json.dumps(import_report.to_dict(), ensure_ascii=False, default=str))
        else:
            print(format_undo(import_report), end="")
        return EXIT_OK

    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        print(format_merge_undo(report), end="")
    return EXIT_OK


def format_merge_undo(report: MergeUndoReport) -> str:
    lines = [
        f"Undid merge {report.operation_id}: restored {_count_leads(len(report.restored_leads))}, "
        f"{len(report.restored_fields)} fields on {report.survivor_id}, moved {report.moved_back} rows back."
    ]
    for conflict in report.conflicts:
        lines.append(
            f"  kept {conflict.field} = {conflict.current!r}: it was edited after the merge, which set "
            f"{conflict.merge_set!r}; before the merge it was {conflict.before!r}"
        )
    return "\n".join(lines) + "\n"


def _lead_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise CliError(f"invalid lead id {text!r}; give the full id as 'leaddesk dedupe' prints it") from None
