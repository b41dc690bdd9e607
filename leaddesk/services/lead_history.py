"""A lead's change history for the window: field changes from team sync and from edits, with who and the old value."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind
from leaddesk.services.sync import Bundle, BundleError, lead_history, load_identity

logger = logging.getLogger(__name__)

# How many of the lead's newest edit and stage activities are read.
ACTIVITY_LIMIT = 500

# One part of an edit summary: FIELD OLD to NEW, where each value is a Python repr or "(blank)".
_VALUE = r"(\(blank\)|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_EDIT_PART = re.compile(rf"(\w+) {_VALUE} to {_VALUE}(?:; |$)")
_STAGE = re.compile(r"^Stage changed from (\S+) to (\S+)$")


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one field: the new and the old value, who made it, where and when."""

    changed_at: datetime
    person: str
    device: str | None
    field: str
    old_value: Any
    value: Any
    # False for a value that a later edit replaced, or the losing side of a same-field conflict.
    current: bool
    # "sync" for the team change log, "edit" for the lead's timeline.
    source: str


def lead_change_history(session: Session, lead_id: uuid.UUID) -> list[HistoryEntry]:
    """Return the lead's field changes, newest first.

    Team sync records every field change with its old value. Edits and stage changes made
    in this database also come from the timeline, so changes made before the database
    joined a team, and those not yet synced, show too. A timeline change whose field and
    new value the sync log also records is left out as a duplicate.
    """
    devices = _device_names(session)
    entries = [
        HistoryEntry(change.changed_at, change.person,
                     change.device_name or devices.get(change.device_id) or change.device_id[:8],
                     change.field, change.old_value, change.value, change.current, "sync")
        for change in lead_history(session, lead_id)
    ]
    synced = {(entry.field, _text(entry.value)) for entry in entries}
    activities = session.execute(
        select(Activity.occurred_at, Activity.actor, Activity.kind, Activity.summary)
        .where(Activity.lead_id == lead_id, Activity.kind.in_((ActivityKind.NOTE.value, ActivityKind.STAGE_CHANGE.value)))
        .order_by(Activity.occurred_at.desc(), Activity.created_at.desc())
        .limit(ACTIVITY_LIMIT)
    )
    for occurred_at, actor, kind, summary in activities:
        for field, old, new in _parse_summary(kind, summary):
            if (field, _text(new)) in synced:
                continue
            entries.append(HistoryEntry(_aware(occurred_at), actor or "?", None, field, old, new, False, "edit"))
    entries.sort(key=lambda entry: entry.changed_at, reverse=True)

    # A timeline change is current when it is the newest change of its field.
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.source == "edit" and entry.field not in seen:
            entries[index] = replace(entry, current=True)
        seen.add(entry.field)
    return entries


def _device_names(session: Session) -> dict[str, str]:
    """Return the device names of the team folder's presence files by device id; empty outside a team."""
    identity = load_identity(session)
    if identity is None or not identity.bundle_path:
        return {}
    try:
        records = Bundle.open(Path(identity.bundle_path)).read_presence()
    except (BundleError, OSError) as error:
        logger.warning("cannot read device names in %s: %s", identity.bundle_path, error)
        return {}
    return {
        record["device_id"]: str(record["device_name"])
        for record in records
        if isinstance(record.get("device_id"), str) and record.get("device_name")
    }


def _parse_summary(kind: str, summary: str) -> list[tuple[str, Any, Any]]:
    if kind == ActivityKind.STAGE_CHANGE.value:
        match = _STAGE.match(summary)
        return [("stage", match.group(1), match.group(2))] if match else []
    return edit_summary_changes(summary)


def edit_summary_changes(summary: str) -> list[tuple[str, Any, Any]]:
    """Return (field, old, new) of each part of an edit_lead summary such as "Changed company 'A' to 'B'; city ...".

    Values are matched as whole quoted strings, so a value that contains "; " stays one
    value. A summary in any other form returns an empty list.
    """
    if not summary.startswith("Changed "):
        return []
    changes = []
    position = len("Changed ")
    while position < len(summary):
        match = _EDIT_PART.match(summary, position)
        if match is None:
            return []
        changes.append((match.group(1), _value(match.group(2)), _value(match.group(3))))
        position = match.end()
    return changes


def _value(text: str) -> str | None:
    """Return a summary value without its quotes; values that edit_lead cut at 60 characters stay cut."""
    if text == "(blank)":
        return None
    return text[1:-1].replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)
