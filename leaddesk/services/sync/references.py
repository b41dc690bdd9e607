"""Find rows whose optional reference can be filled in now that its target row has arrived.

An optional reference (a lead's or follow-up's owner, a merged lead's survivor) to a row
that is not on this device yet is written as empty, because the foreign key needs the
target row. The merged value stays in the row state, so the row is written again once the
target arrives, in the same pass or a later one.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import SyncRowState
from leaddesk.services.sync.entities import ENTITIES, ORDER, TableEntity

logger = logging.getLogger(__name__)


def _entity_of_table(table_name: str) -> str | None:
    for entity in ENTITIES:
        if isinstance(entity, TableEntity) and entity.table.name == table_name:
            return entity.name
    return None


def _target_present(session: Session, entity: TableEntity, field_name: str, row_id: str) -> bool:
    target = entity.references[field_name]
    return session.execute(select(target.c.id).where(target.c.id == uuid.UUID(row_id))).first() is not None


def rows_with_arrived_references(session: Session, arrived_kinds: Iterable[str]) -> list[SyncRowState]:
    """Return the row states whose merged reference names a row now present here while the local row has no value.

    arrived_kinds lists the record kinds that gained rows in this pass, so only references
    to those kinds are checked. Rows never written here are left to the pass that writes them.
    """
    arrived = set(arrived_kinds)
    found: dict[tuple[str, str], SyncRowState] = {}
    for entity in ENTITIES:
        if not isinstance(entity, TableEntity):
            continue
        for field_name, target in entity.references.items():
            if _entity_of_table(target.name) not in arrived:
                continue
            # local_json is written by json.dumps with its default separators, so an empty
            # reference reads '"owner_id": null'. LIKE only narrows the candidates, and the JSON check decides.
            candidates = session.scalars(
                select(SyncRowState).where(
                    SyncRowState.entity == entity.name,
                    SyncRowState.local_json.like(f'%"{field_name}": null%'),
                )
            )
            for state in candidates:
                local = json.loads(state.local_json)
                winner = json.loads(state.winners_json).get(field_name)
                if not isinstance(local, dict) or local.get(field_name) is not None:
                    continue
                if winner is None or winner[0] is None:
                    continue
                if _target_present(session, entity, field_name, winner[0]):
                    logger.info("%s %s gets %s %s, which arrived after it", entity.name, state.row_id, field_name, winner[0])
                    found[(state.entity, state.row_id)] = state
    return [found[key] for key in sorted(found, key=lambda key: (ORDER[key[0]], key[1]))]
