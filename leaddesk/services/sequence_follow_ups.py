"""The follow-ups that a sequence enrolment's steps created, found by their enrollment_id."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import FollowUp, Lead, SequenceEnrollment
from leaddesk.services.follow_ups import refresh_next_follow_up

logger = logging.getLogger(__name__)


def open_step_follow_ups(session: Session, enrollment: SequenceEnrollment, legacy_notes: tuple[str, ...]) -> list[FollowUp]:
    """Return the lead's open follow-ups that enrollment's steps created.

    Rows written before follow-ups recorded their enrolment have no enrollment_id. Such a
    row counts when its note starts with one of legacy_notes (the notes the steps wrote) and
    it was created after the enrolment started and before the enrolment's first follow-up
    that has the reference. A follow-up planned by hand later, with the same text, is kept.
    """
    first_referenced = session.scalar(
        select(func.min(FollowUp.created_at)).where(FollowUp.enrollment_id == enrollment.id)
    )
    rows = session.scalars(
        select(FollowUp).where(FollowUp.lead_id == enrollment.lead_id, FollowUp.completed_at.is_(None))
    )
    found = []
    for follow_up in rows:
        if follow_up.enrollment_id is not None:
            if follow_up.enrollment_id == enrollment.id:
                found.append(follow_up)
        elif _is_legacy_step(follow_up, enrollment, legacy_notes, first_referenced):
            found.append(follow_up)
    return found


def _is_legacy_step(
    follow_up: FollowUp, enrollment: SequenceEnrollment, legacy_notes: tuple[str, ...], first_referenced: datetime | None
) -> bool:
    if not legacy_notes or follow_up.created_at < enrollment.enrolled_at:
        return False
    if first_referenced is not None and follow_up.created_at >= first_referenced:
        return False
    return follow_up.note.startswith(legacy_notes)


def close_step_follow_ups(
    session: Session, enrollment: SequenceEnrollment, legacy_notes: tuple[str, ...], actor: str | None, now: datetime
) -> int:
    """Mark done the open follow-ups of enrollment's steps and return how many.

    Closed follow-ups get completed_at and completed_by, so triage undo restores them.
    """
    closed = open_step_follow_ups(session, enrollment, legacy_notes)
    for follow_up in closed:
        follow_up.completed_at = now
        follow_up.completed_by = actor
    if closed:
        session.flush()
        lead = session.get(Lead, enrollment.lead_id)
        if lead is not None:
            refresh_next_follow_up(session, lead)
    logger.info("closed %d follow-ups of enrolment %s", len(closed), enrollment.id)
    return len(closed)
