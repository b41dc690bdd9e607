"""The full duplicate scan: candidates from the key index, scores, groups, and remembered decisions."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import DedupDecision, Lead
from leaddesk.services.dedup.candidates import candidate_pairs
from leaddesk.services.dedup.grouping import group_pairs
from leaddesk.services.dedup.normalize import refresh_match_keys
from leaddesk.services.dedup.scoring import LeadKeys, PairScore, score_pair
from leaddesk.services.dedup.settings import Thresholds, load_thresholds

logger = logging.getLogger(__name__)

_KEY_COLUMNS = (
    "id",
    "company",
    "custom_fields",
    "match_email",
    "match_phone",
    "match_phone_unparsed",
    "match_first_name",
    "match_last_name",
    "match_company",
    "match_domain",
)


@dataclass(frozen=True)
class DuplicateGroup:
    """Leads that are likely one lead: the mean score of their matching pairs and each pair's reasons."""

    lead_ids: tuple[uuid.UUID, ...]
    confidence: float
    pairs: tuple[PairScore, ...]
    auto_merge: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_ids": [str(lead_id) for lead_id in self.lead_ids],
            "confidence": round(self.confidence, 3),
            "auto_merge": self.auto_merge,
            "pairs": [pair.to_dict() for pair in self.pairs],
        }


class NotDuplicateError(ValueError):
    """A "not a duplicate" decision on a lead that does not exist, or on a lead and itself."""


def scan_duplicates(
    session: Session, *, thresholds: Thresholds | None = None, refresh_keys: bool = True
) -> list[DuplicateGroup]:
    """Return the review queue: duplicate groups of live leads, most confident first.

    Refreshes the match keys first unless refresh_keys is False. Pairs marked "not a
    duplicate" are never grouped together.
    """
    thresholds = thresholds or load_thresholds(session)
    if refresh_keys:
        refresh_match_keys(session)

    leads = {
        row["id"]: LeadKeys.from_row(row)
        for row in session.execute(
            select(*(Lead.__table__.c[name] for name in _KEY_COLUMNS)).where(Lead.deleted_at.is_(None))
        ).mappings()
    }
    rejected = decided_pairs(session)

    scored = []
    for low, high in candidate_pairs(session):
        if (low, high) in rejected:
            continue
        scored.append(score_pair(leads[low], leads[high]))

    groups = [_to_group(pairs, thresholds) for pairs in group_pairs(scored, threshold=thresholds.review, cannot_link=rejected)]
    groups.sort(key=lambda group: (-group.confidence, str(group.lead_ids[0])))
    logger.info("duplicate scan: %d leads, %d candidate pairs, %d groups", len(leads), len(scored), len(groups))
    return groups


def mark_not_duplicate(session: Session, lead_a: uuid.UUID, lead_b: uuid.UUID, *, actor: str | None = None) -> None:
    """Remember that two leads are different, so later scans never group them together."""
    if lead_a == lead_b:
        raise NotDuplicateError(f"lead {lead_a} was given twice; give two different leads")
    for lead_id in (lead_a, lead_b):
        if session.get(Lead, lead_id) is None:
            raise NotDuplicateError(f"lead {lead_id} not found; list duplicates with 'leaddesk dedupe'")
    low, high = sorted((lead_a, lead_b))
    session.merge(DedupDecision(lead_low_id=low, lead_high_id=high, decided_by=actor))
    logger.info("marked leads %s and %s as not duplicates", low, high)


def decided_pairs(session: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    return {(low, high) for low, high in session.execute(select(DedupDecision.lead_low_id, DedupDecision.lead_high_id))}


def _to_group(pairs: list[PairScore], thresholds: Thresholds) -> DuplicateGroup:
    members = sorted({pair.low_id for pair in pairs} | {pair.high_id for pair in pairs})
    confidence = sum(pair.score for pair in pairs) / len(pairs)
    auto_merge = all(pair.score >= thresholds.auto_merge for pair in pairs)
    return DuplicateGroup(tuple(members), confidence, tuple(pairs), auto_merge)
