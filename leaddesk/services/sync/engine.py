"""One sync pass: export local changes as a segment, apply other devices' segments, merge, report.

Each device keeps its working SQLite file outside the synced folder, so the sync tool never
gets a database, a journal or a WAL file. The team folder holds only immutable segment files
and small presence files, all written atomically (see bundle.write_atomic).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from leaddesk.models import SyncChange, SyncConflict, SyncDevice, SyncFile, SyncIdentity, SyncRowState
from leaddesk.services.backups import backup_if_due, create_backup
from leaddesk.services.database import Database
from leaddesk.services.sync.bundle import (
    Bundle, BundleFile, DamagedFileError, DeliveryError, decode_segment, encode_segment, write_atomic,
)
from leaddesk.services.sync.change_log import change_from_record, change_record, change_row
from leaddesk.services.sync.derived_refresh import refresh_synced_leads
from leaddesk.services.sync.export import collect_local_changes
from leaddesk.services.sync.entities import BY_NAME, ENTITY_LEAD, ORDER
from leaddesk.services.sync.hlc import HybridClock, decode, wall_ms
from leaddesk.services.sync.identity import require_identity
from leaddesk.services.sync.identity_split import record_own_segment, split_identity_check
from leaddesk.services.sync.materialize import materialize_row
from leaddesk.services.sync.merge import Change, beats, is_concurrent_edit, winner_of
from leaddesk.services.sync.names import segment_name
from leaddesk.services.sync.references import rows_with_arrived_references

logger = logging.getLogger(__name__)

# Changes per segment file, so one file stays small enough for a sync tool to deliver quickly.
MAX_CHANGES_PER_SEGMENT = 5_000

# A damaged conflict copy unchanged for this long, whose original is applied, is archived
# instead of waiting: a sync tool that is still writing it changes its mtime sooner.
DAMAGED_COPY_QUIET_SECONDS = 300


@dataclass
class SyncReport:
    """The changes, files and conflicts of one sync pass."""

    exported: int = 0
    segments_written: list[str] = field(default_factory=list)
    imported: int = 0
    segments_applied: list[str] = field(default_factory=list)
    rows_changed: int = 0
    # The same three counts per record kind (see entities.ENTITIES), kinds with no change left out.
    exported_by_kind: dict[str, int] = field(default_factory=dict)
    imported_by_kind: dict[str, int] = field(default_factory=dict)
    rows_changed_by_kind: dict[str, int] = field(default_factory=dict)
    # Files left for a later pass, each with the reason: incomplete delivery or a missing earlier segment.
    skipped: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    # Conflict copies archived unread because they are damaged and their original is applied, each with the reason.
    damaged: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    backup_path: Path | None = None
    # Set when merging changed a local row that the other devices must get, such as a renamed rep.
    local_edits_pending: bool = False
    scheduled_backup_path: Path | None = None
    # Leads whose derived values and evaluation were recomputed because synced rows changed them.
    leads_evaluated: int = 0
    # {record kind: row ids} of the rows this pass inserted, updated or removed.
    changed_rows: dict[str, set[str]] = field(default_factory=dict)
    # Set when another database used this device id, so this database became a new device.
    identity_notice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "out": {"changes": self.exported, "segments": self.segments_written, "by_kind": self.exported_by_kind},
            "in": {
                "changes": self.imported,
                "segments": self.segments_applied,
                "rows_changed": self.rows_changed,
                "by_kind": self.imported_by_kind,
                "rows_changed_by_kind": self.rows_changed_by_kind,
                "leads_evaluated": self.leads_evaluated,
            },
            "skipped": self.skipped,
            "archived": self.archived,
            "damaged": self.damaged,
            "conflicts": self.conflicts,
            "backup": str(self.backup_path) if self.backup_path else None,
            "identity_notice": self.identity_notice,
        }


def _clock(identity: SyncIdentity, now_ms: Callable[[], int]) -> HybridClock:
    return HybridClock(identity.hlc_ms, identity.hlc_counter, now_ms)


def _save_clock(identity: SyncIdentity, clock: HybridClock) -> None:
    identity.hlc_ms, identity.hlc_counter = clock.ms, clock.counter


def _export(database: Database, bundle: Bundle, now_ms: Callable[[], int], report: SyncReport) -> None:
    with database.session() as session:
        identity = require_identity(session)
        clock = _clock(identity, now_ms)
        records = [change_row(change, exported=False) for change in collect_local_changes(session, identity, clock)]
        if records:
            session.execute(insert(SyncChange), records)
        _save_clock(identity, clock)

    # Changes are committed as unexported first, so a crash before the file is written
    # leaves them for the next pass instead of losing them.
    with database.session() as session:
        identity = require_identity(session)
        pending = list(session.scalars(select(SyncChange).where(SyncChange.exported.is_(False)).order_by(SyncChange.hlc)))
        for start in range(0, len(pending), MAX_CHANGES_PER_SEGMENT):
            chunk = pending[start : start + MAX_CHANGES_PER_SEGMENT]
            seq = bundle.next_free_seq(identity.device_id, identity.next_segment_seq)
            path = bundle.device_folder(identity.device_id) / segment_name(seq)
            payload = encode_segment(identity.device_id, identity.person, seq, [change_from_record(r).to_json() for r in chunk])
            write_atomic(path, payload)
            identity.next_segment_seq = seq + 1
            record_own_segment(session, bundle, path.relative_to(bundle.root).as_posix())
            # synchronize_session=False: the default compares each loaded object with the id list, which is quadratic.
            session.execute(
                update(SyncChange).where(SyncChange.change_id.in_([r.change_id for r in chunk])).values(exported=True),
                execution_options={"synchronize_session": False},
            )
            session.flush()
            report.segments_written.append(path.relative_to(bundle.root).as_posix())
            report.exported += len(chunk)
            for record in chunk:
                _count(report.exported_by_kind, record.entity)
            logger.info("wrote %s with %d changes", path, len(chunk))


def _count(counts: dict[str, int], kind: str) -> None:
    counts[kind] = counts.get(kind, 0) + 1


@dataclass
class _Delivered:
    item: BundleFile
    document: dict[str, Any]


def _original_applied(known: dict[str, tuple[int, int]], item: BundleFile) -> bool:
    """Return whether the original of the conflict copy item was applied here or written here."""
    if item.copy is None:
        return False
    folder = item.relative.rpartition("/")[0]
    return f"{folder}/{item.copy.original}" in known


def _quiet(item: BundleFile, now_ns: int) -> bool:
    return now_ns - item.mtime_ns >= DAMAGED_COPY_QUIET_SECONDS * 1_000_000_000


def _read_segments(
    session: Session, bundle: Bundle, own_device: str, report: SyncReport
) -> tuple[list[_Delivered], list[BundleFile], list[BundleFile]]:
    """Read every new or changed segment; return the readable ones, the presence conflict copies and the damaged copies.

    A damaged copy is a conflict copy that fails to decode, whose original is applied, and
    that has not changed for DAMAGED_COPY_QUIET_SECONDS. Waiting longer would not help,
    because the original's changes are in and the sync tool has stopped writing the copy.
    """
    known = {record.path: (record.size, record.mtime_ns) for record in session.scalars(select(SyncFile))}
    now_ns = time.time_ns()
    delivered: list[_Delivered] = []
    presence_copies: list[BundleFile] = []
    damaged: list[BundleFile] = []
    for item in bundle.list_files():
        if item.kind == "presence":
            if item.copy is not None:
                presence_copies.append(item)
            continue
        if item.copy is None and known.get(item.relative) == (item.size, item.mtime_ns):
            continue
        if item.copy is None and item.relative.startswith(f"devices/{own_device}/"):
            continue
        try:
            payload = item.path.read_bytes()
        except FileNotFoundError:
            continue  # replaced or moved by the sync tool since the listing; the next pass reads it
        try:
            document = decode_segment(payload, item.relative)
        except DeliveryError as error:
            if isinstance(error, DamagedFileError) and _original_applied(known, item) and _quiet(item, now_ns):
                logger.warning("archiving the damaged conflict copy %s, whose original is applied: %s", item.relative, error)
                report.damaged.append(f"{item.relative}: {error}; its original {item.copy.original} is applied")
                damaged.append(item)
                continue
            logger.info("skipping %s until it is complete: %s", item.relative, error)
            report.skipped.append(str(error))
            continue
        delivered.append(_Delivered(item, document))
    return delivered, presence_copies, damaged


StateKey = tuple[str, str]


def _apply_change(session: Session, change: Change, states: dict[StateKey, SyncRowState], report: SyncReport) -> bool:
    """Store one received change that is not in the log yet, and update its row's winner."""
    entity = BY_NAME.get(change.entity)
    if entity is None or change.field not in entity.synced_fields:
        logger.warning("ignoring change %s of %s.%s, which this LeadDesk does not sync", change.change_id, change.entity, change.field)
        return False
    session.add(change_record(change, exported=True))
    key = (change.entity, change.row_id)
    state = states.get(key)
    if state is None:
        state = session.get(SyncRowState, key)
        if state is None:
            state = SyncRowState(entity=change.entity, row_id=change.row_id, winners_json="{}", local_json="null")
            session.add(state)
        states[key] = state
    winners = json.loads(state.winners_json)
    current = winners.get(change.field)
    if beats(change, current):
        if current is not None and is_concurrent_edit(change, current):
            _record_same_field(session, change, current, change_wins=True)
        winners[change.field] = winner_of(change)
        state.winners_json = json.dumps(winners)
    elif current is not None and current[3] != change.change_id:
        if change.device_id != current[2] and change.value != current[0]:
            _record_same_field(session, change, current, change_wins=False)
    report.imported += 1
    _count(report.imported_by_kind, change.entity)
    return True


def _record_same_field(session: Session, change: Change, current: list[Any], change_wins: bool) -> None:
    winner_id, loser_id = (change.change_id, current[3]) if change_wins else (current[3], change.change_id)
    winner_value, loser_value = (change.value, current[0]) if change_wins else (current[0], change.value)
    session.add(
        SyncConflict(
            kind="same_field",
            entity=change.entity,
            row_id=change.row_id,
            field=change.field,
            winner_change_id=winner_id,
            loser_change_id=loser_id,
            detail=f"{change.field} kept {winner_value!r} (later edit); {loser_value!r} stays in the {change.entity.replace('_', '-')}'s history",
            detected_at=datetime.now(timezone.utc),
            reported=False,
        )
    )


def _apply_device_segments(
    session: Session, device_id: str, items: list[_Delivered], own_device: str, clock: HybridClock,
    states: dict[StateKey, SyncRowState], report: SyncReport,
) -> list[_Delivered]:
    """Apply one device's segments in sequence order; return those applied. A gap waits for the missing segment."""
    device = session.get(SyncDevice, device_id)
    if device is None and device_id != own_device:
        device = SyncDevice(device_id=device_id, person=str(items[0].document.get("person", "")), applied_seq=0, max_hlc="")
        session.add(device)
    applied: list[_Delivered] = []
    for delivered in sorted(items, key=lambda d: int(d.document.get("seq", 0))):
        seq = int(delivered.document.get("seq", 0))
        if device is not None and seq > device.applied_seq + 1:
            report.skipped.append(
                f"{delivered.item.relative} waits for segment {device.applied_seq + 1} of device {device_id}, not delivered yet"
            )
            continue
        changes = [Change.from_json(document) for document in delivered.document["changes"]]
        known = set(session.scalars(select(SyncChange.change_id).where(SyncChange.change_id.in_([c.change_id for c in changes]))))
        with session.no_autoflush:
            for change in changes:
                clock.receive(change.hlc)
                if change.change_id in known:
                    continue
                known.add(change.change_id)
                if _apply_change(session, change, states, report) and device is not None and change.hlc > device.max_hlc:
                    device.max_hlc = change.hlc
        session.flush()
        if device is not None:
            device.applied_seq = max(device.applied_seq, seq)
            device.person = str(delivered.document.get("person", device.person))
        applied.append(delivered)
        report.segments_applied.append(delivered.item.relative)
    return applied


def _add_waiting_rows(session: Session, states: dict[StateKey, SyncRowState]) -> None:
    """Add the rows never written here, such as an activity that arrived before its lead, to this pass."""
    waiting = session.scalars(
        select(SyncRowState).where(SyncRowState.local_json == "null", SyncRowState.entity != ENTITY_LEAD)
    )
    for state in waiting:
        states.setdefault((state.entity, state.row_id), state)


def _materialize(session: Session, state: SyncRowState, report: SyncReport, counted: bool = False) -> str:
    """Write one merged row into its table, count it in the report unless counted already, and return the action."""
    outcome = materialize_row(session, state)
    if outcome.action in ("inserted", "updated", "removed"):
        report.changed_rows.setdefault(state.entity, set()).add(state.row_id)
        if not counted:
            report.rows_changed += 1
            _count(report.rows_changed_by_kind, state.entity)
    report.local_edits_pending |= outcome.edited_local
    return outcome.action


def _import(database: Database, bundle: Bundle, now_ms: Callable[[], int], report: SyncReport, before_merge: Callable[[], Path | None]) -> None:
    with database.session() as session:
        identity = require_identity(session)
        own = identity.device_id
        delivered, presence_copies, damaged_copies = _read_segments(session, bundle, own, report)
        manifest_copies = bundle.manifest_copies()
        if any(d.item.copy for d in delivered) or presence_copies or manifest_copies:
            report.backup_path = before_merge()

        clock = _clock(identity, now_ms)
        states: dict[StateKey, SyncRowState] = {}
        by_device: dict[str, list[_Delivered]] = {}
        for item in delivered:
            by_device.setdefault(str(item.document.get("device_id")), []).append(item)
        applied: list[_Delivered] = []
        for device_id in sorted(by_device):
            applied += _apply_device_segments(session, device_id, by_device[device_id], own, clock, states, report)
        session.flush()

        _add_waiting_rows(session, states)
        arrived_kinds: set[str] = set()
        for key in sorted(states, key=lambda key: (ORDER[key[0]], key[1])):
            if _materialize(session, states[key], report) == "inserted":
                arrived_kinds.add(key[0])
        if arrived_kinds:
            session.flush()
            for state in rows_with_arrived_references(session, arrived_kinds):
                _materialize(session, state, report, counted=(state.entity, state.row_id) in states)
        if report.changed_rows:
            # The same work as the post-import job, because materializing bypasses the ORM listener that evaluates leads.
            report.leads_evaluated = refresh_synced_leads(session, report.changed_rows, datetime.now(timezone.utc))
        _save_clock(identity, clock)
        identity.last_sync_at = datetime.now(timezone.utc)

        for item in applied:
            if item.item.copy is None:
                record = session.get(SyncFile, item.item.relative) or SyncFile(path=item.item.relative)
                record.size, record.mtime_ns = item.item.size, item.item.mtime_ns
                session.add(record)
        session.flush()
        conflicts = list(session.scalars(select(SyncConflict).where(SyncConflict.reported.is_(False)).order_by(SyncConflict.id)))
        for conflict in conflicts:
            report.conflicts.append(
                {
                    "kind": conflict.kind,
                    "entity": conflict.entity,
                    "row_id": conflict.row_id,
                    # Kept for readers of the earlier lead-only format, and None for other record kinds.
                    "lead_id": conflict.row_id if conflict.entity == ENTITY_LEAD else None,
                    "field": conflict.field,
                    "detail": conflict.detail,
                }
            )
            conflict.reported = True
        presence = {
            "device_id": identity.device_id,
            "device_name": identity.device_name,
            "person": identity.person,
            "last_sync_at": identity.last_sync_at.isoformat(),
            "clock": decode(f"{identity.hlc_ms:015d}.{identity.hlc_counter:06d}")[0],
        }

    # Archive conflict copies only after their changes are committed, so none is moved away unread.
    for item in applied:
        if item.item.copy is not None:
            report.archived.append(bundle.archive(item.item.path).relative_to(bundle.root).as_posix())
    for item in [*presence_copies, *damaged_copies]:
        report.archived.append(bundle.archive(item.path).relative_to(bundle.root).as_posix())
    for path in manifest_copies:
        try:
            json.loads(path.read_bytes())
        except (OSError, json.JSONDecodeError) as error:
            report.skipped.append(f"{path.name} is not complete JSON ({error}); left for the next pass")
            continue
        report.archived.append(bundle.archive(path).relative_to(bundle.root).as_posix())
    bundle.write_presence(presence["device_id"], presence)


def sync_pass(database: Database, now_ms: Callable[[], int] = wall_ms) -> SyncReport:
    """Run one sync pass of database with its team folder and return what moved."""
    with database.session() as session:
        bundle = Bundle.open(Path(require_identity(session).bundle_path or ""))
    report = SyncReport()
    if database.path is not None:
        # Sync passes run every few seconds in an open window, so they also drive the backup schedule.
        report.scheduled_backup_path = backup_if_due(database.path)
    with database.session() as session:
        report.identity_notice = split_identity_check(session, require_identity(session), bundle)
    if report.identity_notice:
        logger.warning("%s", report.identity_notice)
    _export(database, bundle, now_ms, report)

    def before_merge() -> Path | None:
        if database.path is None:
            return None
        return create_backup(database, "before-conflict-merge")

    _import(database, bundle, now_ms, report, before_merge)
    if report.local_edits_pending:
        _export(database, bundle, now_ms, report)
    logger.info(
        "sync pass of %s: %d changes out, %d in, %d rows changed, %d conflicts, %d files skipped",
        database.path, report.exported, report.imported, report.rows_changed, len(report.conflicts), len(report.skipped),
    )
    return report
