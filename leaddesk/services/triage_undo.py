"""Undo the last triage action on a lead for a short time after it.

capture() reads the lead's fields, follow-ups and sequence enrolments before an action,
record() notes what the action added, and undo() puts the saved values back and deletes
what was added, the timeline entry included. undo() rejects the request when the lead changed again since the
action (someone else edited it, or another action followed), because restoring old values
would then overwrite that later work.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, FollowUp, Lead, SequenceEnrollment
from leaddesk.services.follow_ups import refresh_next_follow_up

logger = logging.getLogger(__name__)

# How long after an action Ctrl+Z still undoes it.
UNDO_WINDOW = timedelta(seconds=30)

LEAD_FIELDS = ("first_contacted_at", "stage", "updated_by")
ENROLLMENT_FIELDS = ("step_index", "status", "next_step_at", "status_reason", "updated_at")
FOLLOW_UP_FIELDS = ("due_at", "due_local", "time_zone", "all_day", "recurrence", "snoozed_until", "completed_at", "completed_by")


class UndoError(Exception):
    """The action cannot be undone any more. The message gives the reason."""


@dataclass(frozen=True)
class Snapshot:
    lead_id: uuid.UUID
    lead_values: dict[str, Any]
    follow_ups: dict[uuid.UUID, dict[str, Any]]
    enrollments: dict[uuid.UUID, dict[str, Any]]
    activity_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class UndoRecord:
    """The changes of one action on one lead, and the instant until which undo is allowed."""

    description: str
    before: Snapshot
    added_follow_up_ids: frozenset[uuid.UUID]
    added_enrollment_ids: frozenset[uuid.UUID]
    added_activity_ids: frozenset[uuid.UUID]
    row_version: int
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def capture(session: Session, lead_id: uuid.UUID) -> Snapshot:
    lead = _lead(session, lead_id)
    rows = session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id))
    enrollments = session.scalars(select(SequenceEnrollment).where(SequenceEnrollment.lead_id == lead_id))
    activity_ids = session.scalars(select(Activity.id).where(Activity.lead_id == lead_id))
    return Snapshot(
        lead_id=lead_id,
        lead_values={name: getattr(lead, name) for name in LEAD_FIELDS},
        follow_ups={row.id: {name: getattr(row, name) for name in FOLLOW_UP_FIELDS} for row in rows},
        enrollments={row.id: {name: getattr(row, name) for name in ENROLLMENT_FIELDS} for row in enrollments},
        activity_ids=frozenset(activity_ids),
    )


def record(session: Session, before: Snapshot, description: str, now: datetime) -> UndoRecord:
    """Compare the lead with before, after the action flushed, and return how to undo it."""
    session.flush()
    lead = _lead(session, before.lead_id)
    follow_up_ids = set(session.scalars(select(FollowUp.id).where(FollowUp.lead_id == lead.id)))
    enrollment_ids = set(session.scalars(select(SequenceEnrollment.id).where(SequenceEnrollment.lead_id == lead.id)))
    activity_ids = set(session.scalars(select(Activity.id).where(Activity.lead_id == lead.id)))
    return UndoRecord(
        description=description,
        before=before,
        added_follow_up_ids=frozenset(follow_up_ids - before.follow_ups.keys()),
        added_enrollment_ids=frozenset(enrollment_ids - before.enrollments.keys()),
        added_activity_ids=frozenset(activity_ids - before.activity_ids),
        row_version=lead.row_version,
        expires_at=now + UNDO_WINDOW,
    )


def undo(session: Session, undo_record: UndoRecord, actor: str | None, now: datetime) -> uuid.UUID:
    """Reverse the recorded action and return the lead id, or raise UndoError."""
    if undo_record.expired(now):
        raise UndoError(f"{undo_record.description} can no longer be undone; undo works for {UNDO_WINDOW.seconds} seconds")
    lead = _lead(session, undo_record.before.lead_id)
    if lead.row_version != undo_record.row_version:
        raise UndoError(
            f"{undo_record.description} cannot be undone because the lead changed since; reload it and fix it by hand"
        )

    _restore(session, FollowUp, undo_record.added_follow_up_ids, undo_record.before.follow_ups)
    _restore(session, SequenceEnrollment, undo_record.added_enrollment_ids, undo_record.before.enrollments)
    for activity_id in undo_record.added_activity_ids:
        activity = session.get(Activity, activity_id)
        if activity is not None:
            session.delete(activity)
    session.flush()

    for name, value in undo_record.before.lead_values.items():
        setattr(lead, name, value)
    refresh_next_follow_up(session, lead)
    session.flush()
    logger.info("undid %s on lead %s for %s", undo_record.description, lead.id, actor)
    return lead.id


def _restore(session: Session, model: type, added: frozenset[uuid.UUID], before: dict[uuid.UUID, dict[str, Any]]) -> None:
    """Delete the rows the action added and put the saved values back into the others."""
    for row_id in added:
        row = session.get(model, row_id)
        if row is not None:
            session.delete(row)
    for row_id, values in before.items():
        row = session.get(model, row_id)
        if row is None:
            continue
        for name, value in values.items():
            setattr(row, name, value)


def _lead(session: Session, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise UndoError(f"lead {lead_id} not found; it may have been deleted, so nothing was undone")
    return lead
