"""Rows of other tables that point at a lead: moved to the survivor by a merge and back by undo.

The tables come from the SQLAlchemy metadata, so a table added later with a foreign key to
leads.id is covered without a change here. A table whose own single-column primary key is
not the lead reference has its rows moved to the survivor. A table whose primary key
contains the lead reference (lead_evaluations, escalation_plans, lead_match_keys) has one
row per lead, and the survivor has its own. So the merged leads' rows are deleted and
recorded whole, and undo inserts them again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from leaddesk.models import Base, Lead, LeadEvaluation, SequenceEnrollment, UTCDateTime

logger = logging.getLogger(__name__)

# Lead references that merge.py handles itself or keeps on purpose:
# leads.merged_into_id is repointed by merge.py, dedup_decisions are moved pair by pair,
# and merge_operations.survivor_id names the survivor of that recorded merge, which undo needs.
HANDLED_ELSEWHERE = frozenset(
    {
        ("leads", "merged_into_id"),
        ("dedup_decisions", "lead_low_id"),
        ("dedup_decisions", "lead_high_id"),
        ("merge_operations", "survivor_id"),
    }
)

# Enrollment statuses that count as the lead's place in a sequence. A stopped enrollment
# moves to the survivor like any row but takes no part in choosing which one to keep.
KEPT_ENROLLMENT_STATUSES = ("finished", "active", "paused")
MERGED_REASON = "merged"
ENROLLMENT_FIELDS = ("status", "status_reason", "next_step_at", "updated_at")


def lead_reference_columns() -> list[Column]:
    """Return every column in the metadata with a foreign key to leads.id."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if any(key.column.table.name == Lead.__tablename__ for key in column.foreign_keys)
    ]


def attached_columns() -> list[Column]:
    """Return the lead references that a merge moves or replaces, in table order."""
    return [column for column in lead_reference_columns() if (column.table.name, column.name) not in HANDLED_ELSEWHERE]


def _is_movable(column: Column) -> bool:
    primary_key = list(column.table.primary_key.columns)
    return len(primary_key) == 1 and primary_key[0] is not column


def _row_key(table: Table) -> Column:
    return next(iter(table.primary_key.columns))


def move_attached_rows(session: Session, survivor_id: uuid.UUID, other_ids: list[uuid.UUID], now: datetime) -> dict[str, Any]:
    """Move or replace every row that points at other_ids and return what undo needs.

    The result has "moved" ({table: {row id: old lead id}}), "replaced" ({table: [row as
    JSON]}) and "enrollments" ({enrollment id: fields before the merge stopped it}).
    """
    session.flush()
    moved: dict[str, dict[str, str]] = {}
    replaced: dict[str, list[dict[str, Any]]] = {}
    for column in attached_columns():
        table = column.table
        if _is_movable(column):
            key = _row_key(table)
            rows = session.execute(select(key, column).where(column.in_(other_ids))).all()
            moved[table.name] = {str(row_id): str(lead_id) for row_id, lead_id in rows}
            if rows:
                session.execute(update(table).where(column.in_(other_ids)).values({column.name: survivor_id}))
        else:
            rows = session.execute(select(table).where(column.in_(other_ids))).mappings().all()
            replaced[table.name] = [_row_to_json(table, row) for row in rows]
            if rows:
                session.execute(delete(table).where(column.in_(other_ids)))
    moved_enrollments = set(moved.get(SequenceEnrollment.__tablename__, {}))
    enrollments = _settle_enrollments(session, survivor_id, moved_enrollments, now)
    session.expire_all()
    return {"moved": moved, "replaced": replaced, "enrollments": enrollments}


def _settle_enrollments(
    session: Session, survivor_id: uuid.UUID, moved_ids: set[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Keep one enrollment per sequence on the survivor and stop the others as merged.

    The kept one is the most advanced: a finished enrollment first, then the highest
    step_index. On a tie the survivor's own enrollment wins, then the earliest enrolled.
    """
    rows = session.scalars(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.lead_id == survivor_id, SequenceEnrollment.status.in_(KEPT_ENROLLMENT_STATUSES))
        .order_by(SequenceEnrollment.enrolled_at, SequenceEnrollment.id)
    ).all()
    by_sequence: dict[str, list[SequenceEnrollment]] = {}
    for row in rows:
        by_sequence.setdefault(row.sequence_key, []).append(row)

    stopped = {}
    for group in by_sequence.values():
        if len(group) < 2:
            continue
        kept = max(group, key=lambda row: (row.status == "finished", row.step_index, str(row.id) not in moved_ids, -group.index(row)))
        for row in group:
            if row is kept:
                continue
            stopped[str(row.id)] = {name: _to_json(getattr(row, name)) for name in ENROLLMENT_FIELDS}
            row.status = "stopped"
            row.status_reason = MERGED_REASON
            row.next_step_at = None
            row.updated_at = now
            logger.info("stopped enrollment %s in %s as merged: enrollment %s is kept", row.id, row.sequence_key, kept.id)
    session.flush()
    return stopped


def restore_attached_rows(session: Session, survivor_id: uuid.UUID, recorded: dict[str, Any]) -> int:
    """Undo move_attached_rows and return the number of rows moved back or inserted again.

    Moved rows go back only while they still point at the survivor.
    """
    session.flush()
    columns = {column.table.name: column for column in lead_reference_columns()}
    count = 0
    for row_id, before in recorded.get("enrollments", {}).items():
        enrollment = session.get(SequenceEnrollment, uuid.UUID(row_id))
        if enrollment is None or enrollment.status != "stopped" or enrollment.status_reason != MERGED_REASON:
            logger.info("enrollment %s changed since the merge, so undo keeps its status", row_id)
            continue
        for name in ENROLLMENT_FIELDS:
            setattr(enrollment, name, _from_json(SequenceEnrollment.__table__.columns[name], before[name]))
    session.flush()

    for table_name, rows in recorded.get("moved", {}).items():
        column = columns[table_name]
        key = _row_key(column.table)
        for row_id, old_lead_id in rows.items():
            result = session.execute(
                update(column.table)
                .where(key == _from_json(key, row_id), column == survivor_id)
                .values({column.name: uuid.UUID(old_lead_id)})
            )
            count += result.rowcount

    for table_name, rows in recorded.get("replaced", {}).items():
        table = columns[table_name].table
        for data in rows:
            _insert_replaced(session, table, {name: _from_json(table.columns[name], value) for name, value in data.items()})
            count += 1
    session.expire_all()
    return count


def _insert_replaced(session: Session, table: Table, values: dict[str, Any]) -> None:
    # A row written since the merge for the same key, such as a key the scan computed again,
    # gives way to the recorded one, which has the state the user set (score override, escalation steps).
    same_key = [column == values[column.name] for column in table.primary_key.columns]
    session.execute(delete(table).where(*same_key))
    if table is not LeadEvaluation.__table__ or values.get("evaluated_at") is None:
        session.execute(insert(table).values(values))
        return
    # The lead_evaluations insert trigger records a qualification change when evaluated_at is
    # set. Restoring a row is no change, so evaluated_at is written by a second statement,
    # which the trigger (UPDATE OF qualification) ignores.
    evaluated_at = values.pop("evaluated_at")
    session.execute(insert(table).values({**values, "evaluated_at": None}))
    session.execute(update(table).where(table.c.lead_id == values["lead_id"]).values(evaluated_at=evaluated_at))


def _row_to_json(table: Table, row: Any) -> dict[str, Any]:
    return {column.name: _to_json(row[column.name]) for column in table.columns}


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _from_json(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    python_type = _python_type(column)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is int and isinstance(value, str):
        return int(value)
    return value


def _python_type(column: Column) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None
