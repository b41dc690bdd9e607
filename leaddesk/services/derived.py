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
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leaddesk.models import ImportChange, Lead, utc_now
from leaddesk.services.database import Database
from leaddesk.services.dedup.normalize import MATCH_COLUMNS, normalize_lead_keys
from leaddesk.services.enrichment import DERIVED_COLUMNS, DERIVED_VERSION, SOURCE_FIELDS
from leaddesk.services.enrichment.derive import derive_values
from leaddesk.services.enrichment.settings import load_default_region

logger = logging.getLogger(__name__)

# Leads read and written per SELECT and executemany. SQLite accepts 32,766 bound
# parameters per statement since 3.32, so an IN list of this size is safe.
CHUNK_LEADS = 2000

# Fields normalize_lead_keys reads, beyond those enrichment reads.
_KEY_SOURCE_FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "country", "company", "website", "domain")

_READ_FIELDS = tuple(dict.fromkeys(SOURCE_FIELDS + _KEY_SOURCE_FIELDS))

# Columns that refresh_derived writes. updated_at is written back unchanged, because a Core
# UPDATE otherwise sets it through the column's onupdate. Derived data is not a user edit.
_WRITTEN_COLUMNS = DERIVED_COLUMNS + MATCH_COLUMNS + ("derived_version", "derived_at", "updated_at")


def refresh_derived(session: Session, lead_ids: Iterable[uuid.UUID] | None = None, *, now: datetime | None = None) -> int:
    """Recompute derived values and match keys, and return how many leads were written.

    With lead_ids, those leads are recomputed whatever their version, because their typed
    fields may have changed. Without, every lead whose derived_version is missing or
    stale is. Writes with Core UPDATEs, so row_version and updated_at stay as they are,
    and expires the written columns of Lead objects loaded in the session.
    """
    started = time.perf_counter()
    now = now or utc_now()
    session.flush()

    if lead_ids is None:
        ids = stale_lead_ids(session)
    else:
        ids = list(dict.fromkeys(lead_ids))

    team_region = load_default_region(session)
    for start in range(0, len(ids), CHUNK_LEADS):
        _refresh_chunk(session, ids[start : start + CHUNK_LEADS], team_region, now)
    _expire_loaded(session, set(ids))

    logger.info("refreshed derived values of %d leads in %.2f s", len(ids), time.perf_counter() - started)
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


def _refresh_chunk(session: Session, ids: list[uuid.UUID], team_region: str | None, now: datetime) -> None:
    leads = Lead.__table__
    columns = [leads.c.id, leads.c.updated_at, *(leads.c[name] for name in _READ_FIELDS)]
    rows = session.execute(select(*columns).where(leads.c.id.in_(ids))).mappings()

    updates = []
    for row in rows:
        fields = {name: row[name] for name in _READ_FIELDS}
        keys = normalize_lead_keys({name: fields[name] for name in _KEY_SOURCE_FIELDS})
        phone_key = keys["match_phone"]
        e164 = phone_key if phone_key and not keys["match_phone_unparsed"] and phone_key.startswith("+") else None
        values = {**derive_values(fields, team_region, e164), **keys}
        values["derived_version"] = DERIVED_VERSION
        values["derived_at"] = now
        values["updated_at"] = row["updated_at"]
        updates.append({"lead_id": row["id"], **{f"new_{name}": value for name, value in values.items()}})

    if updates:
        statement = (
            leads.update()
            .where(leads.c.id == bindparam("lead_id"))
            .values({name: bindparam(f"new_{name}") for name in _WRITTEN_COLUMNS})
        )
        session.execute(statement, updates)


def _expire_loaded(session: Session, ids: set[uuid.UUID]) -> None:
    attributes = list(_WRITTEN_COLUMNS)
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Lead) and instance.id in ids:
            session.expire(instance, attributes)
