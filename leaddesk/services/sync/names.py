"""File names in the team folder, and recognition of the conflict copies that sync tools make.

Sync tools never merge two versions of one file. They keep one under the original name and
save the other beside it under a changed name:

- Dropbox: "seg-00000001 (Ann's conflicted copy 2026-12-04).json"
- OneDrive: "seg-00000001-LAPTOP-ANN.json" (the host name appended)
- Google Drive: "seg-00000001 (1).json"
- Syncthing: "seg-00000001.sync-conflict-20261204-101112-ABCDEF7.json"
- Nextcloud: "seg-00000001 (conflicted copy 2026-12-04 101112).json"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MANIFEST_NAME = "leaddesk-team.json"
DEVICES_FOLDER = "devices"
ARCHIVE_FOLDER = "archive"
PRESENCE_NAME = "presence.json"
TEMP_PREFIX = ".leaddesk-tmp-"

_SEGMENT = re.compile(r"^seg-(\d{8})\.json$")

# Each pattern matches a copy's stem (the name without ".json") and captures the original stem.
_COPY_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dropbox", re.compile(r"^(?P<stem>.+?) \([^()]*'s conflicted copy \d{4}-\d{2}-\d{2}(?: \(\d+\))?\)$")),
    ("nextcloud", re.compile(r"^(?P<stem>.+?) \(conflicted copy \d{4}-\d{2}-\d{2}[^()]*\)$")),
    ("syncthing", re.compile(r"^(?P<stem>.+?)\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]+)?$")),
    ("google-drive", re.compile(r"^(?P<stem>.+?) \(\d+\)$")),
)
_CANONICAL_STEMS = (re.compile(r"^seg-\d{8}$"), re.compile(r"^presence$"), re.compile(r"^leaddesk-team$"))


def segment_name(seq: int) -> str:
    return f"seg-{seq:08d}.json"


def segment_seq(name: str) -> int | None:
    """Return the sequence number of a canonical segment file name, or None for any other name."""
    match = _SEGMENT.match(name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ConflictCopy:
    """A file name recognised as a sync tool's conflict copy of one of our files."""

    original: str
    style: str


def _is_canonical_stem(stem: str) -> bool:
    return any(pattern.match(stem) for pattern in _CANONICAL_STEMS)


def conflict_copy(name: str) -> ConflictCopy | None:
    """Return which of our files name is a conflict copy of, and the tool's style; None otherwise."""
    if not name.endswith(".json") or name.startswith(TEMP_PREFIX):
        return None
    stem = name[: -len(".json")]
    if _is_canonical_stem(stem):
        return None
    for style, pattern in _COPY_STYLES:
        match = pattern.match(stem)
        if match and _is_canonical_stem(match.group("stem")):
            return ConflictCopy(original=match.group("stem") + ".json", style=style)
    # OneDrive appends "-HOSTNAME". Check it last, because "seg-00000001" itself contains a dash.
    for pattern in _CANONICAL_STEMS:
        base = pattern.pattern.strip("^$")
        onedrive = re.match(rf"^(?P<stem>{base})-(?P<host>[A-Za-z0-9][A-Za-z0-9_.-]*)$", stem)
        if onedrive:
            return ConflictCopy(original=onedrive.group("stem") + ".json", style="onedrive")
    return None
