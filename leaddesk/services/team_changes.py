"""Teammates' lead changes that a sync pass or a live notification brought in, and their one-line summary."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, SyncChange
from leaddesk.services.sync.fields import ENTITY_LEAD

# Leads named one by one in a change message; the rest are counted.
NAMED_LEADS = 3


@dataclass(frozen=True)
class TeamChange:
    """One person's change of one lead, with the fields when they are known."""

    person: str
    lead_id: uuid.UUID
    lead_name: str
    # Empty when only the lead is known, as with a live notification from PostgreSQL.
    fields: tuple[str, ...] = ()


def received_changes(session: Session, since: datetime, own_device_id: str) -> list[TeamChange]:
    """Return the lead changes of other devices that this device received at or after since."""
    rows = session.execute(
        select(SyncChange.person, SyncChange.row_id, SyncChange.field)
        .where(SyncChange.entity == ENTITY_LEAD, SyncChange.device_id != own_device_id, SyncChange.received_at >= since)
        .order_by(SyncChange.hlc)
    )
    fields: dict[tuple[str, str], list[str]] = {}
    for person, row_id, field in rows:
        names = fields.setdefault((person, row_id), [])
        if field not in names:
            names.append(field)
    names = _lead_names(session, {uuid.UUID(row_id) for _person, row_id in fields})
    return [
        TeamChange(person, uuid.UUID(row_id), names.get(uuid.UUID(row_id), _unknown(row_id)), tuple(changed))
        for (person, row_id), changed in fields.items()
    ]


def changed_leads(session: Session, lead_ids: Iterable[uuid.UUID], people: Iterable[str]) -> list[TeamChange]:
    """Return a TeamChange per lead for a notification that names the leads and, separately, the people."""
    ids = list(dict.fromkeys(lead_ids))
    person = ", ".join(sorted(set(people))) or "someone"
    names = _lead_names(session, set(ids))
    return [TeamChange(person, lead_id, names.get(lead_id, _unknown(str(lead_id)))) for lead_id in ids]


def change_message(changes: list[TeamChange], total: int | None = None) -> str:
    """Describe changes in one line, such as "Bob changed stage, city of Ada Byron; Ann changed Ben Bolt".

    total is the number of changed leads when it is larger than len(changes), as for a
    notification that lists only the first ids.
    """
    if not changes:
        return ""
    by_person: dict[str, list[TeamChange]] = {}
    for change in changes:
        by_person.setdefault(change.person, []).append(change)
    parts = []
    named = 0
    for person, items in by_person.items():
        shown = []
        for item in items:
            if named >= NAMED_LEADS:
                break
            named += 1
            shown.append(f"{', '.join(item.fields)} of {item.lead_name}" if item.fields else item.lead_name)
        if shown:
            parts.append(f"{person} changed {'; '.join(shown)}")
    count = max(total or 0, len({change.lead_id for change in changes}))
    if count > named:
        parts.append(f"and {count - named} more lead(s)")
    return "; ".join(parts)


def _lead_names(session: Session, lead_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not lead_ids:
        return {}
    leads = session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
    return {lead.id: lead.display_name for lead in leads}


def _unknown(lead_id: str) -> str:
    return f"lead {lead_id[:8]}"
