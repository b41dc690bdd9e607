"""Plain-text score distribution and conversion-model figures for `leaddesk stats`."""

from __future__ import annotations

from typing import Any

from leaddesk.cli.text_table import LEFT, RIGHT, format_table
from leaddesk.services.reporting.scores import ScoreDistribution

# Length of the bar of the largest score bucket, in characters.
MAX_BAR_WIDTH = 40
BAR_CHARACTER = "#"


def percent(value: float | None) -> str:
    """Return value, already in percent, with one decimal and a "%" sign, or "-" for no value."""
    return "-" if value is None else f"{value:.1f}%"


def _bar(leads: int, largest: int) -> str:
    if not leads:
        return ""
    # Any non-empty bucket gets at least one character, so it never looks empty.
    return BAR_CHARACTER * max(1, round(MAX_BAR_WIDTH * leads / largest))


def score_lines(scores: ScoreDistribution) -> list[str]:
    """Return the score distribution: leads per bucket of ten points, with a bar scaled to the largest bucket."""
    largest = max(scores.buckets.values(), default=0)
    rows = [(label, str(leads), _bar(leads, largest)) for label, leads in scores.buckets.items()]
    return ["Score distribution (leads per score bucket)",
            *format_table(("score", "leads", ""), rows, align=(LEFT, RIGHT, LEFT))]


def _lift(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def model_lines(model: dict[str, Any] | None) -> list[str]:
    """Return the active conversion model's held-out AUC, calibration table and lift by decile.

    model is the summary that reporting.active_model_summary returns, or None without a validated model.
    """
    if model is None:
        return ["Conversion model: none validated yet, so leads keep the playbook's rule score.",
                "Train one with 'leaddesk score train' to see its calibration and lift by decile here."]
    lines = [f"Conversion model version {model['version']}: held-out AUC {model['auc']:.3f}, "
             f"trained {model['trained_at'][:16]}"]

    lines.append("Calibration on held-out leads (predicted probability bin, leads, mean predicted, observed rate)")
    calibration = [
        (f"{row['from']:.1f}-{row['to']:.1f}", str(row["leads"]), percent(row["mean_predicted"] * 100),
         percent(row["observed_rate"] * 100))
        for row in model["calibration"]
    ]
    lines += format_table(("predicted bin", "leads", "mean predicted", "observed"), calibration)

    lines.append("Lift by decile on held-out leads (decile 1 has the highest predicted probabilities)")
    lift = [
        (str(row["decile"]), str(row["leads"]), percent(row["conversion_rate"] * 100), _lift(row["lift"]))
        for row in model["lift_by_decile"]
    ]
    lines += format_table(("decile", "leads", "conversion rate", "lift"), lift)
    return lines
