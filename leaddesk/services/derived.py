"""Keep derived values fresh: offline enrichment and the duplicate match keys of leads.

refresh_derived recomputes both for the leads it is given, or for every lead whose
derived_version is missing or older than enrichment.DERIVED_VERSION. Call it after a
lead is created or edited and after an import commits.
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
from leaddesk.services.dedup.normalize import MATCH_COLUMNS, refresh_match_keys
from leaddesk.services.enrichment import DERIVED_COLUMNS, DERIVED_VERSION, SOURCE_FIELDS
from leaddesk.services.enrichment.derive import derive_values
from leaddesk.services.enrichment.settings import load_default_region

logger = logging.getLogger(__name__)

# Leads per SELECT ... IN list; SQLite allowed 999 bound parameters before 3.32.
CHUNK_LEADS = 900

# Lead columns that refresh_derived sets, besides the match keys that refresh_match_keys sets.
_WRITTEN_COLUMNS = DERIVED_COLUMNS + ("derived_version", "derived_at")

_SELECT_SOURCES = f"SELECT id, match_phone, match_phone_unparsed, {', '.join(SOURCE_FIELDS)} FROM leads WHERE id IN "
_UPDATE_DERIVED = f"UPDATE leads SET {', '.join(f'{name} = ?' for name in _WRITTEN_COLUMNS)} WHERE id = ?"

# SQLAlchemy's storage format of DateTime on SQLite: naive UTC with microseconds.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def refresh_derived(session: Session, lead_ids: Iterable[uuid.UUID] | None = None, *, now: datetime | None = None) -> int:
    """Recompute derived values and match keys, and return how many leads got derived values.

    With lead_ids, those leads are recomputed whatever their version, because their typed
    fields may have changed. Without, every lead whose derived_version is missing or
    stale is. Match keys go through dedup's refresh_match_keys, which skips leads whose
    source values did not change. Writes go through the DBAPI cursor, so row_version and
    updated_at stay as they are, and loaded Lead objects get the written columns expired.
    """
    started = time.perf_counter()
    now = now or utc_now()
    session.flush()

    if lead_ids is None:
        ids = stale_lead_ids(session)
    else:
        ids = list(dict.fromkeys(lead_ids))
    if not ids:
        return 0

    refresh_match_keys(session, lead_ids=ids)
    keys_done = time.perf_counter()

    team_region = load_default_region(session)
    stamp = now.astimezone(timezone.utc).replace(tzinfo=None).strftime(_SQLITE_DATETIME)
    cursor = session.connection().connection.cursor()
    try:
        for start in range(0, len(ids), CHUNK_LEADS):
            _refresh_chunk(cursor, [lead_id.hex for lead_id in ids[start : start + CHUNK_LEADS]], team_region, stamp)
    finally:
        cursor.close()
    _expire_loaded(session, set(ids))

    logger.info(
        "refreshed derived values of %d leads in %.2f s (match keys %.2f s)",
        len(ids), time.perf_counter() - started, keys_done - started,
    )
    return len(ids)


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
    created = select(Lead.id).where(Lead.import_batch_id == batch_id)
    changed = select(ImportChange.lead_id).where(ImportChange.batch_id == batch_id)
    ids = set(session.scalars(created)) | set(session.scalars(changed)) | set(stale_lead_ids(session))
    return refresh_derived(session, ids, now=now)


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


def _refresh_chunk(cursor: Any, hex_ids: list[str], team_region: str | None, stamp: str) -> None:
    cursor.execute(_SELECT_SOURCES + f"({', '.join('?' * len(hex_ids))})", hex_ids)
    updates = []
    for row in cursor.fetchall():
        fields = dict(zip(SOURCE_FIELDS, row[3:]))
        phone_key, unparsed = row[1], row[2]
        # The match key is E.164 unless the phone could not be parsed, so it saves a second parse.
        e164 = phone_key if phone_key and not unparsed and phone_key.startswith("+") else None
        values = derive_values(fields, team_region, e164)
        updates.append((*(values[name] for name in DERIVED_COLUMNS), DERIVED_VERSION, stamp, row[0]))
    cursor.executemany(_UPDATE_DERIVED, updates)


def _expire_loaded(session: Session, ids: set[uuid.UUID]) -> None:
    attributes = [*_WRITTEN_COLUMNS, *MATCH_COLUMNS, "match_keys_hash"]
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Lead) and instance.id in ids:
            session.expire(instance, attributes)
