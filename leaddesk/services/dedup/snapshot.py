"""JSON forms of lead column values, for the before and after state that a merge records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import FollowUp, Lead, UTCDateTime
from leaddesk.services.dedup.normalize import MATCH_COLUMNS

# Columns a merge never records or restores: bookkeeping that every write changes.
BOOKKEEPING_COLUMNS = frozenset({"id", "row_version", "updated_at", "created_at"})

# Columns computed from others. Undo recomputes them instead of reporting them as conflicts.
DERIVED_COLUMNS = frozenset(
    {
        "email_normalized",
        "phone_normalized",
        "next_follow_up_at",
        *MATCH_COLUMNS,
    }
)

def recorded_columns() -> list[str]:
    return [column.name for column in Lead.__table__.columns if column.name not in BOOKKEEPING_COLUMNS]


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def from_json(name: str, value: Any) -> Any:
    """Turn a recorded JSON value back into the Python value of the lead column name."""
    if value is None:
        return None
    column = Lead.__table__.columns[name]
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if column.type.python_type is uuid.UUID:
        return uuid.UUID(value)
    return value


def lead_state(lead: Lead) -> dict[str, Any]:
    return {name: to_json(getattr(lead, name)) for name in recorded_columns()}


def earliest_open_follow_up(session: Session, lead_id: uuid.UUID) -> datetime | None:
    return session.scalar(
        select(func.min(FollowUp.due_at)).where(FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None))
    )
