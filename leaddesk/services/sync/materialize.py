"""Write the merged field values of synced rows into the local leads table."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from leaddesk.models import Lead, SyncChange, SyncConflict, SyncRowState, normalize_phone
from leaddesk.models.base import utc_now
from leaddesk.services.sync.change_log import change_from_record
from leaddesk.services.sync.fields import DELETE_FIELDS, DELETED_FIELD, ENTITY_LEAD, LEAD_FIELDS, REFERENCE_FIELDS, REMOVED_HERE, decode_value, encode_value
from leaddesk.services.sync.merge import Change, EditClock, is_deleted, resolve_values, reviving_edit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowOutcome:
    """The result of materializing one row."""

    row_id: str
    action: str  # "inserted", "updated", "unchanged" or "absent"
    revived_by: str | None


def _delete_change(session: Session, change_id: str) -> Change | None:
    record = session.get(SyncChange, change_id)
    if record is None:
        return None
    return change_from_record(record)


def _edit_clocks(session: Session, row_id: str) -> list[EditClock]:
    records = session.execute(
        select(SyncChange.device_id, SyncChange.hlc, SyncChange.change_id).where(
            SyncChange.entity == ENTITY_LEAD,
            SyncChange.row_id == row_id,
            SyncChange.field.not_in(DELETE_FIELDS),
        )
    )
    return [EditClock(device_id, hlc, change_id) for device_id, hlc, change_id in records]


def _record_revival(session: Session, row_id: str, delete_winner: list[Any], edit: EditClock) -> None:
    exists = session.scalar(
        select(SyncConflict.id).where(
            SyncConflict.kind == "delete_edit",
            SyncConflict.row_id == row_id,
            SyncConflict.winner_change_id == edit.change_id,
            SyncConflict.loser_change_id == delete_winner[3],
        )
    )
    if exists is not None:
        return
    session.add(
        SyncConflict(
            kind="delete_edit",
            entity=ENTITY_LEAD,
            row_id=row_id,
            field=DELETED_FIELD,
            winner_change_id=edit.change_id,
            loser_change_id=delete_winner[3],
            detail=f"lead deleted on device {delete_winner[2]} was edited on device {edit.device_id} "
            "without seeing the delete, so it is back; delete it again if it should go",
            detected_at=utc_now(),
            reported=False,
        )
    )


def _column_values(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Decode encoded values for the leads table; a reference to a row missing here becomes None."""
    decoded = {field: decode_value(field, values[field]) for field in LEAD_FIELDS}
    for field, table_name in REFERENCE_FIELDS.items():
        target = decoded[field]
        if target is None:
            continue
        table = Lead.__table__.metadata.tables[table_name]
        if session.execute(select(table.c.id).where(table.c.id == target)).first() is None:
            # NOTE: reps do not sync yet, so an owner created on another device stays unset here.
            logger.info("lead %s refers to %s %s, which this device lacks; leaving %s empty", values.get("id"), table_name, target, field)
            decoded[field] = None
    email = decoded["email"]
    decoded["email_normalized"] = email.strip().casefold() if email else None
    decoded["phone_normalized"] = normalize_phone(decoded["phone"])
    return decoded


def materialize_row(session: Session, state: SyncRowState) -> RowOutcome:
    """Bring the lead row in line with the merged state and record what the row now holds."""
    winners = json.loads(state.winners_json)
    revived_by = None
    delete_winner = winners.get(DELETED_FIELD)
    if delete_winner is not None and delete_winner[0] is not None:
        revived_by = reviving_edit(_delete_change(session, delete_winner[3]), delete_winner, _edit_clocks(session, state.row_id))
        if revived_by is not None:
            _record_revival(session, state.row_id, delete_winner, revived_by)
    values = resolve_values(winners, revived=revived_by is not None)

    table = Lead.__table__
    lead_id = uuid.UUID(state.row_id)
    present = session.execute(select(table.c.id).where(table.c.id == lead_id)).first() is not None
    local = json.loads(state.local_json)
    if not present and is_deleted(values) and local == REMOVED_HERE:
        return RowOutcome(state.row_id, "absent", None)
    if present and local == values:
        return RowOutcome(state.row_id, "unchanged", None)

    columns = _column_values(session, values)
    now = datetime.now(timezone.utc)
    # Match keys and enrichment are recomputed from the new values by the services that own them.
    columns.update(match_keys_hash=None, derived_version=None, updated_at=now)
    if present:
        session.execute(update(table).where(table.c.id == lead_id).values(**columns, row_version=table.c.row_version + 1))
        action = "updated"
    else:
        for field, default in (("segment", "general"), ("stage", "new"), ("score", 0), ("custom_fields", {}), ("secondary_values", {})):
            if columns[field] is None:
                columns[field] = default
        if columns["received_at"] is None:
            columns["received_at"] = now
        session.execute(insert(table).values(id=lead_id, created_at=now, **columns))
        action = "inserted"
    state.local_json = json.dumps(_read_back(session, lead_id))
    return RowOutcome(state.row_id, action, revived_by.change_id if revived_by else None)


def _read_back(session: Session, lead_id: uuid.UUID) -> dict[str, Any]:
    table = Lead.__table__
    record = session.execute(select(*(table.c[field] for field in LEAD_FIELDS)).where(table.c.id == lead_id)).one()
    return {field: encode_value(field, record[index]) for index, field in enumerate(LEAD_FIELDS)}
