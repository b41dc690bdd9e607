"""Property test: random multi-device edit histories through a simulated sync tool converge and lose no edit.

The histories edit every record kind that travels: leads (owners included), reps, activities, follow-ups
(marked done and snoozed through the follow-up service), sequence enrollments, a team
setting and the playbook.

Each device has its own database and its own copy of the team folder. The simulated sync
tool copies each device's files to the others late and in any order. Sometimes it delivers
only half of a file and replaces it with the whole file later. Sometimes it delivers a
file under a conflict-copy name in the style of Dropbox, OneDrive, Google Drive, Syncthing
or Nextcloud instead of the original name. Device clocks are skewed by up to five seconds.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
import random
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from leaddesk.models import Activity, FollowUp, Lead, Rep, SequenceEnrollment, Setting, SyncChange, SyncIdentity, SyncRowState
from leaddesk.services.database import Database
from leaddesk.services.follow_ups import FollowUpError, mark_done, snooze
from leaddesk.services.playbook.store import PLAYBOOK_TEXT_KEY, shipped_playbook_text
from leaddesk.services.sync import create_team, join_team, sync_pass
from leaddesk.services.sync.entities import BY_NAME, ENTITIES, setting_row_id
from leaddesk.services.sync.names import MANIFEST_NAME

EDITED_FIELDS = {
    "company": ["Acme", "Bolt", "Cobalt", None],
    "city": ["Oslo", "Lyon", "Porto"],
    "stage": ["new", "contacted", "qualified", "lost"],
    "notes": ["call back", "no budget", ""],
    "employee_count": [5, 50, 500],
}
COPY_STYLES = (
    "{stem} (Bob's conflicted copy 2026-12-04).json",
    "{stem}-BOB-LAPTOP.json",
    "{stem} (1).json",
    "{stem}.sync-conflict-20261204-101112-ABCDEF7.json",
    "{stem} (conflicted copy 2026-12-04 101112).json",
)

SUMMARIES = ["called", "left a voicemail", "sent the quote", "asked for a demo"]
TIME_ZONES = ["Europe/Oslo", "America/Chicago", "Asia/Tokyo"]
PLAYBOOK_NOTES = ["# Ann's version", "# Bob's version", "# Cid's version"]
ENROLLMENT_STATUSES = ["active", "paused", "stopped"]

operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2)),
    st.tuples(st.just("rep"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("owner"), st.integers(0, 2), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("activity"), st.integers(0, 2), st.integers(0, 9), st.integers(0, 3)),
    st.tuples(st.just("activity_edit"), st.integers(0, 2), st.integers(0, 9), st.integers(0, 3)),
    st.tuples(st.just("activity_delete"), st.integers(0, 2), st.integers(0, 9)),
    st.tuples(st.just("follow_up"), st.integers(0, 2), st.integers(0, 9)),
    st.tuples(st.just("done"), st.integers(0, 2), st.integers(0, 9)),
    st.tuples(st.just("snooze"), st.integers(0, 2), st.integers(0, 9), st.integers(1, 3)),
    st.tuples(st.just("enroll"), st.integers(0, 2), st.integers(0, 9)),
    st.tuples(st.just("enroll_edit"), st.integers(0, 2), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("setting"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("playbook"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 9), st.sampled_from(sorted(EDITED_FIELDS)), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, 2), st.integers(0, 9)),
    st.tuples(st.just("sync"), st.integers(0, 2)),
    st.tuples(st.just("deliver"), st.integers(0, 50), st.sampled_from(["full", "full", "half", "copy"]), st.integers(0, 4)),
)


@dataclass
class Delivery:
    """A file of one device that the sync tool has yet to copy into another device's folder."""

    target: int
    relative: str
    payload: bytes


@dataclass
class Device:
    database: Database
    folder: Path
    skew_ms: int
    # Edits since the last sync pass: {(record kind, row id, field): encoded value}.
    pending: dict[tuple[str, str, str], object] = field(default_factory=dict)

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.skew_ms


class SimulatedSyncTool:
    """Copies files between the devices' team folders late, reordered, truncated or as conflict copies."""

    def __init__(self, devices: list[Device]) -> None:
        self.devices = devices
        self.sent: dict[tuple[int, str], bytes] = {}
        self.queue: list[Delivery] = []

    def collect(self, source: int) -> None:
        device = self.devices[source]
        own = device.folder / "devices"
        for path in sorted(own.rglob("*.json")):
            relative = path.relative_to(device.folder).as_posix()
            payload = path.read_bytes()
            if not relative.startswith(f"devices/{_device_id(device)}/") or self.sent.get((source, relative)) == payload:
                continue
            self.sent[(source, relative)] = payload
            for target in range(len(self.devices)):
                if target != source:
                    self.queue.append(Delivery(target, relative, payload))

    def deliver(self, index: int, mode: str, style: int) -> None:
        if not self.queue:
            return
        delivery = self.queue[index % len(self.queue)]
        path = self.devices[delivery.target].folder / delivery.relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if mode == "half":
            path.write_bytes(delivery.payload[: len(delivery.payload) // 2])
            return  # stays queued: the rest arrives later and replaces the file
        self.queue.remove(delivery)
        if mode == "copy":
            path = path.with_name(COPY_STYLES[style].format(stem=path.stem))
        temporary = path.with_name(f"~sync-{uuid.uuid4().hex}.part")
        temporary.write_bytes(delivery.payload)
        os.replace(temporary, path)

    def deliver_all(self) -> None:
        while self.queue:
            self.deliver(0, "full", 0)


def _device_id(device: Device) -> str:
    with device.database.session() as session:
        return session.get(SyncIdentity, 1).device_id


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "leads.sqlite"
    Database.open(path).dispose()
    return path


@pytest.fixture(scope="module")
def no_fsync():
    """Skip fsync in this module: durability after power loss is not what it tests, and fsync dominates its runtime."""
    original = os.fsync
    os.fsync = lambda descriptor: None
    yield
    os.fsync = original


def _skip_disk_flushes(database: Database) -> None:
    # Like no_fsync, for SQLite's own flushes: without them one history runs several times faster.
    database.engine.dispose()
    event.listen(database.engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous = OFF"))


def _setup(template: Path, root: Path, skews: list[int]) -> list[Device]:
    devices = []
    for index, skew in enumerate(skews):
        path = root / f"device{index}" / "leads.sqlite"
        path.parent.mkdir(parents=True)
        shutil.copy(template, path)
        database = Database.open(path)
        _skip_disk_flushes(database)
        folder = root / f"device{index}" / "Team"
        if index == 0:
            create_team(database, folder, "Team", person=f"person{index}", device_name=f"laptop{index}")
        else:
            folder.mkdir(parents=True)
            shutil.copy(devices[0].folder / MANIFEST_NAME, folder / MANIFEST_NAME)
            join_team(database, folder, person=f"person{index}", device_name=f"laptop{index}")
        devices.append(Device(database, folder, skew))
    return devices


def _live_leads(device: Device) -> list[str]:
    with device.database.session() as session:
        return sorted(str(lead_id) for lead_id in session.scalars(select(Lead.id).where(Lead.deleted_at.is_(None))))


Edit = tuple[str, str, str, object]


def _sync(device: Device, index: int, tool: SimulatedSyncTool, committed_edits: list[Edit]) -> None:
    with device.database.session() as session:
        baselines = {(state.entity, state.row_id): json.loads(state.local_json) for state in session.scalars(select(SyncRowState))}
    for (entity, row_id, field_name), value in device.pending.items():
        baseline = baselines.get((entity, row_id))
        if not isinstance(baseline, dict) or baseline.get(field_name) != value:
            committed_edits.append((entity, row_id, field_name, value))
    device.pending.clear()
    sync_pass(device.database, now_ms=device.now_ms)
    tool.collect(index)


def _setting_text(kind: str, choice: int) -> tuple[str, str]:
    if kind == "setting":
        return "team_timezone", TIME_ZONES[choice]
    return PLAYBOOK_TEXT_KEY, shipped_playbook_text() + "\n" + PLAYBOOK_NOTES[choice] + "\n"


def _run_other_kind(device: Device, index: int, op: tuple) -> None:
    """Apply one operation on a record kind other than leads, the way the product's services write it."""
    kind = op[0]
    now = datetime.now(timezone.utc) + timedelta(milliseconds=device.skew_ms)
    with device.database.session() as session:
        if kind == "rep":
            name = f"rep-{op[2]}"
            if session.scalar(select(Rep.id).where(Rep.name == name)) is None:
                session.add(Rep(name=name))
        elif kind == "owner":
            # The lead may reach another device before the rep does, so its owner is filled in later there.
            leads = sorted(session.scalars(select(Lead.id).where(Lead.deleted_at.is_(None))))
            reps = sorted(session.scalars(select(Rep.id)))
            if not leads or not reps:
                return
            lead = session.get(Lead, leads[op[2] % len(leads)])
            lead.owner_id = reps[op[3] % len(reps)]
            device.pending[("lead", str(lead.id), "owner_id")] = str(lead.owner_id)
        elif kind in ("setting", "playbook"):
            key, value = _setting_text(kind, op[2])
            session.merge(Setting(key=key, value=value))
            device.pending[(kind, setting_row_id(key), "document")] = {"key": key, "value": value}
        elif kind in ("activity", "follow_up", "enroll"):
            leads = sorted(session.scalars(select(Lead.id)))
            if not leads:
                return
            lead_id = leads[op[2] % len(leads)]
            if kind == "activity":
                session.add(Activity(lead_id=lead_id, kind="call", summary=SUMMARIES[op[3]], actor=f"person{index}", occurred_at=now))
            elif kind == "follow_up":
                session.add(FollowUp(lead_id=lead_id, due_at=now + timedelta(hours=1), note="call back"))
            else:
                session.add(SequenceEnrollment(lead_id=lead_id, sequence_key="welcome", enrolled_by=f"person{index}"))
        elif kind in ("activity_edit", "activity_delete"):
            activities = sorted(session.scalars(select(Activity.id)))
            if not activities:
                return
            activity = session.get(Activity, activities[op[2] % len(activities)])
            if kind == "activity_delete":
                # An edit not yet synced goes with the row, so it is no lost edit.
                device.pending.pop(("activity", str(activity.id), "summary"), None)
                session.delete(activity)
                return
            activity.summary = SUMMARIES[op[3]]
            device.pending[("activity", str(activity.id), "summary")] = activity.summary
        elif kind in ("done", "snooze"):
            open_ids = sorted(session.scalars(select(FollowUp.id).where(FollowUp.completed_at.is_(None))))
            if not open_ids:
                return
            follow_up_id = open_ids[op[2] % len(open_ids)]
            if kind == "done":
                mark_done(session, session.get(FollowUp, follow_up_id), f"person{index}", now)
                return
            try:
                snooze(session, follow_up_id, now + timedelta(days=op[3]), f"person{index}", now)
            except FollowUpError:
                return
        elif kind == "enroll_edit":
            enrollments = sorted(session.scalars(select(SequenceEnrollment.id)))
            if not enrollments:
                return
            enrollment = session.get(SequenceEnrollment, enrollments[op[2] % len(enrollments)])
            enrollment.status = ENROLLMENT_STATUSES[op[3]]
            device.pending[("enrollment", str(enrollment.id), "status")] = enrollment.status


def _run(devices: list[Device], operations: list[tuple]) -> list[Edit]:
    tool = SimulatedSyncTool(devices)
    committed_edits: list[Edit] = []
    for op in operations:
        kind = op[0]
        if kind == "deliver":
            tool.deliver(op[1], op[2], op[3])
            continue
        index = op[1] % len(devices)
        device = devices[index]
        if kind == "sync":
            _sync(device, index, tool, committed_edits)
        elif kind not in ("create", "edit", "delete"):
            _run_other_kind(device, index, op)
        elif kind == "create":
            with device.database.session() as session:
                session.add(Lead(first_name=f"lead-{index}", company="New"))
        else:
            live = _live_leads(device)
            if not live:
                continue
            row_id = live[op[2] % len(live)]
            with device.database.session() as session:
                lead = session.get(Lead, uuid.UUID(row_id))
                if kind == "edit":
                    value = EDITED_FIELDS[op[3]][op[4] % len(EDITED_FIELDS[op[3]])]
                    setattr(lead, op[3], value)
                    device.pending[("lead", row_id, op[3])] = value
                else:
                    lead.deleted_at = lead.received_at

    # Quiesce: everything is delivered whole, and every device syncs until nothing new moves.
    for _round in range(3):
        for index, device in enumerate(devices):
            _sync(device, index, tool, committed_edits)
        tool.deliver_all()
    return committed_edits


def _log(device: Device) -> dict[str, SyncChange]:
    with device.database.session() as session:
        return {change.change_id: change for change in session.scalars(select(SyncChange))}


def _check(devices: list[Device], committed_edits: list[Edit]) -> None:
    rows: dict[str, dict[str, dict[str, object]]] = {}
    for entity in ENTITIES:
        states = []
        for device in devices:
            with device.database.session() as session:
                states.append(entity.read_rows(session))
        for other in states[1:]:
            assert other == states[0], f"devices did not converge to the same {entity.name} rows"
        rows[entity.name] = states[0]

    logs = [_log(device) for device in devices]
    for other in logs[1:]:
        assert set(other) == set(logs[0]), "devices hold different change logs"
    log = logs[0]

    for entity_name, row_id, field_name, value in committed_edits:
        recorded = [
            c for c in log.values()
            if c.entity == entity_name and c.row_id == row_id and c.field == field_name and json.loads(c.value_json) == value
        ]
        # A row created and then cleared before its first pass travels as new without that
        # field, so an empty value is only missing when some other value of it was logged.
        field_logged = any(
            c.entity == entity_name and c.row_id == row_id and c.field == field_name for c in log.values()
        )
        if value is None and not field_logged:
            continue
        assert recorded, f"edit {field_name}={value!r} of {entity_name} {row_id} is missing from the change log"

    latest: dict[tuple[str, str, str], SyncChange] = {}
    for change in log.values():
        key = (change.entity, change.row_id, change.field)
        if key not in latest or (change.hlc, change.device_id, change.change_id) > (
            latest[key].hlc, latest[key].device_id, latest[key].change_id
        ):
            latest[key] = change
    for (entity_name, row_id, field_name), change in latest.items():
        entity = BY_NAME[entity_name]
        if field_name in entity.delete_fields:
            continue
        if entity_name == "rep" and field_name == "name":
            continue  # Of two reps with one name, the one with the greater id is renamed while merging, so no change sets it.
        row = rows[entity_name].get(row_id)
        if row is None:
            removal = latest.get((entity_name, row_id, entity.delete_field))
            assert removal is not None and json.loads(removal.value_json) is not None, (
                f"{entity_name} {row_id} is missing on every device, but no delete of it won"
            )
            continue
        assert row[field_name] == json.loads(change.value_json), (
            f"{entity_name} {row_id} holds {row[field_name]!r} in {field_name}, "
            f"but the latest change by clock set {json.loads(change.value_json)!r}"
        )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    operations=st.lists(operation, min_size=4, max_size=24),
    device_count=st.integers(2, 3),
    skews=st.lists(st.integers(-5_000, 5_000), min_size=3, max_size=3),
)
def test_random_histories_converge(template: Path, no_fsync, tmp_path_factory: pytest.TempPathFactory, operations, device_count, skews) -> None:
    root = tmp_path_factory.mktemp("history")
    devices = _setup(template, root, skews[:device_count])
    try:
        committed_edits = _run(devices, operations)
        _check(devices, committed_edits)
    finally:
        for device in devices:
            device.database.dispose()
        shutil.rmtree(root, ignore_errors=True)
