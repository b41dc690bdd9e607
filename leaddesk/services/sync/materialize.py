"""Write the merged field values of synced rows into the local tables."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leaddesk.models import Rep, SyncChange, SyncConflict, SyncRowState, normalize_phone
from leaddesk.models.base import utc_now
from leaddesk.services.sync.change_log import change_from_record
from leaddesk.services.sync.entities import BY_NAME, ENTITY_FOLLOW_UP, ENTITY_LEAD, ENTITY_REP, Entity
from leaddesk.services.sync.fields import REMOVED_HERE
from leaddesk.services.sync.merge import Change, EditClock, is_deleted, resolve_values, reviving_edit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowOutcome:
    """The result of materializing one row."""

    row_id: str
    # "inserted", "updated", "removed", "unchanged", "absent", or "waiting" for a row
    # whose lead has not arrived on this device yet.
    action: str
    revived_by: str | None
    # True when resolving the row also changed another local row, which must travel as a local edit.
    edited_local: bool = False


def _delete_change(session: Session, change_id: str) -> Change | None:
    record = session.get(SyncChange, change_id)
    if record is None:
        return None
    return change_from_record(record)


def _edit_clocks(session: Session, entity: Entity, row_id: str) -> list[EditClock]:
    records = session.execute(
        select(SyncChange.device_id, SyncChange.hlc, SyncChange.change_id).where(
            SyncChange.entity == entity.name,
            SyncChange.row_id == row_id,
            SyncChange.field.not_in(entity.delete_fields),
        )
    )
    return [EditClock(device_id, hlc, change_id) for device_id, hlc, change_id in records]


def _record_conflict(session: Session, kind: str, entity: str, row_id: str, field: str, winner: str, loser: str, detail: str) -> None:
    """Add a conflict unless the same one was recorded by an earlier pass."""
    exists = session.scalar(
        select(SyncConflict.id).where(
            SyncConflict.kind == kind,
            SyncConflict.entity == entity,
            SyncConflict.row_id == row_id,
            SyncConflict.winner_change_id == winner,
            SyncConflict.loser_change_id == loser,
        )
    )
    if exists is not None:
        return
    session.add(
        SyncConflict(
            kind=kind, entity=entity, row_id=row_id, field=field, winner_change_id=winner, loser_change_id=loser,
            detail=detail, detected_at=utc_now(), reported=False,
        )
    )


def _record_revival(session: Session, entity: Entity, row_id: str, delete_winner: list[Any], edit: EditClock) -> None:
    label = entity.name.replace("_", "-")
    _record_conflict(
        session, "delete_edit", entity.name, row_id, entity.delete_field, edit.change_id, delete_winner[3],
        f"{label} deleted on device {delete_winner[2]} was edited on device {edit.device_id} "
        "without seeing the delete, so it is back; delete it again if it should go",
    )


def _record_done_over_snooze(session: Session, row_id: str, winners: dict[str, Any]) -> None:
    """Record a follow-up that one device marked done while another snoozed it.

    The follow-up service rejects snoozing a done follow-up, so a snooze with a later clock
    than the done mark, from another device, was made without seeing it. The merged row
    keeps completed_at, so it is done on every device, and the snooze no longer applies.
    """
    done, snooze = winners.get("completed_at"), winners.get("snoozed_until")
    if done is None or snooze is None or done[0] is None or snooze[0] is None:
        return
    if snooze[2] == done[2] or snooze[1] < done[1]:
        return
    _record_conflict(
        session, "done_snooze", ENTITY_FOLLOW_UP, row_id, "completed_at", done[3], snooze[3],
        f"follow-up marked done on device {done[2]} was snoozed on device {snooze[2]} until {snooze[0]}; "
        "done wins, so it stays done and the snooze no longer applies",
    )


def _unique_rep_name(session: Session, row_id: str, columns: dict[str, Any], winners: dict[str, Any]) -> bool:
    """Resolve two reps with one name, because rep names are unique: the rep with the greater id gets its id appended.

    Every device picks the same rep to rename. When that is the local rep, its new name
    travels to the other devices as an ordinary edit on the next pass.
    """
    name = columns.get("name")
    table = Rep.__table__
    clash = session.scalar(select(table.c.id).where(table.c.name == name, table.c.id != uuid.UUID(row_id)))
    if name is None or clash is None:
        return False
    winner = winners.get("name") or [None, "", "", ""]
    if row_id > str(clash):
        renamed_id, renamed = row_id, f"{name} ({row_id[:8]})"
        columns["name"] = renamed
    else:
        renamed_id, renamed = str(clash), f"{name} ({str(clash)[:8]})"
        session.execute(update(table).where(table.c.id == clash).values(name=renamed))
    _record_conflict(
        session, "duplicate_name", ENTITY_REP, row_id, "name", winner[3], str(clash),
        f"two reps are named {name!r}, so rep {renamed_id} is now {renamed!r}; rename or deactivate one of them",
    )
    return renamed_id != row_id


def _lead_columns(columns: dict[str, Any], present: bool) -> None:
    """Add the lead columns that are computed here from the synced ones."""
    table = BY_NAME[ENTITY_LEAD].table
    email = columns["email"]
    columns["email_normalized"] = email.strip().casefold() if email else None
    columns["phone_normalized"] = normalize_phone(columns["phone"])
    # Match keys and enrichment are recomputed from the new values by the services that own them.
    columns.update(match_keys_hash=None, derived_version=None, updated_at=datetime.now(timezone.utc))
    if present:
        columns["row_version"] = table.c.row_version + 1


def materialize_row(session: Session, state: SyncRowState) -> RowOutcome:
    """Bring the local row in line with the merged state and record what the row now holds."""
    entity = BY_NAME[state.entity]
    row_id = state.row_id
    winners = json.loads(state.winners_json)
    revived_by = None
    delete_winner = winners.get(entity.delete_field)
    if delete_winner is not None and delete_winner[0] is not None:
        revived_by = reviving_edit(_delete_change(session, delete_winner[3]), delete_winner, _edit_clocks(session, entity, row_id))
        if revived_by is not None:
            _record_revival(session, entity, row_id, delete_winner, revived_by)
    if entity.name == ENTITY_FOLLOW_UP:
        _record_done_over_snooze(session, row_id, winners)
    values = resolve_values(winners, revived_by is not None, entity.synced_fields, entity.delete_fields)

    present = entity.read_row(session, row_id) is not None
    local = json.loads(state.local_json)
    deleted = is_deleted(values, entity.delete_field)
    if not entity.soft_delete and deleted:
        # Kinds without a deleted_at column lose the row itself.
        if present:
            entity.remove(session, row_id)
        state.local_json = json.dumps(REMOVED_HERE)
        return RowOutcome(row_id, "removed" if present else "absent", None)
    if not present and deleted and local == REMOVED_HERE:
        return RowOutcome(row_id, "absent", None)
    if present and local == values:
        return RowOutcome(row_id, "unchanged", None)
    if not present and entity.missing_parent(session, values) is not None:
        logger.info("%s %s waits for its lead to arrive on this device", entity.name, row_id)
        return RowOutcome(row_id, "waiting", None)

    columns = entity.column_values(session, values)
    edited_local = False
    if entity.name == ENTITY_LEAD:
        _lead_columns(columns, present)
    elif entity.name == ENTITY_REP:
        edited_local = _unique_rep_name(session, row_id, columns, winners)
    entity.write(session, row_id, columns, present)
    state.local_json = json.dumps(entity.read_row(session, row_id))
    return RowOutcome(row_id, "updated" if present else "inserted", revived_by.change_id if revived_by else None, edited_local)
