"""Median and nearest-rank percentiles, chosen so a reader can check each figure by hand."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """Return the median (the mean of the two middle values for an even count), or None for no values."""
    return statistics.median(values) if values else None


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """Return the nearest-rank percentile: the smallest value with at least percent % of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
