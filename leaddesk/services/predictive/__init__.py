"""Predictive scoring: a conversion model trained on the team's closed leads, validated on held-out leads.

Training reads each lead's fields as they were on arrival, leaves out excluded fields,
calibrates the probabilities and keeps every model as a versioned file next to the
database. A model becomes active only when it validates at least as well as the active one.
"""

from leaddesk.services.predictive.dataset import OutcomeFieldError
from leaddesk.services.predictive.explain import Explanation, Factor, explain
from leaddesk.services.predictive.predict import LeadNotFoundError, LeadPrediction, no_model_message, predict_lead
from leaddesk.services.predictive.store import ModelFileError, activate_version, load_active_model, stored_versions
from leaddesk.services.predictive.train import (
    DEFAULT_HOLDOUT,
    MIN_PER_CLASS,
    NotEnoughDataError,
    TrainingResult,
    excluded_fields,
    set_excluded_fields,
    train_conversion_model,
)

__all__ = [
    "DEFAULT_HOLDOUT",
    "Explanation",
    "Factor",
    "LeadNotFoundError",
    "LeadPrediction",
    "MIN_PER_CLASS",
    "NotEnoughDataError",
    "OutcomeFieldError",
    "TrainingResult",
    "excluded_fields",
    "explain",
    "load_active_model",
    "ModelFileError",
    "activate_version",
    "stored_versions",
    "no_model_message",
    "predict_lead",
    "set_excluded_fields",
    "train_conversion_model",
]
