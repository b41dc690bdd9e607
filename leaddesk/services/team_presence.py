"""Team presence: who has the team database open, from which device, and when it last synced."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from leaddesk.services.sync import Bundle, load_identity
from leaddesk.services.sync.bundle import BundleError

logger = logging.getLogger(__name__)

# A device whose last sync pass is newer than this counts as having the database open.
# The window's sync watcher runs a pass every 5 seconds, so a minute allows for slow passes.
ONLINE_WITHIN = timedelta(minutes=1)


@dataclass(frozen=True)
class PresenceEntry:
    """One device, or one server connection, of the team database."""

    person: str
    device: str
    last_seen: datetime | None
    online: bool
    this_device: bool


@dataclass(frozen=True)
class TeamPresence:
    """The team database's location and its users; note explains an empty list."""

    location: str
    entries: list[PresenceEntry]
    note: str = ""


def team_presence(session: Session, now: datetime | None = None) -> TeamPresence:
    """Read presence from the team folder's presence files, or from a PostgreSQL server's connections."""
    now = now or datetime.now(timezone.utc)
    if session.get_bind().dialect.name == "postgresql":
        return _server_presence(session)
    identity = load_identity(session)
    if identity is None or not identity.bundle_path:
        return TeamPresence("", [], "This database is in no team. Use File > New team database or Open team database.")
    try:
        records = Bundle.open(Path(identity.bundle_path)).read_presence()
    except (BundleError, OSError) as error:
        logger.warning("cannot read presence in %s: %s", identity.bundle_path, error)
        return TeamPresence(identity.bundle_path, [], f"The team folder cannot be read: {error}")
    entries = []
    for record in records:
        last = _parse_time(record.get("last_sync_at"))
        entries.append(
            PresenceEntry(
                person=str(record.get("person") or "?"),
                device=str(record.get("device_name") or record.get("device_id") or "?"),
                last_seen=last,
                online=last is not None and now - last <= ONLINE_WITHIN,
                this_device=record.get("device_id") == identity.device_id,
            )
        )
    return TeamPresence(identity.bundle_path, entries)


def _server_presence(session: Session) -> TeamPresence:
    """List the server's open connections to this database, one entry per user and client address."""
    rows = session.execute(
        text(
            "SELECT usename, coalesce(client_hostname, host(client_addr), 'local socket') AS client, "
            "max(coalesce(state_change, backend_start)) AS last_seen, bool_or(pid = pg_backend_pid()) AS mine "
            "FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
            "GROUP BY usename, client ORDER BY usename, client"
        )
    )
    database = session.execute(text("SELECT current_database()")).scalar_one()
    entries = [
        PresenceEntry(person=str(user or "?"), device=str(client), last_seen=last, online=True, this_device=bool(mine))
        for user, client, last, mine in rows
    ]
    return TeamPresence(f"PostgreSQL database {database}", entries, "Each row is a user connected from one address.")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
