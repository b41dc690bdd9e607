"""Detect two databases that sync with one device id, and make this one a new device.

A database file copied to a new laptop while the old one stays in use keeps its device
id, and so does one restored from another device's backup or copied back from a server.
Both then write segments into one device folder, and each skips that folder when it
applies segments, so their edits never meet. A segment in this device's folder whose
changes are not all in this database's change log was written by the other database.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import SyncChange, SyncFile, SyncIdentity
from leaddesk.services.sync.bundle import Bundle, BundleFile, DeliveryError, decode_segment
from leaddesk.services.sync.identity import give_new_device_identity

logger = logging.getLogger(__name__)

# Change ids per SELECT ... IN list; SQLite allowed 999 bound parameters before 3.32.
_CHUNK_IDS = 900


def record_own_segment(session: Session, bundle: Bundle, relative: str) -> None:
    """Record a segment this database wrote, so that the split check does not read it again."""
    stat = (bundle.root / relative).stat()
    record = session.get(SyncFile, relative) or SyncFile(path=relative)
    record.size, record.mtime_ns = stat.st_size, stat.st_mtime_ns
    session.add(record)


def _written_elsewhere(session: Session, item: BundleFile) -> bool | None:
    """Return True when some change of the segment is not in the log, False when all are, None when unreadable."""
    try:
        document = decode_segment(item.path.read_bytes(), item.relative)
    except (FileNotFoundError, DeliveryError) as error:
        logger.info("split check skips %s until it is complete: %s", item.relative, error)
        return None
    change_ids = [str(change.get("id")) for change in document.get("changes", [])]
    found = 0
    for start in range(0, len(change_ids), _CHUNK_IDS):
        chunk = change_ids[start : start + _CHUNK_IDS]
        found += session.scalar(select(func.count()).select_from(SyncChange).where(SyncChange.change_id.in_(chunk))) or 0
    return found < len(change_ids)


def split_identity_check(session: Session, identity: SyncIdentity, bundle: Bundle) -> str | None:
    """Give this database a new device id when another database wrote into its device folder; return the notice.

    Segments already checked, and those this database wrote, are skipped by their recorded
    size and mtime. Conflict copies are checked too, because two databases with one id
    that write the same sequence number offline leave one.
    """
    own_prefix = f"devices/{identity.device_id}/"
    known = {
        record.path: (record.size, record.mtime_ns)
        for record in session.scalars(select(SyncFile).where(SyncFile.path.startswith(own_prefix, autoescape=True)))
    }
    for item in bundle.list_files():
        if item.kind != "segment" or not item.relative.startswith(own_prefix):
            continue
        if known.get(item.relative) == (item.size, item.mtime_ns):
            continue
        elsewhere = _written_elsewhere(session, item)
        if elsewhere is None:
            continue
        if not elsewhere:
            record_own_segment(session, bundle, item.relative)
            continue
        old_id, person = identity.device_id, identity.person
        ids = give_new_device_identity(
            session, f"{item.relative} contains changes that this database did not write, so another database uses its id"
        )
        session.expire(identity)
        new_id = ids[1] if ids is not None else "?"
        return (
            f"another database syncs as device {old_id} of {person}, such as a copied or restored database file: "
            f"{item.relative} contains changes this database did not write. This database is now device {new_id} "
            "of the same person and applies that database's segments; nothing was lost"
        )
    return None
