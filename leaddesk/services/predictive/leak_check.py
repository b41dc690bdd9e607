"""Flag fields that predict the outcome almost perfectly on their own, a sign they were filled after contact."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from leaddesk.services.predictive.features import OTHER, FeatureSpec, category_codes, column_values, numeric_column

# In practice no field known at arrival separates won from lost this well by itself.
# A status tag or quality rating set after the first call often does.
SUSPECT_AUC = 0.95


# A held-out AUC above this rarely comes from fields known at arrival, so training warns
# and names the strongest single fields even when none of them reaches SUSPECT_AUC.
SUSPECT_MODEL_AUC = 0.95

# Fields named by the warning about a held-out AUC above SUSPECT_MODEL_AUC.
STRONGEST_FIELDS_SHOWN = 5


def field_aucs(spec: FeatureSpec, rows: Sequence[dict[str, Any]], outcomes: Sequence[int]) -> dict[str, float]:
    """Return field -> AUC (either direction) of each field of spec used alone, rounded to 3 digits."""
    outcome_array = np.asarray(outcomes, dtype=np.float64)
    found = {}
    for item in spec.categorical:
        lookup = {value: code for code, value in enumerate([*item.categories, OTHER])}
        codes = category_codes(item, column_values(rows, item.name), lookup)
        # Each lead scores its category's conversion rate on the training rows.
        converted = np.bincount(codes, weights=outcome_array, minlength=len(lookup))
        leads = np.bincount(codes, minlength=len(lookup))
        rates = converted / np.maximum(leads, 1)
        found[item.name] = _auc(outcomes, rates[codes])
    for item in spec.numeric:
        values, _missing = numeric_column(item, column_values(rows, item.name))
        found[item.name] = _auc(outcomes, values)
    return {name: round(auc, 3) for name, auc in sorted(found.items())}


def suspected_leaks(aucs: dict[str, float]) -> dict[str, float]:
    """Return the fields of field_aucs() at or above SUSPECT_AUC."""
    return {name: auc for name, auc in aucs.items() if auc >= SUSPECT_AUC}


def strongest_fields(aucs: dict[str, float], count: int = STRONGEST_FIELDS_SHOWN) -> dict[str, float]:
    """Return the count fields of field_aucs() with the highest AUC, highest first."""
    ranked = sorted(aucs.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:count])


def _auc(outcomes: Sequence[int], scores: Sequence[float]) -> float:
    auc = float(roc_auc_score(outcomes, scores))
    return max(auc, 1 - auc)
