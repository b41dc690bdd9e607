"""Candidate pairs of leads from the indexed blocking keys, so the scan never compares all pairs.

Each block is the set of leads that share one key of lead_match_keys (see blocking_keys).
SQLite reads the blocks from the (key, lead_id) index in key order. Leads are named here by
their id as stored, 32 lowercase hex digits, whose order is the order of their UUIDs.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from itertools import combinations

from sqlalchemy.engine import Connection

from leaddesk.services.dedup.loading import ID_CHUNK, fetch_all
from leaddesk.services.driver_sql import stored_id_list_sql

logger = logging.getLogger(__name__)

# A key shared by more leads than this (a switchboard phone, "info" at a big company, a
# common name at a common company) would give thousands of pairs from one value, so it
# makes no candidates. Other keys still pair those leads when they agree there.
MAX_BLOCK_SIZE = 100

_ALL_BLOCKS = "SELECT key, {ids} FROM lead_match_keys GROUP BY key HAVING count(*) > 1"
_BLOCKS_OF = (
    "SELECT key, {ids} FROM lead_match_keys WHERE key IN "
    "(SELECT key FROM lead_match_keys WHERE lead_id IN ({placeholders})) GROUP BY key"
)


def key_blocks(connection: Connection, lead_ids: Collection[str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Yield (key, lead ids) for every key shared by two or more leads, or only the keys of lead_ids.

    Deleted and merged leads are included, so callers drop the ones they do not scan.
    """
    ids = stored_id_list_sql("lead_id", connection.dialect)
    if lead_ids is None:
        for key, members in fetch_all(connection, _ALL_BLOCKS.format(ids=ids)):
            yield key, members.split(",")
        return

    seen: set[str] = set()
    ordered = sorted(lead_ids)
    for start in range(0, len(ordered), ID_CHUNK):
        chunk = ordered[start : start + ID_CHUNK]
        statement = _BLOCKS_OF.format(ids=ids, placeholders=", ".join("?" * len(chunk)))
        for key, members in fetch_all(connection, statement, tuple(chunk)):
            if key not in seen:
                seen.add(key)
                yield key, members.split(",")


def candidate_pairs(
    blocks: Iterator[tuple[str, list[str]]],
    live: Collection[str],
    *,
    max_block_size: int = MAX_BLOCK_SIZE,
) -> set[tuple[str, str]]:
    """Return each pair of live leads that share a block, once, as (smaller id, larger id).

    Blocks of more than max_block_size live leads are skipped and logged.
    """
    pairs: set[tuple[str, str]] = set()
    skipped: list[tuple[str, int]] = []
    for key, members in blocks:
        present = [member for member in members if member in live]
        if len(present) < 2:
            continue
        if len(present) > max_block_size:
            skipped.append((key, len(present)))
            continue
        present.sort()
        pairs.update(combinations(present, 2))

    if skipped:
        largest = max(skipped, key=lambda item: item[1])
        logger.info(
            "skipped %d blocking keys shared by more than %d leads, the largest %r with %d leads; "
            "their leads are still paired by their other keys",
            len(skipped), max_block_size, largest[0], largest[1],
        )
    return pairs
