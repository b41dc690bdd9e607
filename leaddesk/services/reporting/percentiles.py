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


def sorted_median(ordered: Sequence[float]) -> float | None:
    """Return the median of values already sorted ascending, as median() does, without sorting again."""
    count = len(ordered)
    if not count:
        return None
    middle = count // 2
    return ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def sorted_nearest_rank(ordered: Sequence[float], percent: float) -> float | None:
    """Return nearest_rank() of values already sorted ascending."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]
