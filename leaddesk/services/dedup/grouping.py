"""Duplicate groups from scored pairs, without chaining unrelated leads through one weak link."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from leaddesk.services.dedup.scoring import PairScore

# Two groups join only when more than this share of the pairs across them are matches.
# So A~B and B~C do not put A and C together unless A~C is a match too, and a lead joins a
# larger group only when it matches most of its members.
MIN_LINK_SHARE = 0.5


def group_pairs(
    pairs: Iterable[PairScore],
    *,
    threshold: float,
    cannot_link: set[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
) -> list[list[PairScore]]:
    """Return groups of matching pairs (score >= threshold), each as the list of its own pairs.

    Pairs are joined strongest first. A join that would put a pair from cannot_link into one
    group, or that too few cross pairs support, is skipped.
    """
    matches = sorted((pair for pair in pairs if pair.score >= threshold), key=lambda pair: -pair.score)
    linked = {(pair.low_id, pair.high_id) for pair in matches}
    group_of: dict[uuid.UUID, set[uuid.UUID]] = {}

    for pair in matches:
        first = group_of.setdefault(pair.low_id, {pair.low_id})
        second = group_of.setdefault(pair.high_id, {pair.high_id})
        if first is second or not _may_join(first, second, linked, cannot_link):
            continue
        first |= second
        for member in second:
            group_of[member] = first

    groups: dict[int, list[PairScore]] = {}
    for pair in matches:
        group = group_of[pair.low_id]
        if pair.high_id in group:
            groups.setdefault(id(group), []).append(pair)
    return list(groups.values())


def _may_join(
    first: set[uuid.UUID], second: set[uuid.UUID], linked: set, cannot_link: set
) -> bool:
    supported = 0
    for a in first:
        for b in second:
            key = (a, b) if a < b else (b, a)
            if key in cannot_link:
                return False
            supported += key in linked
    return supported > MIN_LINK_SHARE * len(first) * len(second)
