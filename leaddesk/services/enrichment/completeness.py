"""Data completeness of a lead: the weighted share of its fields that are filled.

Only typed fields count. Derived values come from the e-mail and phone, which already
count, so counting them too would reward the same fact twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Each entry is (label, lead fields, weight). The weights add up to 100, so the result is a
# percentage. An entry counts as filled when any of its fields is non-blank.
COMPLETENESS_WEIGHTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("name", ("full_name", "first_name", "last_name"), 15),
    ("e-mail", ("email",), 20),
    ("phone", ("phone",), 15),
    ("company", ("company",), 15),
    ("title", ("title",), 10),
    ("LinkedIn URL", ("linkedin_url",), 5),
    ("website or domain", ("website", "domain"), 5),
    ("country", ("country",), 5),
    ("city", ("city",), 3),
    ("industry", ("industry",), 4),
    ("employee count", ("employee_count",), 3),
)
_FIELDS_AND_WEIGHTS = tuple((names, weight) for _label, names, weight in COMPLETENESS_WEIGHTS)
COMPLETENESS_FIELDS = tuple(sorted({name for _label, fields, _weight in COMPLETENESS_WEIGHTS for name in fields}))


def completeness(fields: Mapping[str, Any]) -> int:
    """Return the completeness percentage, 0 to 100, of a mapping of lead fields."""
    # Plain loops with _filled inlined, because this runs once per lead in every refresh.
    total = 0
    for names, weight in _FIELDS_AND_WEIGHTS:
        for name in names:
            value = fields.get(name)
            if value is not None and (value.__class__ is not str or value.strip()):
                total += weight
                break
    return total


def missing_parts(fields: Mapping[str, Any]) -> list[str]:
    """Return the labels of the weighted entries that are empty, heaviest first."""
    empty = [(weight, label) for label, names, weight in COMPLETENESS_WEIGHTS if not any(_filled(fields.get(name)) for name in names)]
    return [label for _weight, label in sorted(empty, key=lambda item: -item[0])]


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if value.__class__ is str:
        return bool(value.strip())
    return True
