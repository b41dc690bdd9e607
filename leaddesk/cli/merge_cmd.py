"""`leaddesk merge` to merge duplicate leads, and `leaddesk undo` to undo a merge or an import."""

from __future__ import annotations

import argparse
import json
import uuid

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.imports_cmd import _current_user, _open_existing, format_undo
from leaddesk.services.dedup.merge import PRESETS, MergeError, merge_leads
from leaddesk.services.dedup.undo import MergeUndoError, MergeUndoReport, find_operation, undo_merge
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
    _add_common(merge)
    merge.set_defaults(run=run_merge)

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
    database = _open_existing(args)
    try:
        with database.session() as session:
            result = merge_leads(session, survivor, others, preset=args.preset, actor=_current_user())
    except MergeError as error:
        raise CliError(str(error)) from error
    finally:
        database.dispose()

    if args.json:
        print(json.dumps({"operation_id": str(result.operation_id), "survivor_id": str(result.survivor_id),
                          "merged_ids": [str(i) for i in result.merged_ids], "changed_fields": list(result.changed_fields)}))
    else:
        print(
            f"Merged {len(result.merged_ids)} leads into {result.survivor_id}; "
            f"changed {', '.join(result.changed_fields) or 'no fields'}.\n"
            f"Undo with: leaddesk undo {result.operation_id}"
        )
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
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
        f"Undid merge {report.operation_id}: restored {len(report.restored_leads)} leads, "
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
