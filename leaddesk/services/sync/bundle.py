"""The team folder inside a synced folder: manifest, per-device segment files, presence, archive.

Layout::

    FOLDER/leaddesk-team.json               manifest, written once by `team create`
    FOLDER/devices/DEVICE_ID/seg-00000001.json   immutable change segments of one device
    FOLDER/devices/DEVICE_ID/presence.json  who uses the device and when it last synced
    FOLDER/archive/...                      conflict copies after their content was merged

Every file is written to a temporary name, flushed with fsync and renamed over its final
name, so a sync tool never uploads a half-written file from this device. Nothing stays
open between calls, so a sync tool may replace any file at any time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leaddesk.services.sync.names import (
    ARCHIVE_FOLDER,
    DEVICES_FOLDER,
    MANIFEST_NAME,
    PRESENCE_NAME,
    TEMP_PREFIX,
    ConflictCopy,
    conflict_copy,
    segment_seq,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


class BundleError(Exception):
    """A team folder that cannot be created or used; the message names the folder and the fix."""


class DeliveryError(Exception):
    """A file that is not (yet) complete: truncated, invalid JSON or a checksum mismatch."""


class DamagedFileError(DeliveryError):
    """A file that is invalid JSON, no segment, or fails its checksum: incomplete now, or damaged for good.

    A segment from a newer LeadDesk raises the plain DeliveryError instead, because its
    content is sound and a later LeadDesk reads it.
    """


def write_atomic(path: Path, payload: bytes) -> None:
    """Write payload to path through a temporary file, fsync and rename, so readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}.json")
    try:
        with temporary.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename durable on POSIX; Windows cannot open a folder, and NTFS needs no such step.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def checksum(changes: list[dict[str, Any]]) -> str:
    canonical = json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_segment(device_id: str, person: str, seq: int, changes: list[dict[str, Any]]) -> bytes:
    document = {
        "format": FORMAT_VERSION,
        "kind": "segment",
        "device_id": device_id,
        "person": person,
        "seq": seq,
        "written_at": datetime.now(timezone.utc).isoformat(),
        "sha256": checksum(changes),
        "changes": changes,
    }
    return json.dumps(document, ensure_ascii=False, indent=0).encode("utf-8")


def decode_segment(payload: bytes, name: str) -> dict[str, Any]:
    """Parse and verify a segment; raise DeliveryError for a truncated or altered file."""
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DamagedFileError(f"{name} is not complete JSON ({error}); it is probably still being delivered") from None
    if not isinstance(document, dict) or document.get("kind") != "segment":
        raise DamagedFileError(f"{name} is not a LeadDesk segment file")
    if document.get("format") != FORMAT_VERSION:
        raise DeliveryError(
            f"{name} has segment format {document.get('format')!r}; this LeadDesk reads format {FORMAT_VERSION}. "
            "Update LeadDesk on this device."
        )
    changes = document.get("changes")
    if not isinstance(changes, list) or checksum(changes) != document.get("sha256"):
        raise DamagedFileError(f"{name} does not match its sha256 checksum; it is probably still being delivered")
    return document


@dataclass(frozen=True)
class BundleFile:
    """A JSON file found in the team folder: its path, its size and mtime, and whether it is a conflict copy."""

    path: Path
    relative: str
    size: int
    mtime_ns: int
    kind: str  # "segment" or "presence"
    copy: ConflictCopy | None


class Bundle:
    """A team folder on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, root: Path, team_name: str) -> Bundle:
        root = root.expanduser().resolve()
        if (root / MANIFEST_NAME).exists():
            raise BundleError(f"{root} already contains a LeadDesk team; join it with 'leaddesk team join {root}'")
        root.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT_VERSION,
            "kind": "manifest",
            "team_id": uuid.uuid4().hex,
            "name": team_name,
            "created_at": datetime.now(timezone.utc).isoformat(),
        }
        write_atomic(root / MANIFEST_NAME, json.dumps(manifest, indent=2).encode("utf-8"))
        (root / DEVICES_FOLDER).mkdir(exist_ok=True)
        logger.info("created team folder %s", root)
        return cls(root)

    @classmethod
    def open(cls, root: Path) -> Bundle:
        root = root.expanduser().resolve()
        if not (root / MANIFEST_NAME).exists():
            copies = [p.name for p in root.glob("*.json") if (c := conflict_copy(p.name)) and c.original == MANIFEST_NAME]
            if not copies:
                raise BundleError(
                    f"{root} contains no LeadDesk team (missing {MANIFEST_NAME}); check the folder, "
                    f"or create a team there with 'leaddesk team create {root}'"
                )
        return cls(root)

    def manifest(self) -> dict[str, Any]:
        """Read the manifest, falling back to a conflict copy of it when the original is missing."""
        candidates = [self.root / MANIFEST_NAME] + sorted(
            p for p in self.root.glob("*.json") if (c := conflict_copy(p.name)) and c.original == MANIFEST_NAME
        )
        for path in candidates:
            try:
                return json.loads(path.read_bytes())
            except (OSError, json.JSONDecodeError) as error:
                logger.warning("cannot read team manifest %s: %s", path, error)
        raise BundleError(f"no readable {MANIFEST_NAME} in {self.root}; restore it from the sync tool's history")

    def device_folder(self, device_id: str) -> Path:
        return self.root / DEVICES_FOLDER / device_id

    def next_free_seq(self, device_id: str, at_least: int) -> int:
        """Return a sequence number whose segment file does not exist yet, because segments are never overwritten."""
        folder = self.device_folder(device_id)
        existing = [seq for p in folder.glob("seg-*.json") if (seq := segment_seq(p.name)) is not None] if folder.is_dir() else []
        return max([at_least, *(seq + 1 for seq in existing)])

    def list_files(self) -> list[BundleFile]:
        """List segment and presence files of every device, conflict copies included, in a stable order."""
        found: list[BundleFile] = []
        devices = self.root / DEVICES_FOLDER
        if not devices.is_dir():
            return found
        for folder in sorted(p for p in devices.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                name = path.name
                if name.startswith(TEMP_PREFIX) or not name.endswith(".json"):
                    continue
                copy = conflict_copy(name)
                original = copy.original if copy else name
                if segment_seq(original) is not None:
                    kind = "segment"
                elif original == PRESENCE_NAME:
                    kind = "presence"
                else:
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue  # the sync tool moved it away between listing and stat
                found.append(BundleFile(path, path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime_ns, kind, copy))
        return found

    def manifest_copies(self) -> list[Path]:
        return sorted(p for p in self.root.glob("*.json") if (c := conflict_copy(p.name)) and c.original == MANIFEST_NAME)

    def archive(self, path: Path) -> Path:
        """Move a merged conflict copy into archive/, keeping its folder path, never overwriting."""
        relative = path.relative_to(self.root)
        target = self.root / ARCHIVE_FOLDER / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target = target.with_name(f"{target.stem}.{uuid.uuid4().hex[:8]}{target.suffix}")
        os.replace(path, target)
        logger.info("archived conflict copy %s to %s", relative, target.relative_to(self.root))
        return target

    def write_presence(self, device_id: str, presence: dict[str, Any]) -> None:
        write_atomic(self.device_folder(device_id) / PRESENCE_NAME, json.dumps(presence, indent=2).encode("utf-8"))

    def read_presence(self) -> list[dict[str, Any]]:
        """Return the presence record of every device that has one, newest copy per device."""
        latest: dict[str, dict[str, Any]] = {}
        for item in self.list_files():
            if item.kind != "presence":
                continue
            try:
                record = json.loads(item.path.read_bytes())
            except (OSError, json.JSONDecodeError):
                continue
            device = record.get("device_id")
            if isinstance(device, str) and str(record.get("last_sync_at", "")) >= str(latest.get(device, {}).get("last_sync_at", "")):
                latest[device] = record
        return sorted(latest.values(), key=lambda record: record.get("person", ""))
