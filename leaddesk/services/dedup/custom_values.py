"""Comparison rules for two leads' custom text values, shared by the scorer and the fitted weights.

Both use compared_values to choose which values meet and value_level to grade them, so a
pair's fixed score and its pattern for the fitted weights always agree on what is the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz import fuzz

SAME, SIMILAR, DIFFERENT = "same", "similar", "different"

# token_sort_ratio (0..100) from which two custom values count as one with a typo.
SIMILAR_CUSTOM_RATIO = 90

# A numbered field name: a stem, an optional separator and a number ("address_1", "Phone 2").
_NUMBERED_FIELD = re.compile(r"^(.*?\D)[\s_\-]*\d+$")

# (field of the first lead, its value, field of the second lead, its value)
ComparedValues = tuple[str, str, str, str]


def same_apart_from_spaces(text_a: str, text_b: str) -> bool:
    """Return whether two folded values differ only in spaces ("mary ann"/"maryann"), which is a typing slip, not another value."""
    return text_a.replace(" ", "") == text_b.replace(" ", "")


def is_transposition(text_a: str, text_b: str) -> bool:
    """Return whether two values differ only by one swapped pair of neighbouring characters ("2160"/"2610")."""
    if len(text_a) != len(text_b) or text_a == text_b:
        return False
    differing = [index for index, (char_a, char_b) in enumerate(zip(text_a, text_b)) if char_a != char_b]
    if len(differing) != 2 or differing[1] != differing[0] + 1:
        return False
    first, second = differing
    return text_a[first] == text_b[second] and text_a[second] == text_b[first]


def value_level(value_a: str, value_b: str) -> str:
    """Grade two folded custom values as SAME, SIMILAR or DIFFERENT.

    A swap of two neighbouring characters is SIMILAR at any length. token_sort_ratio alone
    grades it DIFFERENT in values shorter than 10 characters, and a postcode or house
    number typed with two digits swapped is a common typing slip.
    """
    if value_a == value_b or same_apart_from_spaces(value_a, value_b):
        return SAME
    if fuzz.token_sort_ratio(value_a, value_b) >= SIMILAR_CUSTOM_RATIO or is_transposition(value_a, value_b):
        return SIMILAR
    return DIFFERENT


@lru_cache(maxsize=4096)
def numbered_field_stem(name: str) -> str | None:
    """Return the stem of a numbered field name ("address" of "address_1" and "Address 2"), or None for other names."""
    found = _NUMBERED_FIELD.match(name.strip())
    if found is None:
        return None
    return found.group(1).strip(" _-").casefold() or None


def compared_values(custom_a: Mapping[str, str], custom_b: Mapping[str, str]) -> list[ComparedValues]:
    """Return the custom values of two leads that are compared, sorted by the first lead's field.

    Fields of the same name are compared with each other. Numbered fields of one kind
    ("address_1", "address_2") are compared as a set, because people fill such fields in
    either order. So when more values of one lead's group are found anywhere in the other
    lead's group than in its fields of the same name, the equal values are paired with
    each other, and the remaining fields by name.
    """
    shared = custom_a.keys() & custom_b.keys()
    groups = _numbered_groups(custom_a, custom_b)
    if not groups:
        return [(name, custom_a[name], name, custom_b[name]) for name in sorted(shared)]

    compared: list[ComparedValues] = []
    grouped: set[str] = set()
    for names in groups:
        grouped.update(names)
        compared.extend(_compare_group(names, custom_a, custom_b))
    compared.extend((name, custom_a[name], name, custom_b[name]) for name in shared - grouped)
    compared.sort()
    return compared


def _numbered_groups(custom_a: Mapping[str, str], custom_b: Mapping[str, str]) -> list[list[str]]:
    """Return the sorted names of each kind of numbered field that the two leads have two or more of between them."""
    by_stem: dict[str, set[str]] = {}
    for name in (*custom_a, *custom_b):
        stem = numbered_field_stem(name)
        if stem is not None:
            by_stem.setdefault(stem, set()).add(name)
    return [sorted(names) for names in by_stem.values() if len(names) > 1]


def _compare_group(names: list[str], custom_a: Mapping[str, str], custom_b: Mapping[str, str]) -> list[ComparedValues]:
    by_name = [(name, custom_a[name], name, custom_b[name]) for name in names if name in custom_a and name in custom_b]
    agreeing_by_name = sum(1 for _name, value_a, _other, value_b in by_name if _equal(value_a, value_b))

    by_value: list[ComparedValues] = []
    used: set[str] = set()
    for name in names:
        if name not in custom_a:
            continue
        value_a = custom_a[name]
        # The field of the same name first, so that agreeing fields stay paired by name.
        for other in (name, *(candidate for candidate in names if candidate != name)):
            if other in custom_b and other not in used and _equal(value_a, custom_b[other]):
                used.add(other)
                by_value.append((name, value_a, other, custom_b[other]))
                break
    if len(by_value) <= agreeing_by_name:
        return by_name

    paired = {name for name, _value_a, _other, _value_b in by_value}
    rest = [
        (name, custom_a[name], name, custom_b[name])
        for name in names
        if name in custom_a and name in custom_b and name not in paired and name not in used
    ]
    return by_value + rest


def _equal(value_a: str, value_b: str) -> bool:
    return value_a == value_b or same_apart_from_spaces(value_a, value_b)
