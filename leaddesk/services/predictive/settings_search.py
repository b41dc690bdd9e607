"""Choose a method's settings from a few candidates by cross-validation on the training rows.

Settings tuned on the held-out leads would make the held-out AUC optimistic, so the
search uses only the rows passed to it, and training passes the training part.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from leaddesk.services.predictive.features import FeatureSpec

RANDOM_STATE = 0

# Candidate settings per method, in order of preference on a tie. The logistic candidates
# are a stronger and a default (1.0) regularization. The boosting candidates are shallow
# trees with a slower learning rate, smaller trees with L2 regularization, and
# scikit-learn's defaults for histogram gradient boosting.
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "logistic": [{"C": 1.0}, {"C": 0.1}],
    "boosting": [
        {"max_depth": 3, "learning_rate": 0.05, "max_iter": 300, "min_samples_leaf": 50},
        {"max_leaf_nodes": 15, "learning_rate": 0.05, "max_iter": 300, "l2_regularization": 1.0},
        {"max_leaf_nodes": 31, "learning_rate": 0.1, "max_iter": 100},
    ],
}
SEARCH_FOLDS = 3
# The search uses at most this many rows, a stratified sample, so that it adds seconds and
# not minutes to training on 100,000 leads. The chosen settings then train on every row.
SEARCH_MAX_ROWS = 10_000


def build_classifier(spec: FeatureSpec, method: str, settings: dict[str, Any]):
    """Return an unfitted classifier of the method with the given settings."""
    if method == "logistic":
        return LogisticRegression(max_iter=2000, **settings)
    categorical = [False] * len(spec.numeric) + [True] * len(spec.categorical)
    return HistGradientBoostingClassifier(
        categorical_features=categorical or None, random_state=RANDOM_STATE, **settings
    )


def best_settings(spec: FeatureSpec, method: str, matrix, targets: np.ndarray) -> tuple[dict[str, Any], list[float]]:
    """Return the candidate settings with the best mean cross-validated AUC, and each candidate's AUC.

    matrix is the method's encoding of the training rows and targets their outcomes (0 or 1).
    """
    candidates = CANDIDATES[method]
    positions = np.arange(len(targets))
    if len(positions) > SEARCH_MAX_ROWS:
        positions, _rest = train_test_split(
            positions, train_size=SEARCH_MAX_ROWS, random_state=RANDOM_STATE, stratify=targets
        )
    sample_targets = targets[positions]
    smaller_class = int(min(sample_targets.sum(), len(sample_targets) - sample_targets.sum()))
    if len(candidates) == 1 or smaller_class < 2:
        return dict(candidates[0]), []
    folds = StratifiedKFold(n_splits=min(SEARCH_FOLDS, smaller_class), shuffle=True, random_state=RANDOM_STATE)
    scores = []
    for settings in candidates:
        fold_scores = []
        for fit_part, check_part in folds.split(positions, sample_targets):
            classifier = build_classifier(spec, method, settings)
            classifier.fit(matrix[positions[fit_part]], sample_targets[fit_part])
            probabilities = classifier.predict_proba(matrix[positions[check_part]])[:, 1]
            fold_scores.append(roc_auc_score(sample_targets[check_part], probabilities))
        scores.append(round(float(np.mean(fold_scores)), 4))
    # max() keeps the first of equal scores, so ties go to the earlier candidate.
    best = max(range(len(candidates)), key=lambda index: scores[index])
    return dict(candidates[best]), scores
