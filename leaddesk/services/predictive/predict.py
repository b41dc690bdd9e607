"""A lead's conversion probability from the active model, or the playbook's rule score when there is none."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from leaddesk.models import Lead, LeadEvaluation
from leaddesk.services.database import Database
from leaddesk.services.predictive.dataset import STAGE_OUTCOME_FIELD, load_lead_rows, stage_outcome
from leaddesk.services.predictive.explain import Explanation, explain
from leaddesk.services.predictive.outcome_fields import yes_no_custom_fields
from leaddesk.services.predictive.store import ModelFileError, check_validated, model_store
from leaddesk.services.predictive.train import MIN_PER_CLASS

logger = logging.getLogger(__name__)


class LeadNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class LeadPrediction:
    lead_id: uuid.UUID
    rule_score: int
    # None when no validated model is active, and message then gives the reason.
    probability: float | None
    explanation: Explanation | None
    model_version: int | None
    message: str

    def to_json(self) -> dict:
        explanation = self.explanation
        return {
            "lead_id": str(self.lead_id),
            "rule_score": self.rule_score,
            "probability": round(self.probability, 4) if self.probability is not None else None,
            "model_version": self.model_version,
            "baseline": round(explanation.baseline, 4) if explanation else None,
            "factors_up": [factor.describe() for factor in explanation.top_up()] if explanation else [],
            "factors_down": [factor.describe() for factor in explanation.top_down()] if explanation else [],
            "message": self.message,
        }


def closed_lead_counts(database: Database) -> tuple[int, int]:
    """Return (won, lost or disqualified) leads that are not deleted."""
    with database.session() as session:
        query = select(Lead.stage, func.count()).where(Lead.deleted_at.is_(None)).group_by(Lead.stage)
        counts = {stage: count for stage, count in session.execute(query)}
    won = sum(count for stage, count in counts.items() if stage_outcome(stage) == 1)
    lost = sum(count for stage, count in counts.items() if stage_outcome(stage) == 0)
    return won, lost


def no_model_message(database: Database) -> str:
    won, lost = closed_lead_counts(database)
    if won >= MIN_PER_CLASS and lost >= MIN_PER_CLASS:
        return "no validated conversion model yet; train one with `leaddesk score train`. Showing the rule score."
    with database.session() as session:
        candidates = yes_no_custom_fields(session)
    hint = ""
    if candidates:
        listed = ", ".join(f"'{name}'" for name in candidates)
        hint = (f" These custom fields hold yes/no values and could be the outcome instead: {listed}; "
                f"train with `leaddesk score train --outcome-field '{candidates[0]}'`.")
    return (
        f"no validated conversion model: {won} won and {lost} lost or disqualified leads, and training needs "
        f"{MIN_PER_CLASS} of each ({max(MIN_PER_CLASS - won, 0)} more won, {max(MIN_PER_CLASS - lost, 0)} more lost). "
        f"Showing the playbook's rule score.{hint}"
    )


def predict_lead(database: Database, lead_id: uuid.UUID) -> LeadPrediction:
    """Return the lead's probability and factors, or its rule score with the reason there is no probability."""
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        if lead is None or lead.deleted_at is not None:
            raise LeadNotFoundError(f"lead {lead_id} not found; list leads with `leaddesk inbox`")
        evaluation = session.get(LeadEvaluation, lead_id)
        rule_score = evaluation.score_total if evaluation else lead.score
        store = model_store(database)
        active = store.active()
        outcome_field = active.metadata["outcome_field"] if active else STAGE_OUTCOME_FIELD
        rows = load_lead_rows(session, outcome_field, lead_ids=[lead_id])
    if active is None:
        problem = store.active_problem()
        message = f"{problem} Showing the rule score." if problem else no_model_message(database)
        return LeadPrediction(lead_id, rule_score, None, None, None, message)
    try:
        check_validated(active)
        model = active.load()
    except ModelFileError as error:
        return LeadPrediction(lead_id, rule_score, None, None, None, f"{error}. Showing the rule score.")
    explanation = explain(model, rows.rows[0])
    message = f"model version {active.version}, held-out AUC {active.validation['auc']:.3f}"
    return LeadPrediction(lead_id, rule_score, explanation.probability, explanation, active.version, message)
