"""Stored match keys: recompute the keys of leads whose source values changed since they were computed.

Each lead stores the digest of the values its keys came from (leads.match_keys_hash). A
lead whose digest differs from that of its current values, or was never computed, gets
its match_* columns and its lead_match_keys rows rewritten. So any writer, also a bulk
import or a merge that sets values without touching the keys, leaves keys that the next
scan repairs.

Writes go through the DBAPI cursor, so row_version and updated_at stay as they are: a key
is derived data, not an edit that import undo or a merge undo must treat as a change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from leaddesk.services.driver_sql import driver_cursor
from leaddesk.services.dedup.blocking_keys import KEY_RULES_VERSION, blocking_keys
from leaddesk.services.dedup.loading import ID_CHUNK, fetch_all
from leaddesk.services.dedup.normalize import MATCH_COLUMNS, match_key_values

logger = logging.getLogger(__name__)

# The lead columns that the match keys and blocking keys are computed from.
SOURCE_COLUMNS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "country",
    "company",
    "website",
    "domain",
    "city",
    "custom_fields",
)

# The third column flags a merged lead: its match columns stay current, but it gets no blocking-key rows,
# because no lead_match_keys row may point at a merged lead (undo inserts its recorded rows again).
_SELECT_SOURCES = (
    f"SELECT id, match_keys_hash, merged_into_id IS NOT NULL, {', '.join(SOURCE_COLUMNS)} FROM leads"
)
_UPDATE_KEYS = (
    f"UPDATE leads SET {', '.join(f'{name} = ?' for name in MATCH_COLUMNS)}, match_keys_hash = ? WHERE id = ?"
)


def source_digest(values: tuple) -> str:
    """Return the digest of a lead's source values (in SOURCE_COLUMNS order) under the current key rules."""
    text = repr((KEY_RULES_VERSION, values))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def refresh_stale_keys(
    session: Session,
    *,
    lead_ids: Iterable[uuid.UUID] | None = None,
    batch_size: int = 5000,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Recompute the keys of leads (all, merged ones too, or only lead_ids) whose keys are stale; return how many.

    A merged lead gets its match columns but no blocking-key rows.

    cancelled is polled between batches. Batches written before it returns True stay written.
    """
    connection = session.connection()
    rows = list(_source_rows(connection, lead_ids))

    stale = []
    for row in rows:
        digest = source_digest(row[3:])
        if row[1] != digest:
            stale.append((row, digest))

    for start in range(0, len(stale), batch_size):
        if cancelled is not None and cancelled():
            logger.info("match key refresh cancelled after %d of %d stale leads", start, len(stale))
            break
        _write_keys(connection, stale[start : start + batch_size])
    if stale:
        logger.info("refreshed match keys of %d of %d leads", len(stale), len(rows))
    return len(stale)


def _source_rows(connection, lead_ids: Iterable[uuid.UUID] | None):
    if lead_ids is None:
        yield from fetch_all(connection, _SELECT_SOURCES)
        return
    hex_ids = sorted({lead_id.hex for lead_id in lead_ids})
    for start in range(0, len(hex_ids), ID_CHUNK):
        chunk = hex_ids[start : start + ID_CHUNK]
        placeholders = ", ".join("?" * len(chunk))
        yield from fetch_all(connection, f"{_SELECT_SOURCES} WHERE id IN ({placeholders})", tuple(chunk))


def _write_keys(connection, stale: list[tuple[tuple, str]]) -> None:
    updates, key_rows, ids = [], [], []
    for row, digest in stale:
        lead_id = row[0]
        match_values, lead_key_rows = compute_keys(lead_id, row[3:])
        ids.append((lead_id,))
        updates.append((*match_values, digest, lead_id))
        if not row[2]:
            key_rows.extend(lead_key_rows)
    write_key_rows(connection, updates, ids, key_rows, _UPDATE_KEYS)


def compute_keys(lead_id: str, sources: tuple) -> tuple[tuple, list[tuple[str, str]]]:
    """Return a lead's match keys (in MATCH_COLUMNS order) and its (lead_id, blocking key) rows.

    sources are the lead's values in SOURCE_COLUMNS order, with custom_fields as stored JSON.
    """
    (first_name, last_name, full_name, email, phone, country, company, website, domain, city, custom_raw) = sources
    match_values = match_key_values(first_name, last_name, full_name, email, phone, country, company, website, domain)
    keys = dict(zip(MATCH_COLUMNS, match_values))
    custom = _custom_fields(custom_raw, lead_id)
    return match_values, [(lead_id, key) for key in blocking_keys(keys, city, custom)]


def write_key_rows(connection, updates: list[tuple], ids: list[tuple[str]], key_rows: list[tuple[str, str]], update: str) -> None:
    """Run update on leads with each of updates, then replace the lead_match_keys rows of ids with key_rows.

    Each update tuple ends with the lead id. The lists are sorted here.
    """
    # Sorted rows reach neighbouring B-tree pages one after another.
    updates.sort(key=lambda row: row[-1])
    ids.sort()
    key_rows.sort()
    cursor = driver_cursor(connection)
    try:
        cursor.executemany(update, updates)
        cursor.executemany("DELETE FROM lead_match_keys WHERE lead_id = ?", ids)
        cursor.executemany("INSERT INTO lead_match_keys (lead_id, key) VALUES (?, ?)", key_rows)
    finally:
        cursor.close()


def _custom_fields(raw: str | None, lead_id: str) -> dict:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        logger.warning("lead %s has custom fields that are not valid JSON; its identifiers give no keys", lead_id)
        return {}
    return parsed if isinstance(parsed, dict) else {}
