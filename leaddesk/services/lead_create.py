"""Creating one lead typed by hand, with its response clock and duplicate match keys."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.arrival_routing import route_new_lead
from leaddesk.services.dedup.key_store import refresh_stale_keys
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.lead_actions import LeadActionError
from leaddesk.services.playbook import load_playbook
from leaddesk.services.sla import start_response_clock

logger = logging.getLogger(__name__)

# Fields the new-lead form can set, as Lead column names.
TYPED_FIELDS = ("first_name", "last_name", "email", "phone", "company", "title", "source")

# One "@" with text on both sides and a dot in the domain; anything stricter rejects real addresses.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NewLeadError(LeadActionError):
    """Typed values that cannot make a lead; the message names the field, the value and the fix."""


def create_lead(session: Session, values: Mapping[str, str | None], actor: str | None, now: datetime) -> uuid.UUID:
    """Store a new lead received now, start its response clock, route it when the playbook turns routing on, and return its id."""
    cleaned = {name: (values.get(name) or "").strip() or None for name in TYPED_FIELDS}
    unknown = sorted(set(values) - set(TYPED_FIELDS))
    if unknown:
        raise NewLeadError(f"unknown lead field {unknown[0]!r}; use one of {', '.join(TYPED_FIELDS)}")
    if not any(cleaned[name] for name in ("first_name", "last_name", "email", "phone", "company")):
        raise NewLeadError("the lead has no name, e-mail, phone or company; fill in at least one of them")
    if cleaned["email"] and not _EMAIL.match(cleaned["email"]):
        raise NewLeadError(f"the e-mail {cleaned['email']!r} is not a valid address; write it as name@example.com")

    lead = Lead(**cleaned, received_at=now, created_at=now, updated_at=now, updated_by=actor, custom_fields={}, secondary_values={})
    lead.email_normalized = cleaned["email"].casefold() if cleaned["email"] else None
    playbook = load_playbook(session)
    start_response_clock(lead, playbook)
    normalize_lead_keys(lead)
    session.add(lead)
    session.flush()
    route_new_lead(session, lead, playbook, now)
    # The new-lead hint looks leads up by their stored blocking keys, so store them now.
    refresh_stale_keys(session, lead_ids=[lead.id])
    logger.info("created lead %s by %s", lead.id, actor)
    return lead.id

