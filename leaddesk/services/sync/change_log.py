"""Convert between a Change and its row in the sync_changes table."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from leaddesk.models import SyncChange
from leaddesk.services.sync.merge import Change

# Attributes stored unchanged. The value, old and seen attributes are stored as JSON text.
_PLAIN_ATTRIBUTES = ("change_id", "device_id", "person", "hlc", "entity", "row_id", "field")


def change_row(change: Change, exported: bool) -> dict[str, Any]:
    """Return the sync_changes column values for change, for a bulk insert."""
    row: dict[str, Any] = {name: getattr(change, name) for name in _PLAIN_ATTRIBUTES}
    row.update(
        value_json=json.dumps(change.value),
        old_json=json.dumps(change.old),
        seen_json=json.dumps(change.seen) if change.seen is not None else None,
        exported=exported,
        received_at=datetime.now(timezone.utc),
    )
    return row


def change_record(change: Change, exported: bool) -> SyncChange:
    return SyncChange(**change_row(change, exported))


def change_from_record(record: SyncChange) -> Change:
    """Rebuild the Change that record stores."""
    return Change(
        **{name: getattr(record, name) for name in _PLAIN_ATTRIBUTES},
        value=json.loads(record.value_json),
        old=json.loads(record.old_json),
        seen=json.loads(record.seen_json) if record.seen_json else None,
    )
