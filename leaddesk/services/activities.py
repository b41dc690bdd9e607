"""Log calls (with their outcome), emails, meetings and notes on a lead's timeline.

The first call or email on a lead records first contact and stops its response clock,
because the response deadline measures how fast someone reached out, not whether the
lead replied, so a voicemail counts.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from leaddesk.models import CONTACT_KINDS, Activity, ActivityKind, CallOutcome, Lead
from leaddesk.services import sequences

logger = logging.getLogger(__name__)

# Kinds a user logs by hand. Stage changes, imports and merges are logged by their own actions.
LOGGABLE_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE, ActivityKind.REPLY)
# An activity may be dated this far after now, to allow for clocks that differ by a little.
FUTURE_TOLERANCE = timedelta(minutes=5)


class ActivityError(ValueError):
    """An activity that cannot be logged. The message names the value and the fix."""


@dataclass(frozen=True)
class LoggedActivity:
    lead_id: uuid.UUID
    activity_id: uuid.UUID
    # True when this activity stopped the response clock.
    first_contact: bool
    row_version: int


def log_activity(
    session: Session,
    lead_id: uuid.UUID,
    kind: ActivityKind,
    summary: str,
    actor: str | None,
    now: datetime,
    occurred_at: datetime | None = None,
    outcome: CallOutcome | None = None,
) -> LoggedActivity:
    """Add a timeline entry; a call needs an outcome, and other kinds take none."""
    if kind not in LOGGABLE_KINDS:
        allowed = ", ".join(item.value for item in LOGGABLE_KINDS)
        raise ActivityError(f"cannot log a {kind.value!r} activity by hand; log one of: {allowed}")
    if kind is ActivityKind.CALL and outcome is None:
        choices = ", ".join(item.value for item in CallOutcome)
        raise ActivityError(f"a call needs an outcome; pick one of: {choices}")
    if kind is not ActivityKind.CALL and outcome is not None:
        raise ActivityError(f"only calls have an outcome; remove {outcome.value!r} from this {kind.value}")
    if now.tzinfo is None:
        raise ActivityError(f"now {now.isoformat()} is naive; attach a timezone")
    occurred_at = occurred_at or now
    if occurred_at.tzinfo is None:
        raise ActivityError(f"activity time {occurred_at.isoformat()} is naive; attach a timezone")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ActivityError(
            f"activity time {occurred_at.isoformat()} is in the future; log what already happened, "
            "and plan a follow-up for what comes next"
        )
    summary = summary.strip()
    if kind is ActivityKind.NOTE and not summary:
        raise ActivityError("the note is empty; type some text to add a note")

    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise ActivityError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")

    first_contact = kind.value in CONTACT_KINDS and lead.first_contacted_at is None
    if first_contact:
        lead.first_contacted_at = occurred_at
        if lead.stage == "new":
            lead.stage = "contacted"
    lead.updated_by = actor

    activity = Activity(
        lead_id=lead.id,
        kind=kind.value,
        occurred_at=occurred_at,
        summary=summary or describe(kind, outcome),
        actor=actor,
        outcome=outcome.value if outcome else None,
        created_at=now,
    )
    session.add(activity)
    # A reply, a meeting or a booked meeting means a person takes over from the automatic cadence.
    sequences.pause_for_activity(session, lead.id, kind.value, actor, now, outcome.value if outcome else None)
    session.flush()
    logger.info("logged %s on lead %s by %s (first contact: %s)", kind.value, lead.id, actor, first_contact)
    return LoggedActivity(lead.id, activity.id, first_contact, lead.row_version)


def describe(kind: ActivityKind, outcome: CallOutcome | None) -> str:
    """Return the summary of an entry logged without text, such as "Call: voicemail"."""
    label = kind.value.replace("_", " ").capitalize()
    if outcome is None:
        return label
    return f"{label}: {outcome.value.replace('_', ' ')}"
