"""Store a lead's qualification and score, and log manual score overrides on its timeline.

Call evaluate_leads after a lead or its activities change. Engagement points decay with
time, so a periodic re-evaluation (leaddesk evaluate, through evaluate_all) keeps stored
scores current.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from leaddesk.models import Activity, Lead, LeadEvaluation
from leaddesk.services.playbook import Playbook, load_playbook
from leaddesk.services.qualification import Qualification, qualify
from leaddesk.services.scoring import Score, score_lead
from leaddesk.services.speed_to_lead import speed_to_lead

logger = logging.getLogger(__name__)

SCORE_OVERRIDE_KIND = "score_override"
# Leads per evaluate_in_bulk call of evaluate_all, so progress moves between calls. Each
# call memoizes equal inputs on its own, so a larger batch reuses more results.
EVALUATE_ALL_BATCH = 5000


def evaluation_of(session: Session, lead: Lead) -> LeadEvaluation:
    """Return the lead's evaluation row, adding an empty one when it has none."""
    evaluation = session.get(LeadEvaluation, lead.id) if lead.id is not None else None
    if evaluation is None:
        # A row added earlier in this session is not in the identity map until it is flushed.
        evaluation = next(
            (item for item in session.new if isinstance(item, LeadEvaluation) and item.lead is lead), None
        )
    if evaluation is None:
        evaluation = LeadEvaluation(lead=lead, qualification_reasons=[], score_parts=[], escalation_steps_done=0)
        session.add(evaluation)
    return evaluation


def evaluate_lead(
    session: Session, lead: Lead, playbook: Playbook, now: datetime, pending_activities: Sequence[Activity] = ()
) -> tuple[Qualification, Score]:
    """Qualify and score lead at now and store the results in its LeadEvaluation row."""
    evaluation = evaluation_of(session, lead)
    qualification = qualify(lead, playbook, now, pending_activities)
    score = score_lead(lead, playbook, now, override=evaluation.score_override, pending_activities=pending_activities)
    evaluation.qualification = qualification.stage
    evaluation.qualification_reasons = qualification.to_json()
    evaluation.fit_points = score.fit
    evaluation.engagement_points = score.engagement
    evaluation.score_total = score.effective
    evaluation.grade = score.grade
    evaluation.score_parts = [part.to_json() for part in score.parts]
    if lead.first_contacted_at is not None and lead.received_at is not None and evaluation.speed_to_lead_seconds is None:
        speed = speed_to_lead(lead.received_at, lead.first_contacted_at, playbook.calendar)
        evaluation.speed_to_lead_seconds = int(speed.wall.total_seconds())
        evaluation.speed_to_lead_business_seconds = int(speed.business.total_seconds())
    evaluation.evaluated_at = now
    return qualification, score


def evaluate_leads(session: Session, now: datetime, lead_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Evaluate the given leads, or every lead not deleted; return how many were evaluated."""
    playbook = load_playbook(session)
    query = select(Lead).where(Lead.deleted_at.is_(None)).options(selectinload(Lead.activities), selectinload(Lead.owner))
    if lead_ids is not None:
        query = query.where(Lead.id.in_(list(lead_ids)))
    count = 0
    for lead in session.scalars(query):
        evaluate_lead(session, lead, playbook, now)
        count += 1
    logger.info("evaluated %d leads against the playbook at %s", count, now.isoformat())
    return count


def evaluate_all(
    session: Session,
    now: datetime,
    progress: Callable[[float, str], None] | None = None,
    batch_size: int | None = None,
) -> int:
    """Evaluate every lead that is not deleted with bulk_evaluation, and return how many were evaluated.

    The results equal those of evaluate_leads, without loading Lead or LeadEvaluation
    objects. progress receives the share done and a "N of M leads" message after each batch.
    """
    from leaddesk.services.bulk_evaluation import evaluate_in_bulk

    batch_size = batch_size or EVALUATE_ALL_BATCH
    playbook = load_playbook(session)
    ids = list(session.scalars(select(Lead.id).where(Lead.deleted_at.is_(None)).order_by(Lead.id)))
    count = 0
    for start in range(0, len(ids), batch_size):
        count += evaluate_in_bulk(session, ids[start : start + batch_size], now, playbook)
        if progress is not None:
            done = min(start + batch_size, len(ids))
            progress(done / len(ids), f"{done} of {len(ids)} leads")
    logger.info("evaluated all %d leads against the playbook at %s", count, now.isoformat())
    return count


def set_score_override(
    session: Session, lead: Lead, points: int | None, reason: str, now: datetime, actor: str | None = None
) -> None:
    """Set (or with points None, clear) a manual score, logging the change on the lead's timeline."""
    evaluation = evaluation_of(session, lead)
    previous = evaluation.score_override
    evaluation.score_override = points
    evaluation.score_override_reason = reason if points is not None else None
    if points is None:
        summary = f"Score override {previous} cleared" + (f": {reason}" if reason else "")
    else:
        summary = f"Score set to {points} by hand (was {previous if previous is not None else 'computed'}): {reason}"
    session.add(Activity(lead_id=lead.id, kind=SCORE_OVERRIDE_KIND, occurred_at=now, summary=summary, actor=actor))
    session.flush()
    evaluate_lead(session, lead, load_playbook(session), now)
