"""Existing leads that an unsaved lead may duplicate, for the hint shown while a new lead is typed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.dedup import scan
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.review import LeadLabel, lead_labels
from leaddesk.services.dedup.scoring import LeadKeys, score_pair
from leaddesk.services.dedup.settings import load_thresholds

logger = logging.getLogger(__name__)

# The id the unsaved lead takes while it is scored. No stored lead has it.
UNSAVED_ID = uuid.UUID(int=0)

# Leads sharing a key with the typed values that are scored at most, so a common company name stays fast.
MAX_CANDIDATES = 200

# Indexed match-key columns whose equal values make a stored lead a candidate for the typed values.
MATCH_KEY_COLUMNS = ("match_email", "match_phone", "match_name_key", "match_company", "match_domain")

# Lead fields the new-lead form sends; other keys of values are ignored.
TYPED_FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "company", "website", "domain", "country")


@dataclass(frozen=True)
class SimilarLead:
    """A stored lead that the typed values may describe, with the score and the reasons."""

    label: LeadLabel
    score: float
    reasons: tuple[str, ...]

    def message(self) -> str:
        """Return the hint text, such as "This may be Kate Moss at Acme (same email) - open it instead?"."""
        reasons = ", ".join(self.reasons)
        return f"This may be {self.label.describe()} ({reasons}) - open it instead?"


def find_similar_leads(session: Session, values: Mapping[str, Any], *, limit: int = 3) -> list[SimilarLead]:
    """Return up to limit live leads that score at least the review threshold against values, best first.

    Uses scan.find_similar when the scan module has it, and otherwise scores the leads that
    share a match key with the values.
    """
    typed = {name: _clean(values.get(name)) for name in TYPED_FIELDS}
    if not any(typed.values()):
        return []
    find_similar = getattr(scan, "find_similar", None)
    matches = _from_scan(session, find_similar, typed, limit) if find_similar else _score_candidates(session, typed)

    labels = lead_labels(session, [lead_id for lead_id, _score, _reasons in matches])
    found = [SimilarLead(labels[lead_id], score, tuple(reasons)) for lead_id, score, reasons in matches if lead_id in labels]
    found.sort(key=lambda item: -item.score)
    return found[:limit]


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _from_scan(session: Session, find_similar: Any, typed: dict[str, str | None], limit: int) -> list[tuple[uuid.UUID, float, tuple[str, ...]]]:
    matches = []
    for item in find_similar(session, typed, limit=limit):
        lead_id = _stored_lead_id(item)
        if lead_id is not None:
            matches.append((lead_id, float(item.score), tuple(item.reasons)))
    return matches


def _stored_lead_id(item: Any) -> uuid.UUID | None:
    """Return the id of the stored lead in one find_similar result, a pair with the unsaved lead."""
    for name in ("lead_id", "id"):
        value = getattr(item, name, None)
        if isinstance(value, uuid.UUID):
            return value
    for name in ("high_id", "low_id"):
        value = getattr(item, name, None)
        if isinstance(value, uuid.UUID) and value != UNSAVED_ID:
            return value
    return None


def _score_candidates(session: Session, typed: dict[str, str | None]) -> list[tuple[uuid.UUID, float, tuple[str, ...]]]:
    keys = normalize_lead_keys(dict(typed))
    conditions = [getattr(Lead, column) == keys[column] for column in MATCH_KEY_COLUMNS if keys.get(column)]
    if keys.get("match_name_key_swapped"):
        conditions.append(Lead.match_name_key == keys["match_name_key_swapped"])
    if not conditions:
        return []

    columns = [Lead.__table__.c[name] for name in scan._KEY_COLUMNS]
    rows = session.execute(
        select(*columns).where(Lead.deleted_at.is_(None), or_(*conditions)).limit(MAX_CANDIDATES)
    ).mappings()
    probe = LeadKeys.from_row({"id": UNSAVED_ID, "company": typed.get("company"), "custom_fields": {}, **keys})
    review = load_thresholds(session).review

    matches = []
    for row in rows:
        pair = score_pair(probe, LeadKeys.from_row(row))
        if pair.score >= review:
            matches.append((row["id"], pair.score, pair.reasons))
    return matches
