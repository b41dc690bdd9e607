"""The clock, calendar and lead that the sequence tests share."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from leaddesk.models import Lead
from leaddesk.services import sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.database import Database

CALENDAR = BusinessCalendar(timezone_name="Europe/Berlin")
# Thursday 7 May 2026, 10:00 in Berlin (CEST, UTC+2).
NOW = datetime(2026, 5, 7, 8, 0, tzinfo=timezone.utc)


def add_lead(database: Database, **fields) -> uuid.UUID:
    """Add Jo Doe, received an hour before NOW, and return the new lead's id."""
    with database.session() as session:
        lead = Lead(full_name="Jo Doe", received_at=NOW - timedelta(hours=1), **fields)
        session.add(lead)
        session.flush()
        return lead.id


def enroll_and_advance(database: Database, lead_id: uuid.UUID, actor: str = "ana") -> uuid.UUID:
    """Enroll the lead in new_inbound at NOW, run the due steps in a second transaction, and return the enrollment id."""
    with database.session() as session:
        enrollment_id = sequences.enroll(session, lead_id, "new_inbound", actor, NOW, CALENDAR).id
    with database.session() as session:
        sequences.advance(session, NOW, CALENDAR)
    return enrollment_id
