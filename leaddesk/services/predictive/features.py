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
# Suffix of the column with a log-scaled field's value on its own scale.
LINEAR = "(linear)"

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
    # A log-scaled field also gets a standardized column of the value itself, because log1p
    # flattens the upper range, where conversion can keep rising. Models saved without it have False.
    linear_column: bool = False
    linear_mean: float = 0.0
    linear_std: float = 1.0

    def filled(self, value: Any) -> tuple[float, bool]:
        """Return the value as a number, the median when it is missing, and whether it was missing."""
        number = None if is_missing(value) else as_number(value)
        if number is None:
            return self.median, True
        return number, False

    def transform(self, value: Any) -> tuple[float, bool]:
        """Return the standardized value and whether it was missing."""
        number, missing = self.filled(value)
        if self.log_scale:
            number = math.log1p(max(number, 0.0))
        return (number - self.mean) / self.std, missing

    def transform_linear(self, value: Any) -> float:
        """Return the standardized value without the log scale, for the LINEAR column."""
        return (self.filled(value)[0] - self.linear_mean) / self.linear_std


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
        count = len(rows)
        row_numbers = np.arange(count)
        row_parts: list[np.ndarray] = []
        column_parts: list[np.ndarray] = []
        data_parts: list[np.ndarray] = []
        for item in self.numeric:
            values, missing = numeric_column(item, column_values(rows, item.name))
            row_parts.append(row_numbers)
            column_parts.append(np.full(count, index[item.name]))
            data_parts.append(values)
            if item.linear_column:
                row_parts.append(row_numbers)
                column_parts.append(np.full(count, index[item.name + " " + LINEAR]))
                data_parts.append(linear_values(item, column_values(rows, item.name)))
            missing_column = index.get(item.name + " " + MISSING)
            if missing_column is not None:
                row_parts.append(row_numbers[missing])
                column_parts.append(np.full(int(missing.sum()), missing_column))
                data_parts.append(np.ones(int(missing.sum())))
        for item in self.categorical:
            lookup = {value: index[f"{item.name}={value}"] for value in [*item.categories, OTHER]}
            codes = category_codes(item, column_values(rows, item.name), lookup)
            row_parts.append(row_numbers)
            column_parts.append(codes)
            data_parts.append(np.ones(count))
        if not data_parts:
            return sparse.csr_matrix((count, len(self.column_names)))
        matrix = sparse.coo_matrix(
            (np.concatenate(data_parts), (np.concatenate(row_parts), np.concatenate(column_parts))),
            shape=(count, len(self.column_names)),
        )
        return matrix.tocsr()


def hashable_keys(values: Sequence[Any]) -> Sequence[Any]:
    """Return values with anything unhashable (a list or object from JSON) turned into its text."""
    try:
        # Imported values are almost always text, so check all at once and convert only when needed.
        set(values)
        return values
    except TypeError:
        return [value if isinstance(value, (str, int, float, bool, type(None))) else str(value) for value in values]


class Columns:
    """Lead rows stored field by field, which training reads many times per field.

    Reading one field from 100,000 row dicts touches 100,000 scattered objects, so training
    turns its rows into Columns once and splits and encodes those instead.
    """

    def __init__(self, data: dict[str, list[Any]], length: int) -> None:
        self.data = data
        self.length = length

    @classmethod
    def from_rows(cls, rows: Sequence[dict[str, Any]]) -> Columns:
        length = len(rows)
        data: dict[str, list[Any]] = {}
        for position, row in enumerate(rows):
            for name, value in row.items():
                column = data.get(name)
                if column is None:
                    column = data[name] = [None] * length
                column[position] = value
        return cls(data, length)

    def __len__(self) -> int:
        return self.length

    @property
    def names(self) -> list[str]:
        return list(self.data)

    def column(self, name: str) -> list[Any]:
        values = self.data.get(name)
        return values if values is not None else [None] * self.length

    def take(self, positions: Sequence[int]) -> Columns:
        return Columns({name: [values[index] for index in positions] for name, values in self.data.items()},
                       len(positions))


def column_values(rows: Sequence[dict[str, Any]] | Columns, name: str) -> list[Any]:
    if isinstance(rows, Columns):
        return rows.column(name)
    return [row.get(name) for row in rows]


def value_mapping(values: Sequence[Any], transform) -> dict[Any, Any]:
    """Return {value: transform(value)} over the distinct values, so each is parsed once per column."""
    return {key: transform(key) for key in set(hashable_keys(values))}


def category_codes(item: CategoryField, values: Sequence[Any], lookup: dict[str, int]) -> np.ndarray:
    """Return lookup[category] of each value, where category pools rare and unknown values into OTHER."""
    keys = hashable_keys(values)
    mapping = {key: lookup[item.category(key)] for key in set(keys)}
    return np.fromiter((mapping[key] for key in keys), np.int64, len(keys))


def numeric_column(item: NumericField, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return the standardized values of a numeric field and a mask of the missing ones."""
    mapping = value_mapping(values, item.transform)
    pairs = [mapping[key] for key in hashable_keys(values)]
    numbers = np.fromiter((pair[0] for pair in pairs), np.float64, len(pairs))
    missing = np.fromiter((pair[1] for pair in pairs), bool, len(pairs))
    return numbers, missing


def linear_values(item: NumericField, values: Sequence[Any]) -> np.ndarray:
    """Return the standardized values of a log-scaled field on their own scale."""
    mapping = value_mapping(values, item.transform_linear)
    return np.fromiter((mapping[key] for key in hashable_keys(values)), np.float64, len(values))


def fit_feature_spec(rows: Sequence[dict[str, Any]], excluded: Iterable[str] = ()) -> FeatureSpec:
    """Learn which fields to use and how to encode them from the training rows."""
    excluded = list(excluded)
    spec = FeatureSpec()
    names = sorted(rows.names) if isinstance(rows, Columns) else sorted({name for row in rows for name in row})
    total = len(rows)
    for name in names:
        if matches_field(name, excluded):
            spec.skipped[name] = "excluded from training"
            continue
        # Counting distinct values first means each one is parsed once, not once per lead.
        counts = Counter(hashable_keys(column_values(rows, name)))
        filled = {value: count for value, count in counts.items() if not is_missing(value)}
        filled_total = sum(filled.values())
        if not filled_total:
            spec.skipped[name] = "always empty"
            continue
        numbers = {value: as_number(value) for value in filled}
        parsed_total = sum(count for value, count in filled.items() if numbers[value] is not None)
        distinct = len({str(value) for value in filled})
        if distinct == 1 and filled_total == total:
            spec.skipped[name] = "the same value on every lead"
            continue
        looks_like_identifier = filled_total >= IDENTIFIER_MIN_VALUES and distinct >= IDENTIFIER_DISTINCT_SHARE * filled_total
        if parsed_total >= NUMERIC_SHARE * filled_total and not all(isinstance(value, bool) for value in filled):
            parsed = {numbers[value]: 0 for value in filled if numbers[value] is not None}
            if looks_like_identifier and all(number.is_integer() for number in parsed):
                spec.skipped[name] = "a distinct whole number on nearly every lead, so an identifier"
                continue
            weights = [(numbers[value], count) for value, count in filled.items() if numbers[value] is not None]
            spec.numeric.append(_numeric_field(name, weights, has_missing=parsed_total < total))
            continue
        if looks_like_identifier:
            spec.skipped[name] = "a distinct value on nearly every lead, so an identifier or free text"
            continue
        spec.categorical.append(_category_field(name, counts, total))
    spec.column_names = _column_names(spec)
    logger.info("feature spec: %d numeric and %d categorical fields, %d skipped",
                len(spec.numeric), len(spec.categorical), len(spec.skipped))
    return spec


def _numeric_field(name: str, weights: list[tuple[float, int]], has_missing: bool) -> NumericField:
    """Build a numeric field from (value, number of leads with it) pairs."""
    values = np.asarray([value for value, _count in weights], dtype=np.float64)
    counts = np.asarray([count for _value, count in weights], dtype=np.int64)
    expanded = np.repeat(values, counts)
    log_scale = bool(values.min() >= 0)
    item = NumericField(name=name, median=float(np.median(expanded)), log_scale=log_scale, has_missing=has_missing)
    transformed = np.log1p(expanded) if log_scale else expanded
    item.mean, item.std = _standardization(transformed)
    if log_scale:
        item.linear_column = True
        item.linear_mean, item.linear_std = _standardization(expanded)
    return item


def _standardization(values: np.ndarray) -> tuple[float, float]:
    """Return the mean and standard deviation of values, with 1.0 for a constant column."""
    std = float(values.std())
    return float(values.mean()), std if std > 0 else 1.0


def _category_field(name: str, counts: Counter, total: int) -> CategoryField:
    categories: Counter = Counter()
    for value, count in counts.items():
        categories[as_category(value)] += count
    minimum = max(MIN_CATEGORY_COUNT, MIN_CATEGORY_SHARE * total)
    kept = [value for value, count in categories.most_common(MAX_CATEGORIES) if count >= minimum]
    most_common = categories.most_common(1)[0][0]
    return CategoryField(name=name, categories=kept, most_common=most_common)


def _column_names(spec: FeatureSpec) -> list[str]:
    names = []
    for item in spec.numeric:
        names.append(item.name)
        if item.linear_column:
            names.append(item.name + " " + LINEAR)
        if item.has_missing:
            names.append(item.name + " " + MISSING)
    for item in spec.categorical:
        names.extend(f"{item.name}={value}" for value in [*item.categories, OTHER])
    return names
