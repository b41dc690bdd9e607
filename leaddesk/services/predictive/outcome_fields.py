"""Custom fields that could serve as the training outcome when no lead is won or lost."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.predictive.dataset import value_outcome

# Words in a field name that suggest a sales outcome; such fields are listed first.
OUTCOME_WORDS = ("convert", "won", "win", "closed", "outcome", "customer")


def yes_no_custom_fields(session: Session, sample: int = 2000) -> list[str]:
    """Return the custom field keys whose values on up to sample leads are all yes/no outcomes, both present.

    Yes/no outcomes are the values that value_outcome() reads, such as 1/0, yes/no or
    true/false. Empty values are ignored. Names containing an OUTCOME_WORDS word come first.
    """
    seen: dict[str, set[int]] = {}
    rejected: set[str] = set()
    query = select(Lead.custom_fields).where(Lead.deleted_at.is_(None)).limit(sample)
    for (fields,) in session.execute(query):
        for key, value in (fields or {}).items():
            if key in rejected or value is None or str(value).strip() == "":
                continue
            outcome = value_outcome(value)
            if outcome is None:
                rejected.add(key)
                seen.pop(key, None)
            else:
                seen.setdefault(key, set()).add(outcome)
    found = [key for key, outcomes in seen.items() if outcomes == {0, 1}]
    return sorted(found, key=lambda key: (not any(word in key.casefold() for word in OUTCOME_WORDS), key.casefold()))
