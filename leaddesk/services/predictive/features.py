"""Turn lead rows into model inputs: numbers with missing values filled and flagged, categories one-hot with rare values pooled.

FeatureSpec is learned from the training rows only and stored with the model, so a lead
scored later is encoded exactly as the training leads were.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from leaddesk.services.predictive.dataset import matches_field

logger = logging.getLogger(__name__)

MISSING = "(missing)"
OTHER = "(other)"

# A category needs this many training leads, and this share of them, to get its own column.
# Rarer values are pooled into "(other)", because a handful of leads gives no reliable rate.
MIN_CATEGORY_COUNT = 10
MIN_CATEGORY_SHARE = 0.002
MAX_CATEGORIES = 60

# A field whose values are nearly all distinct (ids, free text) identifies leads instead of describing them.
IDENTIFIER_DISTINCT_SHARE = 0.9
IDENTIFIER_MIN_VALUES = 50

# A field is numeric when at least this share of its filled values parse as numbers.
NUMERIC_SHARE = 0.98


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def as_category(value: Any) -> str:
    return MISSING if is_missing(value) else str(value).strip()


@dataclass
class NumericField:
    name: str
    median: float
    # log1p is applied when every training value is at least zero, to tame long tails such as visit counts.
    log_scale: bool
    mean: float = 0.0
    std: float = 1.0
    has_missing: bool = False

    def transform(self, value: Any) -> tuple[float, bool]:
        """Return the standardized value and whether it was missing."""
        number = None if is_missing(value) else as_number(value)
        missing = number is None
        if number is None:
            number = self.median
        if self.log_scale:
            number = math.log1p(max(number, 0.0))
        return (number - self.mean) / self.std, missing


@dataclass
class CategoryField:
    name: str
    categories: list[str]
    most_common: str

    def category(self, value: Any) -> str:
        text = as_category(value)
        return text if text in self.categories else OTHER


@dataclass
class FeatureSpec:
    numeric: list[NumericField] = field(default_factory=list)
    categorical: list[CategoryField] = field(default_factory=list)
    # Fields left out, with the reason, for the training report.
    skipped: dict[str, str] = field(default_factory=dict)
    column_names: list[str] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return [item.name for item in self.numeric] + [item.name for item in self.categorical]

    def typical_row(self) -> dict[str, Any]:
        """Return a row with each field at its median or most common value: the baseline of explanations."""
        row: dict[str, Any] = {item.name: item.median for item in self.numeric}
        row.update({item.name: item.most_common for item in self.categorical})
        return row

    def encode(self, rows: Sequence[dict[str, Any]]) -> sparse.csr_matrix:
        """Return the one-hot and standardized matrix of rows, one row per lead."""
        index = {name: position for position, name in enumerate(self.column_names)}
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        numeric = [(item, index[item.name], index.get(item.name + " " + MISSING)) for item in self.numeric]
        for row in rows:
            for item, column, missing_column in numeric:
                value, missing = item.transform(row.get(item.name))
                if value:
                    indices.append(column)
                    data.append(value)
                if missing and missing_column is not None:
                    indices.append(missing_column)
                    data.append(1.0)
            for item in self.categorical:
                column = index.get(f"{item.name}={item.category(row.get(item.name))}")
                if column is not None:
                    indices.append(column)
                    data.append(1.0)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(rows), len(self.column_names)),
        )


def fit_feature_spec(rows: Sequence[dict[str, Any]], excluded: Iterable[str] = ()) -> FeatureSpec:
    """Learn which fields to use and how to encode them from the training rows."""
    excluded = list(excluded)
    spec = FeatureSpec()
    names = sorted({name for row in rows for name in row})
    total = len(rows)
    for name in names:
        if matches_field(name, excluded):
            spec.skipped[name] = "excluded from training"
            continue
        values = [row.get(name) for row in rows]
        filled = [value for value in values if not is_missing(value)]
        if not filled:
            spec.skipped[name] = "always empty"
            continue
        numbers = [as_number(value) for value in filled]
        parsed = [number for number in numbers if number is not None]
        distinct = len(set(map(str, filled)))
        if distinct == 1 and len(filled) == total:
            spec.skipped[name] = "the same value on every lead"
            continue
        if len(parsed) >= NUMERIC_SHARE * len(filled) and not all(isinstance(value, bool) for value in filled):
            if len(filled) >= IDENTIFIER_MIN_VALUES and distinct >= IDENTIFIER_DISTINCT_SHARE * len(filled) and all(
                number.is_integer() for number in parsed
            ):
                spec.skipped[name] = "a distinct whole number on nearly every lead, so an identifier"
                continue
            spec.numeric.append(_numeric_field(name, parsed, has_missing=len(parsed) < total))
            continue
        if len(filled) >= IDENTIFIER_MIN_VALUES and distinct >= IDENTIFIER_DISTINCT_SHARE * len(filled):
            spec.skipped[name] = "a distinct value on nearly every lead, so an identifier or free text"
            continue
        spec.categorical.append(_category_field(name, values, total))
    spec.column_names = _column_names(spec)
    logger.info("feature spec: %d numeric and %d categorical fields, %d skipped",
                len(spec.numeric), len(spec.categorical), len(spec.skipped))
    return spec


def _numeric_field(name: str, parsed: list[float], has_missing: bool) -> NumericField:
    log_scale = min(parsed) >= 0
    item = NumericField(name=name, median=float(np.median(parsed)), log_scale=log_scale, has_missing=has_missing)
    transformed = np.log1p(parsed) if log_scale else np.asarray(parsed)
    item.mean = float(transformed.mean())
    std = float(transformed.std())
    item.std = std if std > 0 else 1.0
    return item


def _category_field(name: str, values: list[Any], total: int) -> CategoryField:
    counts = Counter(as_category(value) for value in values)
    minimum = max(MIN_CATEGORY_COUNT, MIN_CATEGORY_SHARE * total)
    kept = [value for value, count in counts.most_common(MAX_CATEGORIES) if count >= minimum]
    most_common = counts.most_common(1)[0][0]
    return CategoryField(name=name, categories=kept, most_common=most_common)


def _column_names(spec: FeatureSpec) -> list[str]:
    names = []
    for item in spec.numeric:
        names.append(item.name)
        if item.has_missing:
            names.append(item.name + " " + MISSING)
    for item in spec.categorical:
        names.extend(f"{item.name}={value}" for value in [*item.categories, OTHER])
    return names
