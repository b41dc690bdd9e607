"""Existing leads that an unsaved lead may duplicate, for the hint shown while a new lead is typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from leaddesk.services.dedup.review import LeadLabel, lead_labels
from leaddesk.services.dedup.scan import find_similar

# Lead fields the new-lead form sends; other keys of values but "custom_fields" are ignored.
TYPED_FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "company", "website", "domain", "country")


@dataclass(frozen=True)
class SimilarLead:
    """A stored lead that the typed values may describe, with the score and the reasons."""

    label: LeadLabel
    score: float
    reasons: tuple[str, ...]
    # True when only the full name agrees, so the hint reads as weaker.
    name_only: bool = False

    def message(self) -> str:
        """Return the hint text, such as "This may be Kate Moss at Acme (same email) - open it instead?"."""
        if self.name_only:
            return f"Same name as {self.label.describe()} - is it this lead? Open it instead?"
        reasons = ", ".join(self.reasons)
        return f"This may be {self.label.describe()} ({reasons}) - open it instead?"


def find_similar_leads(session: Session, values: Mapping[str, Any], *, limit: int = 3) -> list[SimilarLead]:
    """Return up to limit live leads that score at least the review threshold against values, best first.

    values["custom_fields"], a mapping of custom field names to values, is compared with the
    custom-field weights that the last full scan fitted.
    """
    typed: dict[str, Any] = {name: _clean(values.get(name)) for name in TYPED_FIELDS}
    # NOTE: the new-lead form has no custom-field inputs yet. So the fitted weights never
    # change the hint that the form shows, but a caller that sends custom_fields gets them.
    custom = {str(name): text for name, value in (values.get("custom_fields") or {}).items() if (text := _clean(value))}
    if not any(typed.values()) and not custom:
        return []
    typed["custom_fields"] = custom
    matches = find_similar(session, typed, limit=limit)
    labels = lead_labels(session, [match.lead_id for match in matches])
    return [
        SimilarLead(labels[match.lead_id], match.score, tuple(match.reasons), match.name_only)
        for match in matches
        if match.lead_id in labels
    ]


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
