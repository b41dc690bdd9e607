"""Check field names the user typed for --exclude or --include against the fields training can use."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlalchemy.orm import Session

from leaddesk.services.predictive.dataset import (
    ACTIVITY_COUNT_FIELD,
    ACTIVITY_RECENCY_FIELD,
    CUSTOM_PREFIX,
    PREDICTOR_COLUMNS,
    custom_field_keys,
)


class UnknownFieldError(ValueError):
    """A field name given to exclude or include names no lead column or custom field."""


def training_field_names(session: Session) -> list[str]:
    """Return the lead columns, custom field keys and activity fields that training reads."""
    return [*PREDICTOR_COLUMNS, *sorted(custom_field_keys(session)), ACTIVITY_COUNT_FIELD, ACTIVITY_RECENCY_FIELD]


def folded_field_name(name: str) -> str:
    """Return the name in the form exclusions compare by: stripped, without "custom:", case-folded."""
    return name.strip().removeprefix(CUSTOM_PREFIX).casefold()


def check_field_names(session: Session, names: Iterable[str], option: str = "--exclude") -> None:
    """Raise UnknownFieldError for the first name that matches no training field, with the closest real names.

    Names compare case-insensitively, with or without the "custom:" prefix, as exclusion does.
    """
    known = training_field_names(session)
    lowered = {candidate.casefold(): candidate for candidate in known}
    for name in names:
        folded = folded_field_name(name)
        if folded in lowered:
            continue
        close = [lowered[match] for match in difflib.get_close_matches(folded, list(lowered), n=3, cutoff=0.5)]
        suggestion = f"closest fields: {', '.join(close)}" if close else f"fields: {', '.join(known[:20])}"
        raise UnknownFieldError(
            f"{option} {name!r} matches no lead field or custom field; {suggestion}"
        )


def canonical_field_names(session: Session, names: Iterable[str], option: str = "--exclude") -> list[str]:
    """Return each name as training_field_names spells it, without repeats, after check_field_names.

    So "custom:tags", "TAGS" and "Tags" all become the imported key "Tags".
    """
    names = [name for name in names if name.strip()]
    check_field_names(session, names, option)
    return normalized_field_names(session, names)


def normalized_field_names(session: Session, names: Iterable[str]) -> list[str]:
    """Return names spelled as training_field_names does, without repeats; a name of no current field stays as given."""
    known = {folded_field_name(name): name for name in training_field_names(session)}
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        folded = folded_field_name(name)
        if not folded or folded in seen:
            continue
        seen.add(folded)
        result.append(known.get(folded, name.strip()))
    return result
