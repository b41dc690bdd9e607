"""Optimistic concurrency for lead edits: save an edit made from an older read, or report the conflicting fields.

A lead edit starts from the values the user saw at row_version N. When the stored lead is
still at N, the edit is saved. When someone else saved the lead in the meantime, the fields
that only this user changed are saved on top of the other person's work, and a field that
both changed raises EditConflictError with both values and who changed it. Nothing is
overwritten until the user chooses per field (resolve_edit_conflict).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, Lead, SyncChange
from leaddesk.services.lead_actions import LeadChange, StaleLeadError, clean_edit_value, edit_lead, load_live_lead
from leaddesk.services.lead_history import edit_summary_changes
from leaddesk.services.sync.fields import ENTITY_LEAD
from leaddesk.services.sync.hlc import decode

logger = logging.getLogger(__name__)

# How many of the lead's newest edit activities are searched for the author of a field.
AUTHOR_SEARCH_LIMIT = 200

Choice = Literal["mine", "theirs"]


@dataclass(frozen=True)
class FieldConflict:
    """One field that the user and someone else both changed to different values."""

    field: str
    # The value when the user opened the lead, the user's edit, and the value stored now.
    base_value: Any
    mine: Any
    theirs: Any
    # The person who stored theirs and the time; None when no record names them.
    changed_by: str | None
    changed_at: datetime | None


class EditConflictError(StaleLeadError):
    """Someone else saved the lead since the user opened it, and changed fields that the user also changed."""

    def __init__(
        self,
        lead_id: uuid.UUID,
        lead_name: str,
        expected_version: int,
        current_version: int,
        conflicts: tuple[FieldConflict, ...],
        pending: Mapping[str, Any],
    ) -> None:
        names = ", ".join(conflict.field for conflict in conflicts)
        people = sorted({conflict.changed_by for conflict in conflicts if conflict.changed_by})
        by = f" by {', '.join(people)}" if people else ""
        super().__init__(
            f"{lead_name} was changed{by} since you opened it (version {expected_version}, now {current_version}); "
            f"choose which value to keep for: {names}"
        )
        self.lead_id = lead_id
        self.lead_name = lead_name
        self.expected_version = expected_version
        self.current_version = current_version
        self.conflicts = conflicts
        # The user's changes of fields that no other save touched; saving a resolution saves them too.
        self.pending = dict(pending)


def save_lead_edit(
    session: Session,
    lead_id: uuid.UUID,
    base: Mapping[str, Any],
    edited: Mapping[str, Any],
    expected_version: int,
    actor: str | None,
    now: datetime | None = None,
) -> LeadChange:
    """Save the fields of edited that differ from base, the values the user saw at expected_version.

    Raises EditConflictError when another save changed one of those fields to a value other
    than the user's, and LeadActionError for invalid values.
    """
    changes = _changed_fields(base, edited)
    lead = load_live_lead(session, lead_id)
    if lead.row_version == expected_version:
        try:
            return edit_lead(session, lead_id, changes, actor, now, expected_version=expected_version)
        except StaleLeadError:
            # Another session committed between the read and the flush; compare with its values.
            session.rollback()
            lead = load_live_lead(session, lead_id)

    clean_base = {name: clean_edit_value(name, base.get(name)) for name in changes}
    conflicts = []
    pending = {}
    for name, mine in changes.items():
        theirs = getattr(lead, name)
        if theirs == clean_base[name] or theirs == mine:
            pending[name] = mine
            continue
        conflicts.append((name, clean_base[name], mine, theirs))
    if not conflicts:
        logger.info(
            "lead %s moved from version %d to %d; saving %s on top of the other edit",
            lead_id, expected_version, lead.row_version, ", ".join(sorted(pending)) or "nothing",
        )
        return edit_lead(session, lead_id, pending, actor, now, expected_version=lead.row_version)

    authors = field_authors(session, lead, [name for name, *_rest in conflicts])
    error = EditConflictError(
        lead_id=lead.id,
        lead_name=lead.display_name,
        expected_version=expected_version,
        current_version=lead.row_version,
        conflicts=tuple(
            FieldConflict(name, base_value, mine, theirs, *authors.get(name, (None, None)))
            for name, base_value, mine, theirs in conflicts
        ),
        pending=pending,
    )
    logger.info("edit of lead %s by %s conflicts on %s", lead_id, actor, ", ".join(c.field for c in error.conflicts))
    raise error


def resolve_edit_conflict(
    session: Session,
    conflict: EditConflictError,
    choices: Mapping[str, Choice],
    actor: str | None,
    now: datetime | None = None,
) -> LeadChange:
    """Save the user's choice per conflicting field, together with the user's other pending changes.

    A field missing from choices keeps the stored value. When the lead changed yet again
    since the conflict was read, this raises a new EditConflictError.
    """
    unknown = set(choices) - {item.field for item in conflict.conflicts}
    if unknown:
        raise ValueError(f"no conflict on field(s) {', '.join(sorted(unknown))}; choose among the listed fields")
    invalid = {name: choice for name, choice in choices.items() if choice not in ("mine", "theirs")}
    if invalid:
        raise ValueError(f"invalid choice(s) {invalid}; use 'mine' or 'theirs'")
    base = {item.field: item.theirs for item in conflict.conflicts}
    edited = dict(base)
    for item in conflict.conflicts:
        if choices.get(item.field) == "mine":
            edited[item.field] = item.mine
    # Pending fields were unchanged by the other edit, so their base is the stored value too.
    with session.no_autoflush:
        lead = load_live_lead(session, conflict.lead_id)
        for name, value in conflict.pending.items():
            base[name] = getattr(lead, name)
            edited[name] = value
    return save_lead_edit(session, conflict.lead_id, base, edited, conflict.current_version, actor, now)


def field_authors(session: Session, lead: Lead, fields: list[str]) -> dict[str, tuple[str | None, datetime | None]]:
    """Return who last changed each field of the lead and when, from edit activities and the team change log.

    A field that no record names gets the lead's updated_by and updated_at, the last
    writer of the whole row.
    """
    found: dict[str, tuple[str | None, datetime | None]] = {}
    activities = session.execute(
        select(Activity.actor, Activity.occurred_at, Activity.summary)
        .where(Activity.lead_id == lead.id, Activity.kind == ActivityKind.NOTE.value, Activity.summary.like("Changed %"))
        .order_by(Activity.occurred_at.desc(), Activity.created_at.desc())
        .limit(AUTHOR_SEARCH_LIMIT)
    )
    for actor, occurred_at, summary in activities:
        for name, _old, _new in edit_summary_changes(summary):
            if name in fields and name not in found:
                found[name] = (actor, occurred_at)

    changes = session.execute(
        select(SyncChange.field, SyncChange.person, SyncChange.hlc)
        .where(SyncChange.entity == ENTITY_LEAD, SyncChange.row_id == str(lead.id), SyncChange.field.in_(fields))
        .order_by(SyncChange.hlc.desc())
    )
    for name, person, hlc in changes:
        changed_at = datetime.fromtimestamp(decode(hlc)[0] / 1000, tz=timezone.utc)
        known = found.get(name)
        if known is None or (known[1] is not None and changed_at > _aware(known[1])):
            found[name] = (person, changed_at)

    for name in fields:
        found.setdefault(name, (lead.updated_by, lead.updated_at))
    return found


def _changed_fields(base: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    changes = {}
    for name, value in edited.items():
        cleaned = clean_edit_value(name, value)
        if cleaned != clean_edit_value(name, base.get(name)):
            changes[name] = cleaned
    return changes


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)
