"""The field history of a synced row from the change log: who changed what, when, from which value."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import SyncChange, SyncIdentity, SyncRowState
from leaddesk.services.sync.fields import ENTITY_LEAD
from leaddesk.services.sync.hlc import decode


@dataclass(frozen=True)
class FieldChange:
    """One change of one field of a synced row, with whether it is the row's current value."""

    field: str
    value: Any
    old_value: Any
    person: str
    device_id: str
    device_name: str | None
    changed_at: datetime
    change_id: str
    current: bool


def lead_history(session: Session, lead_id: uuid.UUID | str) -> list[FieldChange]:
    """Return every synced change of the lead, oldest first, losers of same-field conflicts included."""
    return row_history(session, ENTITY_LEAD, lead_id)


def row_history(session: Session, entity: str, row_id: uuid.UUID | str) -> list[FieldChange]:
    """Return every synced change of one row of a record kind (see entities.ENTITIES), oldest first.

    Values that lost a same-field conflict, and settings or playbook documents that a later
    one replaced, are included with current=False.
    """
    row_id = str(row_id)
    state = session.get(SyncRowState, (entity, row_id))
    winners = json.loads(state.winners_json) if state is not None else {}
    current_ids = {winner[3] for winner in winners.values()}
    identity = session.get(SyncIdentity, 1)
    names = {identity.device_id: identity.device_name} if identity is not None else {}
    records = session.scalars(
        select(SyncChange).where(SyncChange.entity == entity, SyncChange.row_id == row_id).order_by(SyncChange.hlc, SyncChange.device_id)
    )
    history = []
    for record in records:
        ms, _counter = decode(record.hlc)
        history.append(
            FieldChange(
                field=record.field,
                value=json.loads(record.value_json),
                old_value=json.loads(record.old_json),
                person=record.person,
                device_id=record.device_id,
                device_name=names.get(record.device_id),
                changed_at=datetime.fromtimestamp(ms / 1000, tz=timezone.utc),
                change_id=record.change_id,
                current=record.change_id in current_ids,
            )
        )
    return history
