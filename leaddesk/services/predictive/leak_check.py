"""Flag fields that predict the outcome almost perfectly on their own, a sign they were filled after contact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sklearn.metrics import roc_auc_score

from leaddesk.services.predictive.features import FeatureSpec, as_number, is_missing

# In practice no field known at arrival separates won from lost this well by itself.
# A status tag or quality rating set after the first call often does.
SUSPECT_AUC = 0.95


def suspected_leaks(spec: FeatureSpec, rows: Sequence[dict[str, Any]], outcomes: Sequence[int]) -> dict[str, float]:
    """Return field -> single-field AUC (either direction) for fields at or above SUSPECT_AUC."""
    found = {}
    for item in spec.categorical:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        categories = [item.category(row.get(item.name)) for row in rows]
        for category, outcome in zip(categories, outcomes):
            totals[category][0] += outcome
            totals[category][1] += 1
        rates = [totals[category][0] / totals[category][1] for category in categories]
        found[item.name] = _auc(outcomes, rates)
    for item in spec.numeric:
        values = []
        for row in rows:
            value = row.get(item.name)
            number = None if is_missing(value) else as_number(value)
            values.append(item.median if number is None else number)
        found[item.name] = _auc(outcomes, values)
    return {name: round(auc, 3) for name, auc in sorted(found.items()) if auc >= SUSPECT_AUC}


def _auc(outcomes: Sequence[int], scores: Sequence[float]) -> float:
    auc = float(roc_auc_score(outcomes, scores))
    return max(auc, 1 - auc)
