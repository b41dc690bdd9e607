"""Undoing a recorded merge, also after a restart and after later edits to other fields."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.services.driver_sql import stored_id_text
from leaddesk.models import Activity, ActivityKind, DedupDecision, Lead, MergeOperation, utc_now
from leaddesk.services.dedup.merge_rows import restore_attached_rows
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.snapshot import DERIVED_COLUMNS, earliest_open_follow_up, from_json, to_json

logger = logging.getLogger(__name__)

# An operation id prefix shorter than this matches too many operations to be safe.
MIN_PREFIX_DIGITS = 4


class MergeUndoError(ValueError):
    """A merge that cannot be undone: not found, undone already, or followed by a merge of its survivor."""


@dataclass(frozen=True)
class FieldConflict:
    """A survivor field edited since the merge, so undo kept its current value."""

    field: str
    current: Any
    merge_set: Any
    before: Any


@dataclass
class MergeUndoReport:
    operation_id: str
    survivor_id: str
    restored_leads: list[str] = field(default_factory=list)
    restored_fields: list[str] = field(default_factory=list)
    moved_back: int = 0
    conflicts: list[FieldConflict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_operation(session: Session, reference: str | uuid.UUID) -> MergeOperation | None:
    """Return the merge with this id or id prefix, None when there is none, or raise when several match."""
    if isinstance(reference, uuid.UUID):
        return session.get(MergeOperation, reference)
    digits = reference.strip().replace("-", "").casefold()
    if len(digits) < MIN_PREFIX_DIGITS or any(char not in "0123456789abcdef" for char in digits):
        return None
    found = list(
        session.scalars(select(MergeOperation).where(stored_id_text(MergeOperation.id).startswith(digits)).limit(2))
    )
    if len(found) > 1:
        raise MergeUndoError(f"more than one merge has an id starting with {reference!r}; give more digits of the id")
    return found[0] if found else None


def undo_merge(
    session: Session, operation: MergeOperation, *, actor: str | None = None, now: datetime | None = None
) -> MergeUndoReport:
    """Undo a merge: restore the merged leads, move their rows back and restore the survivor's fields.

    A survivor field edited since the merge keeps its current value and is listed in the
    report's conflicts. Every other field that the merge changed gets its value from before.
    Raise MergeUndoError when a later merge, not undone, merged this survivor into another
    lead, because the rows to move back are on that lead now. That merge must be undone first.
    """
    now = now or utc_now()
    if operation.undone_at is not None:
        by = f" by {operation.undone_by}" if operation.undone_by else ""
        raise MergeUndoError(f"merge {operation.id} was undone on {operation.undone_at:%Y-%m-%d %H:%M} UTC{by}; nothing to do")
    later = later_merge_of_survivor(session, operation)
    if later is not None:
        raise MergeUndoError(
            f"merge {operation.id} cannot be undone yet: merge {later.id} later merged its survivor "
            f"{operation.survivor_id} into {later.survivor_id}; undo merge {later.id} first"
        )

    survivor = session.get(Lead, operation.survivor_id)
    report = MergeUndoReport(operation_id=str(operation.id), survivor_id=str(operation.survivor_id))
    snapshot = operation.snapshot

    _restore_survivor(survivor, snapshot["survivor"], report)
    # Rows go back before the merged leads are restored, so the flush that evaluates a
    # restored lead finds its recorded evaluation and does not insert a new one.
    report.moved_back = restore_attached_rows(session, survivor.id, snapshot)
    _restore_merged(session, survivor, snapshot, report)
    _restore_decisions(session, snapshot["decisions"])

    if report.conflicts:
        normalize_lead_keys(survivor)
        survivor.email_normalized = survivor.email.strip().casefold() if survivor.email else None
    survivor.next_follow_up_at = earliest_open_follow_up(session, survivor.id)
    survivor.updated_by = actor
    for lead_id in report.restored_leads:
        lead = session.get(Lead, uuid.UUID(lead_id))
        lead.next_follow_up_at = earliest_open_follow_up(session, lead.id)

    operation.undone_at = now
    operation.undone_by = actor
    session.add(
        Activity(
            lead_id=survivor.id,
            kind=ActivityKind.MERGE_UNDONE.value,
            occurred_at=now,
            summary=f"Undid the merge of {len(report.restored_leads)} lead{'' if len(report.restored_leads) == 1 else 's'} into this lead",
            actor=actor,
        )
    )
    session.flush()
    logger.info(
        "undid merge %s: %d leads restored, %d fields restored, %d conflicts",
        operation.id, len(report.restored_leads), len(report.restored_fields), len(report.conflicts),
    )
    return report


def later_merge_of_survivor(session: Session, operation: MergeOperation) -> MergeOperation | None:
    """Return the merge, not undone, that merged operation's survivor into another lead, or None."""
    survivor = session.get(Lead, operation.survivor_id)
    if survivor is None or survivor.merged_into_id is None:
        return None
    candidates = session.scalars(
        select(MergeOperation)
        .where(MergeOperation.undone_at.is_(None), MergeOperation.id != operation.id)
        .order_by(MergeOperation.created_at.desc())
    )
    survivor_text = str(operation.survivor_id)
    for candidate in candidates:
        if survivor_text in candidate.merged_ids:
            return candidate
    return None


def _restore_survivor(survivor: Lead, changed: dict[str, list[Any]], report: MergeUndoReport) -> None:
    for name, (before, merge_set) in sorted(changed.items()):
        current = to_json(getattr(survivor, name))
        if current != merge_set:
            # A derived column differs because its source changed, which is reported for the source.
            if name not in DERIVED_COLUMNS:
                report.conflicts.append(FieldConflict(name, current, merge_set, before))
            continue
        setattr(survivor, name, from_json(name, before))
        if name not in DERIVED_COLUMNS:
            report.restored_fields.append(name)


def _restore_merged(session: Session, survivor: Lead, snapshot: dict[str, Any], report: MergeUndoReport) -> None:
    for lead_id, state in snapshot["merged"].items():
        lead = session.get(Lead, uuid.UUID(lead_id))
        if lead is None:
            continue
        for name, value in state.items():
            setattr(lead, name, from_json(name, value))
        report.restored_leads.append(lead_id)

    for lead_id, target in snapshot["repointed"].items():
        lead = session.get(Lead, uuid.UUID(lead_id))
        if lead is not None and lead.merged_into_id == survivor.id:
            lead.merged_into_id = uuid.UUID(target)


def _restore_decisions(session: Session, decisions: dict[str, list[list[Any]]]) -> None:
    for low, high in decisions["added"]:
        row = session.get(DedupDecision, (uuid.UUID(low), uuid.UUID(high)))
        if row is not None:
            session.delete(row)
    session.flush()
    for low, high, decision, decided_at, decided_by in decisions["removed"]:
        session.merge(
            DedupDecision(
                lead_low_id=uuid.UUID(low),
                lead_high_id=uuid.UUID(high),
                decision=decision,
                decided_at=datetime.fromisoformat(decided_at),
                decided_by=decided_by,
            )
        )
