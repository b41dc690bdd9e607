"""Keep derived values fresh: offline enrichment and the duplicate match keys of leads.

refresh_derived recomputes both for the leads it is given, or for every lead whose
derived_version is missing or older than enrichment.DERIVED_VERSION. Call it after a
lead is created or edited. After an import, the post-import job (post_import_jobs) calls
refresh_stored_ids step by step.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leaddesk.models import ImportChange, Lead, utc_now
from leaddesk.services.database import Database
from leaddesk.services.dedup.key_store import SOURCE_COLUMNS as KEY_SOURCE_COLUMNS
from leaddesk.services.dedup.key_store import compute_keys, source_digest, write_key_rows
from leaddesk.services.dedup.normalize import MATCH_COLUMNS
from leaddesk.services.driver_sql import driver_cursor
from leaddesk.services.enrichment import DERIVED_COLUMNS, DERIVED_VERSION, SOURCE_FIELDS
from leaddesk.services.enrichment.derive import derive_values
from leaddesk.services.enrichment.settings import load_default_region

logger = logging.getLogger(__name__)

# Leads per SELECT ... IN list; SQLite allowed 999 bound parameters before 3.32.
CHUNK_LEADS = 900

# Lead columns that refresh_derived sets besides the match keys.
_WRITTEN_COLUMNS = DERIVED_COLUMNS + ("derived_version", "derived_at")

# The enrichment fields that the match keys are not computed from. One SELECT reads both.
_EXTRA_FIELDS = tuple(name for name in SOURCE_FIELDS if name not in KEY_SOURCE_COLUMNS)
_SELECTED = (*KEY_SOURCE_COLUMNS, *_EXTRA_FIELDS)
_FIELD_POSITIONS = tuple(_SELECTED.index(name) for name in SOURCE_FIELDS)
_KEY_SOURCES_END = len(KEY_SOURCE_COLUMNS)

_SELECT_SOURCES = f"SELECT id, match_keys_hash, match_phone, match_phone_unparsed, {', '.join(_SELECTED)} FROM leads WHERE id IN "
_UPDATE_DERIVED = f"UPDATE leads SET {', '.join(f'{name} = ?' for name in _WRITTEN_COLUMNS)} WHERE id = ?"
# For a lead whose match keys are stale too: the keys, their digest and the derived values in one row write.
_UPDATE_KEYS_AND_DERIVED = (
    f"UPDATE leads SET {', '.join(f'{name} = ?' for name in (*MATCH_COLUMNS, 'match_keys_hash', *_WRITTEN_COLUMNS))} "
    "WHERE id = ?"
)

# SQLAlchemy's storage format of DateTime on SQLite: naive UTC with microseconds.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def refresh_derived(session: Session, lead_ids: Iterable[uuid.UUID] | None = None, *, now: datetime | None = None) -> int:
    """Recompute derived values and match keys, and return how many leads got derived values.

    With lead_ids, those leads are recomputed whatever their version, because their typed
    fields may have changed. Without, every lead whose derived_version is missing or
    stale is. Match keys are recomputed by dedup's key_store rules only for leads whose
    source values changed, and written in the same row update as the derived values.
    Writes go through the DBAPI cursor, so row_version and updated_at stay as they are,
    and loaded Lead objects get the written columns expired.
    """
    started = time.perf_counter()
    now = now or utc_now()
    session.flush()

    if lead_ids is None:
        hex_ids = _stale_hex_ids(session)
    else:
        hex_ids = list(dict.fromkeys(lead_id.hex for lead_id in lead_ids))
    return _refresh_hex_ids(session, hex_ids, now, started)


def refresh_stored_ids(session: Session, hex_ids: list[str], *, now: datetime | None = None) -> int:
    """Refresh the leads of hex_ids, given as stored ids (32 lowercase hex digits), and return how many.

    The same as refresh_derived(session, lead_ids) without converting ids to UUID objects.
    """
    session.flush()
    return _refresh_hex_ids(session, list(dict.fromkeys(hex_ids)), now or utc_now(), time.perf_counter())


def _refresh_hex_ids(session: Session, hex_ids: list[str], now: datetime, started: float) -> int:
    """Refresh the leads of hex_ids, given as stored ids (32 lowercase hex digits)."""
    if not hex_ids:
        return 0

    team_region = load_default_region(session)
    stamp = now.astimezone(timezone.utc).replace(tzinfo=None).strftime(_SQLITE_DATETIME)
    connection = session.connection()
    cursor = driver_cursor(connection)
    stale_keys = 0
    try:
        for start in range(0, len(hex_ids), CHUNK_LEADS):
            chunk = hex_ids[start : start + CHUNK_LEADS]
            stale_keys += _refresh_chunk(connection, cursor, chunk, team_region, stamp)
    finally:
        cursor.close()
    _expire_loaded(session, set(hex_ids))

    logger.info(
        "refreshed derived values of %d leads and the match keys of %d of them in %.2f s",
        len(hex_ids), stale_keys, time.perf_counter() - started,
    )
    return len(hex_ids)


def stale_lead_ids(session: Session) -> list[uuid.UUID]:
    """Return the ids of leads never enriched or enriched by an older DERIVED_VERSION."""
    leads = Lead.__table__
    stale = or_(leads.c.derived_version.is_(None), leads.c.derived_version != DERIVED_VERSION)
    return list(session.scalars(select(leads.c.id).where(stale)))


def refresh_after_import(session: Session, batch_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Refresh the leads an import batch created or changed, and any stale lead, and return how many.

    Stale leads are included so that leads stored before revision 0005, or by a path that
    did not refresh them, are filled at the next import.
    """
    started = time.perf_counter()
    session.flush()
    # Stored ids straight from the DBAPI cursor, because 100,000 UUID objects cost more than the lookups.
    created = _fetch_column(session, "SELECT id FROM leads WHERE import_batch_id = ?", (batch_id.hex,))
    changed = _fetch_column(session, "SELECT lead_id FROM import_changes WHERE batch_id = ?", (batch_id.hex,))
    hex_ids = list(dict.fromkeys([*created, *changed, *_stale_hex_ids(session)]))
    return _refresh_hex_ids(session, hex_ids, utc_now() if now is None else now, started)


def _stale_hex_ids(session: Session) -> list[str]:
    statement = "SELECT id FROM leads WHERE derived_version IS NULL OR derived_version != ?"
    return _fetch_column(session, statement, (DERIVED_VERSION,))


def _fetch_column(session: Session, statement: str, parameters: tuple) -> list[str]:
    cursor = driver_cursor(session.connection())
    try:
        return [row[0] for row in cursor.execute(statement, parameters)]
    finally:
        cursor.close()


def refresh_after_import_commit(database: Database, report: Any) -> None:
    """Refresh an import's leads in a transaction of its own, after the import committed.

    report is the ImportReport; dry runs and failed imports have no batch_id and are
    skipped. A database error is logged and added to report.warnings instead of raised,
    because the imported leads are already stored.
    """
    if report.dry_run or not report.batch_id:
        return
    try:
        with database.session() as session:
            refresh_after_import(session, uuid.UUID(report.batch_id))
    except SQLAlchemyError as error:
        logger.exception("refreshing derived values after import batch %s failed", report.batch_id)
        report.warnings.append(
            f"the import is stored, but refreshing its derived values (seniority, country from phone, "
            f"match keys) failed: {error}. New leads get them at the next refresh; edit a lead to refresh it now"
        )


def _refresh_chunk(connection: Any, cursor: Any, hex_ids: list[str], team_region: str | None, stamp: str) -> int:
    """Write the derived values of hex_ids, and the match keys of those whose keys are stale; return how many were."""
    cursor.execute(_SELECT_SOURCES + f"({', '.join('?' * len(hex_ids))})", hex_ids)
    derived_only, with_keys, stale_ids, key_rows = [], [], [], []
    for row in cursor.fetchall():
        lead_id = row[0]
        selected = row[4:]
        key_sources = selected[:_KEY_SOURCES_END]
        digest = source_digest(key_sources)
        if digest != row[1]:
            match_values, lead_key_rows = compute_keys(lead_id, key_sources)
            phone_key, unparsed = match_values[1], match_values[2]
        else:
            match_values = None
            phone_key, unparsed = row[2], row[3]

        fields = dict(zip(SOURCE_FIELDS, [selected[position] for position in _FIELD_POSITIONS]))
        # The match key is E.164 unless the phone could not be parsed, so it saves a second parse.
        e164 = phone_key if phone_key and not unparsed and phone_key.startswith("+") else None
        values = derive_values(fields, team_region, e164)
        derived = (*(values[name] for name in DERIVED_COLUMNS), DERIVED_VERSION, stamp)

        if match_values is None:
            derived_only.append((*derived, lead_id))
        else:
            with_keys.append((*match_values, digest, *derived, lead_id))
            stale_ids.append((lead_id,))
            key_rows.extend(lead_key_rows)

    cursor.executemany(_UPDATE_DERIVED, derived_only)
    if with_keys:
        write_key_rows(connection, with_keys, stale_ids, key_rows, _UPDATE_KEYS_AND_DERIVED)
    return len(with_keys)


def _expire_loaded(session: Session, hex_ids: set[str]) -> None:
    attributes = [*_WRITTEN_COLUMNS, *MATCH_COLUMNS, "match_keys_hash"]
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Lead) and instance.id is not None and instance.id.hex in hex_ids:
            session.expire(instance, attributes)
