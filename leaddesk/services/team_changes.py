"""Teammates' lead changes that a sync pass or a live notification brought in, and their one-line summary."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, SyncChange, SyncConflict
from leaddesk.services.sync.fields import DELETED_FIELD, ENTITY_LEAD

# Leads named one by one in a change message; the rest are counted.
NAMED_LEADS = 3

# Labels of lead columns whose name does not read as words once underscores become spaces.
_FIELD_LABELS = {"email": "e-mail", "linkedin_url": "LinkedIn URL", "owner_id": "owner", "merged_into_id": "merged into"}


def field_label(name: str) -> str:
    """Return the lowercase label of a lead column for a sentence, such as "first name" for first_name."""
    return _FIELD_LABELS.get(name) or name.replace("_", " ")


@dataclass(frozen=True)
class TeamChange:
    """One person's change of one lead, with the fields when they are known."""

    person: str
    lead_id: uuid.UUID
    lead_name: str
    # Empty when only the lead is known, as with a live notification from PostgreSQL.
    fields: tuple[str, ...] = ()
    # "changed", or "deleted" or "restored" when the change set or cleared the lead's deleted_at.
    verb: str = "changed"
    # Set for a lead that came back because another device edited it while it was deleted.
    conflict: str = ""


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
    lead_ids = {uuid.UUID(row_id) for _person, row_id in fields}
    names = _lead_names(session, lead_ids)
    deleted = _deleted_ids(session, lead_ids)
    revived = _revived_ids(session, since)
    changes = []
    for (person, row_id), changed in fields.items():
        lead_id = uuid.UUID(row_id)
        verb, conflict = "changed", ""
        if DELETED_FIELD in changed:
            verb = "deleted" if lead_id in deleted else "restored"
            changed = [name for name in changed if name != DELETED_FIELD]
        if row_id in revived and lead_id not in deleted:
            verb = "restored"
            conflict = "it was deleted on one device and edited on another, so it is back"
        changes.append(TeamChange(person, lead_id, names.get(lead_id, _unknown(row_id)), tuple(changed), verb, conflict))
    return changes


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
        verb = ""
        for item in items:
            if named >= NAMED_LEADS:
                break
            named += 1
            # The verb is repeated only where it changes, as in "Bob changed A; B; restored C".
            prefix = "" if item.verb == verb else f"{item.verb} "
            verb = item.verb
            shown.append(prefix + _describe(item))
        if shown:
            parts.append(f"{person} {'; '.join(shown)}")
    count = max(total or 0, len({change.lead_id for change in changes}))
    if count > named:
        parts.append(f"and {count - named} more lead(s)")
    return "; ".join(parts)


def _describe(item: TeamChange) -> str:
    labels = ", ".join(field_label(name) for name in item.fields)
    if item.verb == "changed":
        text = f"{labels} of {item.lead_name}" if labels else item.lead_name
    else:
        text = f"{item.lead_name} and changed {labels}" if labels else item.lead_name
    return f"{text} ({item.conflict})" if item.conflict else text


def _deleted_ids(session: Session, lead_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not lead_ids:
        return set()
    return set(session.scalars(select(Lead.id).where(Lead.id.in_(lead_ids), Lead.deleted_at.is_not(None))))


def _revived_ids(session: Session, since: datetime) -> set[str]:
    """Return the row ids of leads that a delete-edit conflict brought back at or after since."""
    statement = select(SyncConflict.row_id).where(
        SyncConflict.kind == "delete_edit", SyncConflict.entity == ENTITY_LEAD, SyncConflict.detected_at >= since
    )
    return set(session.scalars(statement))


def _lead_names(session: Session, lead_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not lead_ids:
        return {}
    leads = session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
    return {lead.id: lead.display_name for lead in leads}


def _unknown(lead_id: str) -> str:
    return f"lead {lead_id[:8]}"
