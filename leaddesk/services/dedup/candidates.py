"""Candidate pairs of leads from the indexed match keys, so the scan never compares all pairs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from leaddesk.models import Lead

logger = logging.getLogger(__name__)

# Key columns whose equal values make two leads a candidate pair.
BLOCKING_COLUMNS = ("match_email", "match_phone", "match_name_key", "match_company", "match_domain")

# A key shared by more leads than this (a switchboard phone, a big company, "j smith") would
# give thousands of pairs from one value, so it makes no candidates. Other keys still pair
# those leads when they agree there.
MAX_BLOCK_SIZE = 100


def candidate_pairs(session: Session, *, max_block_size: int = MAX_BLOCK_SIZE) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    """Yield each pair of live leads that share a match key once, as (smaller id, larger id)."""
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for column in BLOCKING_COLUMNS:
        yield from _new_pairs(session, column, column, max_block_size, seen)
    # A lead whose first and last name were entered the wrong way round.
    yield from _new_pairs(session, "match_name_key", "match_name_key_swapped", max_block_size, seen)


def _new_pairs(
    session: Session, left_column: str, right_column: str, max_block_size: int, seen: set
) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    left, right = aliased(Lead), aliased(Lead)
    left_key, right_key = getattr(left, left_column), getattr(right, right_column)
    small_blocks = (
        select(getattr(Lead, left_column))
        .where(Lead.deleted_at.is_(None), getattr(Lead, left_column).is_not(None))
        .group_by(getattr(Lead, left_column))
        .having(func.count() <= max_block_size)
    )
    query = (
        select(left.id, right.id)
        .join(right, and_(left_key == right_key, left.id != right.id))
        .where(left.deleted_at.is_(None), right.deleted_at.is_(None))
        .where(left_key.in_(small_blocks))
    )
    if left_column == right_column:
        query = query.where(left.id < right.id)

    count = 0
    for first, second in session.execute(query):
        pair = (first, second) if first < second else (second, first)
        if pair not in seen:
            seen.add(pair)
            count += 1
            yield pair
    logger.debug("blocking on %s = %s gave %d new candidate pairs", left_column, right_column, count)
