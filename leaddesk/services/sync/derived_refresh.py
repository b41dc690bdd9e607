"""Recompute the derived values and evaluations of leads that a sync pass changed.

Materializing writes synced rows as Core statements, so neither the ORM listener of
auto_evaluation nor the importer's post-import job runs for them. Derived values, match keys,
qualification, score and grade are local to each device and never travel. So every
device recomputes them for the leads that arrived or changed. It uses the same service
functions as the post-import job (derived.refresh_stored_ids and
bulk_evaluation.evaluate_in_bulk).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, SyncRowState
from leaddesk.services.bulk_evaluation import CHUNK_LEADS, evaluate_in_bulk
from leaddesk.services.derived import refresh_stored_ids
from leaddesk.services.enrichment.settings import DEFAULT_REGION_KEY
from leaddesk.services.playbook.store import TEAM_TIMEZONE_KEY
from leaddesk.services.sync.entities import (
    ENTITY_ACTIVITY, ENTITY_ENROLLMENT, ENTITY_FOLLOW_UP, ENTITY_LEAD, ENTITY_PLAYBOOK, ENTITY_REP, ENTITY_SETTING,
    setting_row_id,
)

logger = logging.getLogger(__name__)

# Kinds whose rows belong to one lead through their lead_id field, so a change to one
# of them can change that lead's engagement points and speed to lead.
_LEAD_CHILDREN = (ENTITY_ACTIVITY, ENTITY_FOLLOW_UP, ENTITY_ENROLLMENT)

# Settings that enrichment or evaluation read for every lead: the team's default region and time zone.
_EVERY_LEAD_SETTINGS = frozenset(setting_row_id(key) for key in (DEFAULT_REGION_KEY, TEAM_TIMEZONE_KEY))

_LEADS = Lead.__table__


def affected_lead_ids(session: Session, changed: dict[str, set[str]]) -> tuple[list[uuid.UUID], bool]:
    """Return the ids of leads whose derived values or evaluation a pass's changed rows can alter.

    changed maps a record kind to the ids of its rows that the pass inserted, updated or
    removed. The second value is True when the playbook, the default region or the team
    time zone changed, because those apply to every lead. The ids are then those of all leads.
    """
    if changed.get(ENTITY_PLAYBOOK) or changed.get(ENTITY_SETTING, set()) & _EVERY_LEAD_SETTINGS:
        return list(session.scalars(select(_LEADS.c.id).order_by(_LEADS.c.id))), True

    lead_ids: set[uuid.UUID] = {uuid.UUID(row_id) for row_id in changed.get(ENTITY_LEAD, ())}
    for kind in _LEAD_CHILDREN:
        for row_id in changed.get(kind, ()):
            # The merged state keeps lead_id after a row is removed outright, when the table no longer has it.
            state = session.get(SyncRowState, (kind, row_id))
            winner = json.loads(state.winners_json).get("lead_id") if state is not None else None
            if winner is not None and winner[0] is not None:
                lead_ids.add(uuid.UUID(winner[0]))
    rep_ids = [uuid.UUID(row_id) for row_id in changed.get(ENTITY_REP, ())]
    for start in range(0, len(rep_ids), CHUNK_LEADS):
        # A rep's name is a condition field ("owner"), so a renamed rep changes its leads' results.
        owned = select(_LEADS.c.id).where(_LEADS.c.owner_id.in_(rep_ids[start : start + CHUNK_LEADS]))
        lead_ids.update(session.scalars(owned))
    return sorted(lead_ids), False


def refresh_synced_leads(session: Session, changed: dict[str, set[str]], now: datetime) -> int:
    """Refresh derived values and match keys and evaluate the leads that changed rows affect; return the evaluated count.

    Leads deleted here are refreshed but not evaluated, as evaluate_in_bulk skips them.
    """
    lead_ids, everything = affected_lead_ids(session, changed)
    if not lead_ids:
        return 0
    # With everything set, the ids were just read from the leads table, so each has a row.
    present = lead_ids if everything else _present_ids(session, lead_ids)
    refresh_stored_ids(session, [lead_id.hex for lead_id in present], now=now)
    evaluated = evaluate_in_bulk(session, present, now)
    logger.info(
        "refreshed and evaluated %d synced leads (%s)",
        evaluated, "the playbook or a team setting changed, so all leads" if everything else "leads with changed rows",
    )
    return evaluated


def _present_ids(session: Session, lead_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Return the ids of lead_ids that have a row here; a lead still waiting for its row has none."""
    present: list[uuid.UUID] = []
    for start in range(0, len(lead_ids), CHUNK_LEADS):
        chunk = lead_ids[start : start + CHUNK_LEADS]
        present += session.scalars(select(_LEADS.c.id).where(_LEADS.c.id.in_(chunk)))
    return sorted(present)
