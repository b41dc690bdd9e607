"""The conversion model: a calibrated scikit-learn classifier over a FeatureSpec.

Two methods are available. "logistic" is a logistic regression on the one-hot matrix;
"boosting" is scikit-learn's histogram gradient boosting on the same fields with native
categorical handling. Each method's settings are chosen from a few candidates by
cross-validation on the training rows (see settings_search). Both are wrapped in
CalibratedClassifierCV, so the probabilities they return are calibrated on folds the
classifier did not see.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from leaddesk.services.predictive.features import (
    OTHER,
    Columns,
    FeatureSpec,
    as_number,
    category_codes,
    column_values,
    hashable_keys,
    is_missing,
    value_mapping,
)
from leaddesk.services.predictive.settings_search import CANDIDATES, RANDOM_STATE, best_settings, build_classifier

logger = logging.getLogger(__name__)

METHODS = tuple(CANDIDATES)

# Folds of the calibration: each fold's classifier is calibrated on the part it did not see.
# Three folds train each classifier on two thirds of the rows.
CALIBRATION_FOLDS = 3
# From this many training leads on, the classifier is fitted once and calibrated on a held-back
# share of them. Below it, cross-validated calibration uses every lead for both, which small
# histories need. The single fit keeps 100,000-lead training under a minute.
HOLDOUT_CALIBRATION_MIN_ROWS = 20_000
CALIBRATION_SHARE = 0.2
# Isotonic calibration needs many leads per fold to avoid overfitting; below this, Platt (sigmoid) scaling.
ISOTONIC_MIN_ROWS = 2000


@dataclass
class ConversionModel:
    spec: FeatureSpec
    method: str
    estimator: Any

    def matrix(self, rows: Sequence[dict[str, Any]] | Columns):
        if self.method == "logistic":
            return self.spec.encode(rows)
        return ordinal_matrix(self.spec, rows)

    def predict(self, rows: Sequence[dict[str, Any]] | Columns) -> np.ndarray:
        """Return the calibrated probability of conversion of each row."""
        if not len(rows):
            return np.zeros(0)
        return self.estimator.predict_proba(self.matrix(rows))[:, 1]


def ordinal_matrix(spec: FeatureSpec, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """Return numbers as they are (NaN when missing) and categories as codes, for gradient boosting."""
    width = len(spec.numeric) + len(spec.categorical)
    matrix = np.full((len(rows), width), np.nan)
    for column, item in enumerate(spec.numeric):
        values = column_values(rows, item.name)
        mapping = value_mapping(values, _raw_number)
        matrix[:, column] = np.fromiter((mapping[key] for key in hashable_keys(values)), np.float64, len(values))
    offset = len(spec.numeric)
    for column, item in enumerate(spec.categorical):
        # Codes 0..n-1 are the kept categories and n is OTHER.
        lookup = {value: code for code, value in enumerate([*item.categories, OTHER])}
        matrix[:, offset + column] = category_codes(item, column_values(rows, item.name), lookup)
    return matrix


def _raw_number(value: Any) -> float:
    number = None if is_missing(value) else as_number(value)
    return number if number is not None and math.isfinite(number) else math.nan


def fit_model(
    spec: FeatureSpec,
    method: str,
    rows: Sequence[dict[str, Any]] | Columns,
    outcomes: Sequence[int],
    calibrate: bool = True,
    settings: dict[str, Any] | None = None,
) -> ConversionModel:
    """Fit a classifier of the given method on the training rows, calibrated unless calibrate is False.

    Without settings, the method's settings are chosen by cross-validation on these rows only.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    matrix = ConversionModel(spec=spec, method=method, estimator=None).matrix(rows)
    targets = np.asarray(outcomes)
    if settings is None:
        settings, scores = best_settings(spec, method, matrix, targets)
        logger.info("%s settings chosen by cross-validation on %d training leads: %s (AUC by candidate %s)",
                    method, len(targets), settings, scores)
    base = build_classifier(spec, method, settings)
    if not calibrate:
        base.fit(matrix, targets)
        return ConversionModel(spec=spec, method=method, estimator=base)
    calibration = "isotonic" if len(rows) >= ISOTONIC_MIN_ROWS else "sigmoid"
    if len(rows) >= HOLDOUT_CALIBRATION_MIN_ROWS:
        estimator = _fit_then_calibrate(base, calibration, matrix, targets)
    else:
        folds = min(CALIBRATION_FOLDS, min(sum(outcomes), len(outcomes) - sum(outcomes)))
        estimator = CalibratedClassifierCV(base, method=calibration, cv=max(folds, 2))
        estimator.fit(matrix, targets)
    return ConversionModel(spec=spec, method=method, estimator=estimator)


def _fit_then_calibrate(base, calibration: str, matrix, targets: np.ndarray) -> CalibratedClassifierCV:
    """Fit base once on most rows and calibrate it on the rest, instead of one fit per fold."""
    fit_part, calibration_part = train_test_split(
        np.arange(len(targets)), test_size=CALIBRATION_SHARE, random_state=RANDOM_STATE, stratify=targets
    )
    base.fit(matrix[fit_part], targets[fit_part])
    estimator = CalibratedClassifierCV(FrozenEstimator(base), method=calibration)
    estimator.fit(matrix[calibration_part], targets[calibration_part])
    return estimator
