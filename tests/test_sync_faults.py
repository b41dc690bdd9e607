"""Team sync through a shared folder: the faults a sync tool causes, each with a test."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from leaddesk.models import Lead, SyncConflict
from leaddesk.services.backups import list_backups
from leaddesk.services.database import Database
from leaddesk.services.sync import lead_history, sync_pass
from leaddesk.services.sync.bundle import Bundle
from leaddesk.services.sync.names import conflict_copy
from team_devices import team_devices, team_folder  # noqa: F401 (fixture)


@pytest.fixture
def team(team_devices, tmp_path: Path):
    """Ann's and Bob's databases from team_devices, with the team folder they share."""
    ann, bob = team_devices
    return ann, bob, team_folder(tmp_path)


def add_lead(database: Database, **values) -> uuid.UUID:
    with database.session() as session:
        lead = Lead(**values)
        session.add(lead)
        session.flush()
        return lead.id


def edit_lead(database: Database, lead_id: uuid.UUID, **values) -> None:
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        for name, value in values.items():
            setattr(lead, name, value)


def read_lead(database: Database, lead_id: uuid.UUID) -> Lead | None:
    with database.session() as session:
        return session.get(Lead, lead_id)


def shared_lead(ann: Database, bob: Database, **values) -> uuid.UUID:
    lead_id = add_lead(ann, **values)
    sync_pass(ann)
    sync_pass(bob)
    return lead_id


def test_offline_edits_travel_later(team) -> None:
    ann, bob, _folder = team
    first = add_lead(ann, first_name="Ada", email="ada@example.com")
    second = add_lead(bob, first_name="Ben", company="Bolt")

    sync_pass(ann)
    sync_pass(bob)
    sync_pass(ann)

    for database in (ann, bob):
        assert read_lead(database, first).email == "ada@example.com"
        assert read_lead(database, second).company == "Bolt"


def test_different_fields_both_survive(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, first_name="Ada", company="Old", city="Oslo")

    edit_lead(ann, lead_id, company="New Co")
    edit_lead(bob, lead_id, city="Bergen")
    sync_pass(ann)
    sync_pass(bob)
    sync_pass(ann)

    for database in (ann, bob):
        lead = read_lead(database, lead_id)
        assert lead.company == "New Co"
        assert lead.city == "Bergen"


def test_same_field_later_edit_wins(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, first_name="Ada", stage="new")

    edit_lead(bob, lead_id, stage="contacted")
    sync_pass(bob)  # Bob's clock is earlier: he exports first
    edit_lead(ann, lead_id, stage="qualified")
    report = sync_pass(ann)
    sync_pass(bob)

    assert read_lead(ann, lead_id).stage == "qualified"
    assert read_lead(bob, lead_id).stage == "qualified"
    assert [conflict["field"] for conflict in report.conflicts] == ["stage"]
    with bob.session() as session:
        stages = [(change.value, change.person, change.current) for change in lead_history(session, lead_id) if change.field == "stage"]
    assert ("contacted", "Bob", False) in stages
    assert ("qualified", "Ann", True) in stages


def test_history_records_old_value_and_who(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, company="Old")
    edit_lead(bob, lead_id, company="New")
    sync_pass(bob)
    sync_pass(ann)

    with ann.session() as session:
        change = [c for c in lead_history(session, lead_id) if c.field == "company"][-1]
    assert change.value == "New"
    assert change.old_value == "Old"
    assert change.person == "Bob"
    assert change.device_id != ""


def test_concurrent_edit_revives_deleted_lead(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, first_name="Ada", company="Old")

    edit_lead(bob, lead_id, company="Still interested")
    sync_pass(bob)
    edit_lead(ann, lead_id, deleted_at=read_lead(ann, lead_id).received_at)  # Ann has not seen Bob's edit
    sync_pass(ann)
    sync_pass(bob)
    sync_pass(ann)

    for database in (ann, bob):
        lead = read_lead(database, lead_id)
        assert lead.deleted_at is None
        assert lead.company == "Still interested"
    with ann.session() as session:
        kinds = [conflict.kind for conflict in session.query(SyncConflict)]
    assert "delete_edit" in kinds


def test_delete_after_seeing_edit_stays_deleted(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, first_name="Ada")
    edit_lead(bob, lead_id, company="Seen")
    sync_pass(bob)
    sync_pass(ann)

    edit_lead(ann, lead_id, deleted_at=read_lead(ann, lead_id).received_at)
    sync_pass(ann)
    sync_pass(bob)

    assert read_lead(bob, lead_id).deleted_at is not None


def test_hard_delete_travels_as_delete(team) -> None:
    ann, bob, _folder = team
    lead_id = shared_lead(ann, bob, first_name="Ada")
    with ann.session() as session:
        session.delete(session.get(Lead, lead_id))
    sync_pass(ann)
    sync_pass(bob)

    assert read_lead(ann, lead_id) is None
    assert read_lead(bob, lead_id).deleted_at is not None


def test_half_delivered_segment_waits(team) -> None:
    ann, bob, folder = team
    lead_id = add_lead(ann, first_name="Ada")
    report = sync_pass(ann)
    segment = folder / report.segments_written[0]
    complete = segment.read_bytes()
    segment.write_bytes(complete[: len(complete) // 2])

    first = sync_pass(bob)
    assert read_lead(bob, lead_id) is None
    assert len(first.skipped) == 1
    assert "still being delivered" in first.skipped[0]

    segment.write_bytes(complete)
    second = sync_pass(bob)
    assert second.skipped == []
    assert read_lead(bob, lead_id).first_name == "Ada"


def test_altered_segment_fails_checksum(team) -> None:
    ann, bob, folder = team
    add_lead(ann, first_name="Ada")
    segment = folder / sync_pass(ann).segments_written[0]
    segment.write_bytes(segment.read_bytes().replace(b"Ada", b"Eve"))

    report = sync_pass(bob)

    assert "sha256" in report.skipped[0]
    assert report.imported == 0


def test_later_segment_waits_for_earlier_one(team) -> None:
    ann, bob, folder = team
    lead_id = add_lead(ann, first_name="Ada")
    first = folder / sync_pass(ann).segments_written[0]
    edit_lead(ann, lead_id, company="Later")
    sync_pass(ann)
    held_back = first.read_bytes()
    first.unlink()

    report = sync_pass(bob)
    assert read_lead(bob, lead_id) is None
    assert "waits for segment 1" in report.skipped[0]

    first.write_bytes(held_back)
    sync_pass(bob)
    assert read_lead(bob, lead_id).company == "Later"


COPY_NAMES = {
    "dropbox": "seg-00000001 (Bob's conflicted copy 2026-12-04).json",
    "onedrive": "seg-00000001-BOB-LAPTOP.json",
    "google-drive": "seg-00000001 (1).json",
    "syncthing": "seg-00000001.sync-conflict-20261204-101112-ABCDEF7.json",
    "nextcloud": "seg-00000001 (conflicted copy 2026-12-04 101112).json",
}


@pytest.mark.parametrize("style", sorted(COPY_NAMES))
def test_conflict_copy_name_recognised(style: str) -> None:
    copy = conflict_copy(COPY_NAMES[style])
    assert copy is not None
    assert copy.original == "seg-00000001.json"
    assert copy.style == style


@pytest.mark.parametrize("name", ["seg-00000001.json", "presence.json", "notes.json", "seg-1 (1).json", "photo (1).jpg"])
def test_other_names_not_conflict_copies(name: str) -> None:
    assert conflict_copy(name) is None


@pytest.mark.parametrize("style", sorted(COPY_NAMES))
def test_conflict_copy_merged_then_archived(team, style: str) -> None:
    ann, bob, folder = team
    lead_id = add_lead(ann, first_name="Ada")
    segment = folder / sync_pass(ann).segments_written[0]
    copy = segment.with_name(COPY_NAMES[style])
    segment.rename(copy)  # only the conflict copy arrived

    report = sync_pass(bob)

    assert read_lead(bob, lead_id).first_name == "Ada"
    assert not copy.exists()
    archived = folder / report.archived[0]
    assert archived.is_file()
    assert "archive" in archived.parts
    assert json.loads(archived.read_bytes())["changes"]
    assert report.backup_path is not None
    assert report.backup_path.is_file()


def test_manifest_conflict_copy_archived(team) -> None:
    ann, _bob, folder = team
    copy = folder / "leaddesk-team (Bob's conflicted copy 2026-12-04).json"
    shutil.copy(folder / "leaddesk-team.json", copy)

    report = sync_pass(ann)

    assert not copy.exists()
    assert (folder / "archive" / copy.name).is_file()
    assert [info.label for info in list_backups(ann.path)].count("before-conflict-merge") == 1
    assert report.archived == [f"archive/{copy.name}"]


def test_segment_replaced_after_apply_reapplies_nothing(team) -> None:
    ann, bob, folder = team
    lead_id = add_lead(ann, first_name="Ada")
    segment = folder / sync_pass(ann).segments_written[0]
    sync_pass(bob)
    edit_lead(bob, lead_id, first_name="Ada B.")
    sync_pass(bob)

    # The sync tool re-delivers the same segment under the same name (a new inode and mtime).
    payload = segment.read_bytes()
    segment.unlink()
    segment.write_bytes(payload)
    report = sync_pass(bob)

    assert report.imported == 0
    assert read_lead(bob, lead_id).first_name == "Ada B."


def test_idle_team_folder_has_no_side_files(team) -> None:
    ann, bob, folder = team
    add_lead(ann, first_name="Ada")
    sync_pass(ann)
    sync_pass(bob)

    names = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    assert all(name.endswith(".json") for name in names)
    assert not any(".leaddesk-tmp-" in name for name in names)
    assert not any(name.endswith(("-wal", "-journal", "-shm", ".sqlite")) for name in names)
    for database in (ann, bob):
        connection = sqlite3.connect(database.path)
        try:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        finally:
            connection.close()
        assert not database.path.with_name(database.path.name + "-wal").exists()
        assert not database.path.with_name(database.path.name + "-journal").exists()


def test_presence_lists_both_devices(team) -> None:
    ann, bob, folder = team
    sync_pass(ann)
    sync_pass(bob)

    people = [(record["person"], record["device_name"]) for record in Bundle.open(folder).read_presence()]

    assert people == [("Ann", "ann-laptop"), ("Bob", "bob-laptop")]
