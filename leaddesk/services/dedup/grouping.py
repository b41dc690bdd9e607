"""Duplicate groups from scored pairs, without chaining unrelated leads through one weak link."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from leaddesk.services.dedup.scoring import PairScore

# Two groups join only when more than this share of the pairs across them are matches, or
# exactly this share while every other pair across them is compatible (see group_pairs).
# So A~B and B~C do not put A and C together unless A~C is a match or at least compatible,
# and a lead joins a larger group only when it matches half of its members or more.
MIN_LINK_SHARE = 0.5

# The lowest score of a pair below the review threshold that still counts as compatible:
# no match, but no contradiction either, such as two copies of one lead that each lost a
# different field.
COMPATIBLE_SCORE = 0.25


def group_pairs(
    pairs: Iterable[PairScore],
    *,
    threshold: float,
    cannot_link: set[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
    compatible: set[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
) -> list[list[PairScore]]:
    """Return groups of matching pairs (score >= threshold), each as the list of its own pairs.

    Pairs are joined strongest first. A join that would put a pair from cannot_link into one
    group, or that too few cross pairs support, is skipped. compatible contains the pairs, as
    (smaller id, larger id), that scored at least COMPATIBLE_SCORE but below threshold.
    Pairs that were never scored count as unrelated.
    """
    matches = sorted((pair for pair in pairs if pair.score >= threshold), key=lambda pair: -pair.score)
    linked = {(pair.low_id, pair.high_id) for pair in matches}
    group_of: dict[uuid.UUID, set[uuid.UUID]] = {}

    for pair in matches:
        first = group_of.setdefault(pair.low_id, {pair.low_id})
        second = group_of.setdefault(pair.high_id, {pair.high_id})
        if first is second or not _may_join(first, second, linked, cannot_link, compatible):
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
    first: set[uuid.UUID], second: set[uuid.UUID], linked: set, cannot_link: set, compatible: set
) -> bool:
    supported = 0
    unrelated = 0
    for a in first:
        for b in second:
            key = (a, b) if a < b else (b, a)
            if key in cannot_link:
                return False
            if key in linked:
                supported += 1
            elif key not in compatible:
                unrelated += 1
    needed = MIN_LINK_SHARE * len(first) * len(second)
    return supported > needed or (supported >= needed and unrelated == 0)
