"""Held-out figures of a conversion model: AUC, log loss, calibration table and lift by decile."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

CALIBRATION_BINS = 10
DECILES = 10
# A model whose held-out AUC is at or below this ranks leads no better than chance, so it is
# saved for the record but never activated.
CHANCE_AUC = 0.55
# Held-out leads needed per class for a held-out AUC to mean anything.
MIN_HOLDOUT_PER_CLASS = 10


def calibration_table(probabilities: Sequence[float], outcomes: Sequence[int], bins: int = CALIBRATION_BINS) -> list[dict]:
    """Return one row per non-empty probability bin of equal width: leads, mean predicted and observed rate."""
    probabilities = np.asarray(probabilities, dtype=float)
    outcomes = np.asarray(outcomes, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The last bin is closed on the right, so a probability of exactly 1 falls in it.
    index = np.clip(np.digitize(probabilities, edges[1:-1], right=False), 0, bins - 1)
    table = []
    for bin_index in range(bins):
        chosen = index == bin_index
        count = int(chosen.sum())
        if not count:
            continue
        table.append({
            "from": round(float(edges[bin_index]), 2),
            "to": round(float(edges[bin_index + 1]), 2),
            "leads": count,
            "mean_predicted": round(float(probabilities[chosen].mean()), 4),
            "observed_rate": round(float(outcomes[chosen].mean()), 4),
        })
    return table


def lift_by_decile(probabilities: Sequence[float], outcomes: Sequence[int]) -> list[dict]:
    """Return the conversion rate of each tenth of leads, highest predicted first, and its lift over the mean rate."""
    probabilities = np.asarray(probabilities, dtype=float)
    outcomes = np.asarray(outcomes, dtype=float)
    order = np.argsort(-probabilities, kind="stable")
    base_rate = float(outcomes.mean()) if len(outcomes) else 0.0
    rows = []
    for decile, part in enumerate(np.array_split(order, DECILES), start=1):
        if not len(part):
            continue
        rate = float(outcomes[part].mean())
        rows.append({
            "decile": decile,
            "leads": int(len(part)),
            "conversion_rate": round(rate, 4),
            "lift": round(rate / base_rate, 2) if base_rate else None,
        })
    return rows


def validation_figures(probabilities: Sequence[float], outcomes: Sequence[int]) -> dict:
    """Return AUC, log loss, calibration table and lift by decile of held-out predictions."""
    probabilities = np.clip(np.asarray(probabilities, dtype=float), 1e-6, 1 - 1e-6)
    return {
        "auc": round(float(roc_auc_score(outcomes, probabilities)), 4),
        "log_loss": round(float(log_loss(outcomes, probabilities, labels=[0, 1])), 4),
        "holdout_leads": len(outcomes),
        "holdout_converted": int(sum(outcomes)),
        "calibration": calibration_table(probabilities, outcomes),
        "lift_by_decile": lift_by_decile(probabilities, outcomes),
    }
