"""This device's identity in a team, and creating or joining a team folder."""

from __future__ import annotations

import getpass
import logging
import socket
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from leaddesk.models import SyncIdentity
from leaddesk.services.database import Database
from leaddesk.services.sync.bundle import Bundle, BundleError

logger = logging.getLogger(__name__)


class SyncSetupError(Exception):
    """The database is not set up for team sync; the message names the command that fixes it."""


def default_person() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_device_name() -> str:
    # gethostname reads the local host name only; it sends nothing over the network.
    return socket.gethostname() or "device"


def load_identity(session: Session) -> SyncIdentity | None:
    return session.get(SyncIdentity, 1)


def require_identity(session: Session) -> SyncIdentity:
    identity = load_identity(session)
    if identity is None or not identity.bundle_path:
        raise SyncSetupError(
            "this database is in no team yet; run 'leaddesk team create FOLDER' on the first device "
            "and 'leaddesk team join FOLDER' on the others"
        )
    return identity


def _attach(session: Session, bundle: Bundle, person: str | None, device_name: str | None) -> SyncIdentity:
    identity = load_identity(session)
    if identity is not None and identity.bundle_path and Path(identity.bundle_path) != bundle.root:
        raise BundleError(
            f"this database already syncs with {identity.bundle_path}; a database belongs to one team. "
            "Use another --db to join a second team."
        )
    if identity is None:
        identity = SyncIdentity(
            id=1,
            device_id=uuid.uuid4().hex,
            device_name=device_name or default_device_name(),
            person=person or default_person(),
            hlc_ms=0,
            hlc_counter=0,
            next_segment_seq=1,
        )
        session.add(identity)
    else:
        identity.person = person or identity.person
        identity.device_name = device_name or identity.device_name
    identity.bundle_path = str(bundle.root)
    return identity


def create_team(database: Database, folder: Path, team_name: str, person: str | None = None, device_name: str | None = None) -> SyncIdentity:
    """Create a team folder at folder and make this database its first device."""
    bundle = Bundle.create(folder, team_name)
    with database.session() as session:
        identity = _attach(session, bundle, person, device_name)
    logger.info("device %s of %s created team folder %s", identity.device_id, identity.person, bundle.root)
    return identity


def join_team(database: Database, folder: Path, person: str | None = None, device_name: str | None = None) -> SyncIdentity:
    """Make this database a device of the team folder at folder."""
    bundle = Bundle.open(folder)
    with database.session() as session:
        identity = _attach(session, bundle, person, device_name)
    logger.info("device %s of %s joined team folder %s", identity.device_id, identity.person, bundle.root)
    return identity


def give_new_device_identity(executor: Session | Connection, reason: str) -> tuple[str, str] | None:
    """Make this database a new device of its team, keeping the person; return (old id, new id), or None without a team.

    A database copied from another database, restored from a backup or copied back from
    a server keeps the device id of its source. Two databases with one id write segments
    into one device folder, and each skips that folder when it applies segments, so their
    edits never meet. With a new id, the segments under the old id are another device's
    and are applied, while changes already in this database's log are skipped. The
    records of files read under the old id are dropped, so that every segment of that
    folder is read again in sequence order. Raw SQL keeps this working on a file from an
    older schema revision.
    """
    row = executor.execute(text("SELECT device_id, person FROM sync_identity WHERE id = 1")).first()
    if row is None:
        return None
    old_id, person = row[0], row[1]
    new_id = uuid.uuid4().hex
    executor.execute(
        text("UPDATE sync_identity SET device_id = :new_id, next_segment_seq = 1 WHERE id = 1"), {"new_id": new_id}
    )
    executor.execute(text("DELETE FROM sync_files WHERE path LIKE :prefix"), {"prefix": f"devices/{old_id}/%"})
    logger.warning("device %s of %s is now device %s: %s", old_id, person, new_id, reason)
    return old_id, new_id
