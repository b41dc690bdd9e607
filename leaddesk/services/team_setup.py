"""Creating or joining a team folder from the window, with a local database of its own when needed."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from leaddesk.services.database import Database
from leaddesk.services.paths import data_dir
from leaddesk.services.sync import SyncReport, create_team, join_team, load_identity, sync_pass

logger = logging.getLogger(__name__)

TEAMS_FOLDER = "teams"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class TeamSetup:
    """The database that now syncs with the team folder, and the first pass's report."""

    database: Database
    # True when database is a new local file for this team, not the one the window had open.
    switched: bool
    person: str
    device_name: str
    bundle_path: str
    first_pass: SyncReport


def team_database_path(folder: Path) -> Path:
    """Return the local database file of a team folder, in the user data folder.

    The name joins the folder's name and a digest of its full path, so two team folders
    of the same name get two files.
    """
    resolved = folder.expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:10]
    name = _UNSAFE.sub("-", resolved.name).strip("-") or "team"
    return data_dir() / TEAMS_FOLDER / f"{name}-{digest}.sqlite"


def can_join_with(database: Database, folder: Path) -> bool:
    """Return whether database itself can sync with folder: a local file in no team, or in this one."""
    if database.path is None or database.engine.dialect.name != "sqlite":
        return False
    with database.session() as session:
        identity = load_identity(session)
        bundle = identity.bundle_path if identity is not None else None
    return not bundle or Path(bundle) == folder.expanduser().resolve()


def set_up_team(
    current: Database,
    folder: Path,
    create: bool,
    team_name: str | None = None,
    person: str | None = None,
    device_name: str | None = None,
) -> TeamSetup:
    """Create (create=True) or join the team folder and run the first sync pass.

    The current database joins when can_join_with allows it. Otherwise a local database
    for the team is opened at team_database_path(folder), and the caller switches to it.
    Raises BundleError or SyncSetupError with the reason.
    """
    switched = not can_join_with(current, folder)
    target = Database.open(team_database_path(folder)) if switched else current
    try:
        if create:
            identity = create_team(target, folder, team_name or folder.expanduser().resolve().name, person, device_name)
        else:
            identity = join_team(target, folder, person, device_name)
        report = sync_pass(target)
    except Exception:
        if switched:
            target.dispose()
        raise
    logger.info(
        "%s team folder %s with %s (%s)", "created" if create else "joined", identity.bundle_path,
        target.path, "new local database" if switched else "the open database",
    )
    return TeamSetup(target, switched, identity.person, identity.device_name, identity.bundle_path or "", report)
