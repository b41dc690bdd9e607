"""Lead rows for tests that need ids without going through the importer."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from leaddesk.models import Lead


def add_lead(session: Session, **fields) -> uuid.UUID:
    """Add a Lead with fields, flush so that it has an id, and return that id."""
    lead = Lead(**fields)
    session.add(lead)
    session.flush()
    return lead.id
