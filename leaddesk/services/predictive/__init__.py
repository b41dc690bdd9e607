"""Predictive scoring: a conversion model trained on the team's closed leads, validated on held-out leads.

Training reads each lead's fields as they were on arrival, leaves out excluded fields,
calibrates the probabilities and keeps every model as a version: files next to an SQLite
database, or rows of a table on a server (see store.py). A model becomes active only when it validates at least as well as the active one.
"""

from leaddesk.services.predictive.dataset import OutcomeFieldError
from leaddesk.services.predictive.explain import Explanation, Factor, explain
from leaddesk.services.predictive.predict import LeadNotFoundError, LeadPrediction, no_model_message, predict_lead
from leaddesk.services.predictive.store import ModelFileError, ModelStore, model_store
from leaddesk.services.predictive.train import (
    DEFAULT_HOLDOUT,
    MIN_PER_CLASS,
    NotEnoughDataError,
    TrainingResult,
    carried_exclusions,
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
    "carried_exclusions",
    "excluded_fields",
    "explain",
    "ModelFileError",
    "ModelStore",
    "model_store",
    "no_model_message",
    "predict_lead",
    "set_excluded_fields",
    "train_conversion_model",
]
