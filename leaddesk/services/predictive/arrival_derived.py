"""Derived lead values (seniority, department, free-mail flag, country from phone, segment) as they were on arrival.

LeadDesk recomputes derived columns from the current source fields after every edit, and
keeps no record of their earlier values. When a source field such as the title was changed
after arrival, the stored seniority and department describe the new title, and training on
them would leak the outcome. This module recomputes them from the arrival source values.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.enrichment import SOURCE_FIELDS
from leaddesk.services.enrichment.derive import derive_values
from leaddesk.services.enrichment.settings import load_default_region
from leaddesk.services.playbook.store import load_playbook

logger = logging.getLogger(__name__)

# Each derived training field and the source fields it is computed from.
DERIVED_INPUTS: dict[str, tuple[str, ...]] = {
    "seniority": ("title",),
    "department": ("title",),
    "is_free_mail": ("email",),
    "derived_country": ("phone", "country"),
}
SEGMENT_FIELD = "segment"


def arrival_derived_values(
    session: Session, rollbacks: Mapping[uuid.UUID, Mapping[str, Any]]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Return, per lead with a rolled-back source field, its derived training fields recomputed at arrival.

    rollbacks maps a lead id to {field: arrival value} of the fields changed since arrival.
    """
    playbook = load_playbook(session)
    segment_inputs = set(playbook.segment_input_columns)
    affected = [
        lead_id for lead_id, fields in rollbacks.items()
        if any(name in SOURCE_FIELDS or name in segment_inputs for name in fields)
    ]
    if not affected:
        return {}
    team_region = load_default_region(session)
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(affected), 500):
        chunk = affected[start:start + 500]
        for lead in session.scalars(select(Lead).where(Lead.id.in_(chunk))):
            found[lead.id] = _derived_at_arrival(lead, rollbacks[lead.id], team_region, playbook, segment_inputs)
    logger.debug("recomputed derived training fields at arrival for %d leads", len(found))
    return found


def _derived_at_arrival(lead: Lead, changed: Mapping[str, Any], team_region, playbook, segment_inputs) -> dict[str, Any]:
    source = {name: changed.get(name, getattr(lead, name, None)) for name in SOURCE_FIELDS}
    derived = derive_values(source, team_region)
    values: dict[str, Any] = {}
    for name, inputs in DERIVED_INPUTS.items():
        if any(field in changed for field in inputs):
            values[name] = derived[name]
    if any(field in changed for field in segment_inputs):
        values[SEGMENT_FIELD] = _segment_at_arrival(lead, source, derived, changed, playbook)
    return values


def _segment_at_arrival(lead: Lead, source, derived, changed, playbook) -> str:
    # A detached copy, so that evaluating the playbook never writes to the stored lead.
    # NOTE: a segment that the import file set explicitly is recomputed from the rules too,
    # because the lead keeps no record of whether its segment was explicit.
    copy = Lead(
        received_at=lead.received_at,
        stage=lead.stage,
        custom_fields={**(lead.custom_fields or {}), **{
            name.removeprefix("custom:"): value for name, value in changed.items() if name.startswith("custom:")
        }},
    )
    for name in ("source", "industry", "region"):
        setattr(copy, name, changed.get(name, getattr(lead, name)))
    for name, value in source.items():
        setattr(copy, name, value)
    for name, value in derived.items():
        setattr(copy, name, value)
    return playbook.segment_for(copy).key
