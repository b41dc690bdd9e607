"""Plain-word factors behind one lead's conversion probability, such as "Lead source: referral +12%".

The factors come from a path from a typical lead (each field at its median or most common
value) to this lead. Fields are switched to the lead's values one at a time, largest single
effect first. Each factor is the change in probability that its switch makes. The changes
therefore add up exactly to the lead's probability minus the typical lead's, whatever the
method, and a field whose value equals the typical one gets no factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaddesk.services.predictive.dataset import field_label
from leaddesk.services.predictive.features import MISSING, is_missing
from leaddesk.services.predictive.model import ConversionModel

# Changes smaller than this (0.05 percentage points) are too small to show as a factor.
MIN_FACTOR_CHANGE = 0.0005


@dataclass(frozen=True)
class Factor:
    field: str
    label: str
    value: str
    # Change in conversion probability, -1..1.
    change: float

    def describe(self) -> str:
        percent = self.change * 100
        amount = f"{percent:+.1f}%" if abs(percent) < 1 else f"{percent:+.0f}%"
        return f"{self.label}: {self.value} {amount}"


@dataclass(frozen=True)
class Explanation:
    probability: float
    # The probability of a typical lead, from which the factors start.
    baseline: float
    # Every factor, largest increase first and largest decrease last.
    factors: tuple[Factor, ...]

    def top_up(self, count: int = 3) -> list[Factor]:
        return [factor for factor in self.factors if factor.change > 0][:count]

    def top_down(self, count: int = 3) -> list[Factor]:
        return [factor for factor in reversed(self.factors) if factor.change < 0][:count]


def _shown(value: Any) -> str:
    return MISSING if is_missing(value) else str(value).strip()


def explain(model: ConversionModel, row: dict[str, Any]) -> Explanation:
    """Return the lead's probability and the factors that move it away from a typical lead's."""
    baseline_row = model.spec.typical_row()
    fields = [field for field in model.spec.fields if _shown(row.get(field)) != _shown(baseline_row.get(field))]
    singles = [{**baseline_row, field: row.get(field)} for field in fields]
    predictions = model.predict([baseline_row, *singles])
    baseline = float(predictions[0])
    effects = {field: abs(float(value) - baseline) for field, value in zip(fields, predictions[1:])}
    order = sorted(fields, key=lambda field: (-effects[field], field))

    path = []
    current = dict(baseline_row)
    for field in order:
        current = {**current, field: row.get(field)}
        path.append(current)
    steps = model.predict(path) if path else []
    factors = []
    previous = baseline
    for field, probability in zip(order, steps):
        change = float(probability) - previous
        previous = float(probability)
        if abs(change) >= MIN_FACTOR_CHANGE:
            factors.append(Factor(field, field_label(field), _shown(row.get(field)), change))
    factors.sort(key=lambda factor: -factor.change)
    return Explanation(probability=previous, baseline=baseline, factors=tuple(factors))
