"""Find local changes since the last sync pass and turn them into Change records.

The pass compares every synced row (see entities.ENTITIES) with the values recorded after
the previous pass. This one choke point catches ORM edits, Core bulk writes of the
importer, undo and merges alike, with no hook in those services. The price is a full
read of the synced columns on each pass, and edits between two passes collapse into one
change per field whose old value is the value at the previous pass.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import SyncDevice, SyncIdentity, SyncRowState
from leaddesk.services.sync.entities import BY_NAME, ENTITIES, ENTITY_LEAD, Entity
from leaddesk.services.sync.fields import REMOVED_HERE
from leaddesk.services.sync.hlc import HybridClock
from leaddesk.services.sync.merge import Change, beats, winner_of


def read_local_rows(session: Session, entity: str = ENTITY_LEAD) -> dict[str, dict[str, Any]]:
    """Return {row id: {field: encoded value}} of every row of one record kind, soft-deleted leads included."""
    return BY_NAME[entity].read_rows(session)


def load_row_states(session: Session, entity: str = ENTITY_LEAD) -> dict[str, SyncRowState]:
    states = session.scalars(select(SyncRowState).where(SyncRowState.entity == entity))
    return {state.row_id: state for state in states}


def seen_clocks(session: Session, identity: SyncIdentity) -> dict[str, str]:
    seen = {device.device_id: device.max_hlc for device in session.scalars(select(SyncDevice))}
    seen[identity.device_id] = "9" * 32  # a device has seen all its own earlier changes
    return seen


def collect_local_changes(session: Session, identity: SyncIdentity, clock: HybridClock) -> list[Change]:
    """Record a change for every synced field that differs from the previous pass, and update the row states."""
    changes: list[Change] = []
    seen: dict[str, str] | None = None

    def add(entity: Entity, row_id: str, field: str, value: Any, old: Any) -> None:
        nonlocal seen
        is_delete = field == entity.delete_field and value is not None
        if is_delete and seen is None:
            seen = seen_clocks(session, identity)
        changes.append(
            Change(
                change_id=uuid.uuid4().hex,
                device_id=identity.device_id,
                person=identity.person,
                hlc=clock.tick(),
                entity=entity.name,
                row_id=row_id,
                field=field,
                value=value,
                old=old,
                seen=dict(seen) if is_delete and seen is not None else None,
            )
        )

    for entity in ENTITIES:
        rows = entity.read_rows(session)
        states = load_row_states(session, entity.name)
        first = len(changes)
        for row_id, values in rows.items():
            baseline = _baseline(states.get(row_id))
            for field in entity.synced_fields:
                if values[field] != baseline.get(field):
                    add(entity, row_id, field, values[field], baseline.get(field))

        for row_id, state in states.items():
            if row_id in rows:
                continue
            local = json.loads(state.local_json)
            if isinstance(local, dict) and local.get(entity.delete_field) is None:
                # The row was removed outright (such as by an import undo): travel as a delete.
                add(entity, row_id, entity.delete_field, datetime.now(timezone.utc).isoformat(), None)

        _record_in_states(session, entity.name, changes[first:], states, rows)
    return changes


def _baseline(state: SyncRowState | None) -> dict[str, Any]:
    """Return the values a row held after the previous pass; a new row compares against all None."""
    if state is None:
        return {}
    local = json.loads(state.local_json)
    if isinstance(local, dict):
        return local
    # The row was absent (deleted here, or never materialized) and is back: compare with the merged values.
    return {field: winner[0] for field, winner in json.loads(state.winners_json).items()}


def _record_in_states(
    session: Session, entity: str, changes: list[Change], states: dict[str, SyncRowState], rows: dict[str, dict[str, Any]]
) -> None:
    by_row: dict[str, list[Change]] = {}
    for change in changes:
        by_row.setdefault(change.row_id, []).append(change)
    for row_id, row_changes in by_row.items():
        state = states.get(row_id)
        if state is None:
            state = SyncRowState(entity=entity, row_id=row_id, winners_json="{}", local_json="null")
            session.add(state)
        winners = json.loads(state.winners_json)
        for change in row_changes:
            if beats(change, winners.get(change.field)):
                winners[change.field] = winner_of(change)
        state.winners_json = json.dumps(winners)
        state.local_json = json.dumps(rows.get(row_id, REMOVED_HERE))
