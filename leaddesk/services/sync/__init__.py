"""Team sync through a synced folder (Dropbox, OneDrive, Google Drive, Syncthing, Nextcloud, a network share).

Each device keeps its own SQLite file and exchanges field-level changes as immutable
segment files in a team folder. See engine.sync_pass for one pass and docs/teams.md.
"""

from leaddesk.services.sync.bundle import Bundle, BundleError
from leaddesk.services.sync.engine import SyncReport, sync_pass
from leaddesk.services.sync.history import FieldChange, lead_history, row_history
from leaddesk.services.sync.identity import SyncSetupError, create_team, join_team, load_identity

__all__ = [
    "Bundle",
    "BundleError",
    "FieldChange",
    "SyncReport",
    "SyncSetupError",
    "create_team",
    "join_team",
    "lead_history",
    "load_identity",
    "row_history",
    "sync_pass",
]
