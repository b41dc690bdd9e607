"""The lead columns that travel between devices, and their JSON encoding.

Match keys, derived enrichment values and bookkeeping columns stay local: every device
recomputes them from the synced fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Integer, Uuid
from sqlalchemy.types import JSON

from leaddesk.models import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, Lead
from leaddesk.models.base import UTCDateTime

ENTITY_LEAD = "lead"

# The plain-text columns come from the Lead model, so a text column added there syncs too.
LEAD_FIELDS = (
    "external_id",
    *NAME_FIELDS,
    "email",
    "phone",
    *COMPANY_AND_PLACE_FIELDS,
    "employee_count",
    "source",
    "segment",
    "stage",
    "owner_id",
    "score",
    "notes",
    "custom_fields",
    "received_at",
    "response_due_at",
    "response_warn_at",
    "first_contacted_at",
    "next_follow_up_at",
    "secondary_values",
    "merged_into_id",
    "deleted_at",
)

DELETED_FIELD = "deleted_at"
# Fields that only a delete or a merge sets; an edit of any other field revives a lead deleted concurrently.
DELETE_FIELDS = frozenset({"deleted_at", "merged_into_id"})
# SyncRowState.local_json of a row deleted outright on this device, which a merge keeps absent
# while the row stays deleted. Rows deleted elsewhere are kept here as soft-deleted rows.
REMOVED_HERE = "removed"

# Foreign keys that are written only when the referenced row exists on this device.
REFERENCE_FIELDS = {"owner_id": "reps", "merged_into_id": "leads"}


def _column_type(field: str) -> Any:
    return Lead.__table__.columns[field].type


def encode_value(field: str, value: Any) -> Any:
    """Turn a column value into plain JSON; datetimes become ISO 8601 in UTC, UUIDs become strings."""
    if value is None:
        return None
    kind = _column_type(field)
    if isinstance(kind, UTCDateTime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(kind, Uuid):
        return str(value)
    if isinstance(kind, JSON):
        return value if value != {} else {}
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    return str(value)


def decode_value(field: str, value: Any) -> Any:
    """Turn an encoded value back into what the column stores."""
    if value is None:
        return None
    kind = _column_type(field)
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value).astimezone(timezone.utc)
    if isinstance(kind, Uuid):
        return uuid.UUID(value)
    return value
