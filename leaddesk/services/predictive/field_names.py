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
    folded = {name.casefold() for name in known}
    for name in names:
        bare = name.strip().removeprefix(CUSTOM_PREFIX)
        if bare.casefold() in folded:
            continue
        lowered = {candidate.casefold(): candidate for candidate in known}
        close = [lowered[match] for match in difflib.get_close_matches(bare.casefold(), list(lowered), n=3, cutoff=0.5)]
        suggestion = f"closest fields: {', '.join(close)}" if close else f"fields: {', '.join(known[:20])}"
        raise UnknownFieldError(
            f"{option} {name!r} matches no lead field or custom field; {suggestion}"
        )
