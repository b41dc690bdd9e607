"""Damaged conflict copies of an applied segment are archived and reported instead of waiting forever."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.sync import sync_pass
from leaddesk.services.sync.engine import DAMAGED_COPY_QUIET_SECONDS
from team_devices import team_devices, team_folder  # noqa: F401 (fixture)


@pytest.fixture
def team(team_devices, tmp_path: Path):
    """Ann's and Bob's databases from team_devices, with the team folder they share."""
    ann, bob = team_devices
    return ann, bob, team_folder(tmp_path)


def add_lead(database: Database, name: str) -> uuid.UUID:
    with database.session() as session:
        lead = Lead(full_name=name)
        session.add(lead)
        session.flush()
        return lead.id


def age(path: Path, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def half_written(segment: Path) -> bytes:
    complete = segment.read_bytes()
    return complete[: len(complete) // 2]


def bad_checksum(segment: Path) -> bytes:
    return segment.read_bytes().replace(b"Ada", b"Eve")


@pytest.mark.parametrize(
    ("copy_name", "damage"),
    [
        ("seg-00000001 (Ann's conflicted copy 2026-12-05).json", half_written),
        ("seg-00000001 (1).json", bad_checksum),
    ],
)
def test_damaged_copy_archived_after_original(team, copy_name, damage) -> None:
    ann, bob, folder = team
    add_lead(ann, "Ada Byron")
    segment = folder / sync_pass(ann).segments_written[0]
    sync_pass(bob)
    copy = segment.with_name(copy_name)
    copy.write_bytes(damage(segment))
    age(copy, DAMAGED_COPY_QUIET_SECONDS + 60)

    report = sync_pass(bob)

    assert report.skipped == []
    assert not copy.exists()
    assert len(report.damaged) == 1
    assert copy_name in report.damaged[0]
    assert "seg-00000001.json is applied" in report.damaged[0]
    archived = folder / report.archived[0]
    assert archived.read_bytes() == damage(segment), "the copy is archived unread, byte for byte"
    assert sync_pass(bob).skipped == []


def test_recent_damaged_copy_waits(team) -> None:
    ann, bob, folder = team
    add_lead(ann, "Ada Byron")
    segment = folder / sync_pass(ann).segments_written[0]
    sync_pass(bob)
    copy = segment.with_name("seg-00000001 (1).json")
    copy.write_bytes(half_written(segment))

    report = sync_pass(bob)

    assert copy.exists(), "a sync tool may still be writing a recent copy"
    assert report.damaged == []
    assert len(report.skipped) == 1


def test_damaged_copy_waits_for_original(team) -> None:
    ann, bob, folder = team
    add_lead(ann, "Ada Byron")
    segment = folder / sync_pass(ann).segments_written[0]
    copy = segment.with_name("seg-00000001 (1).json")
    copy.write_bytes(half_written(segment))
    age(copy, DAMAGED_COPY_QUIET_SECONDS + 60)
    held_back = segment.read_bytes()
    segment.unlink()

    first = sync_pass(bob)
    segment.write_bytes(held_back)
    sync_pass(bob)  # applies the original
    third = sync_pass(bob)

    assert first.damaged == []
    assert copy.name in " ".join(first.skipped)
    assert copy.name in " ".join(third.damaged)
    assert not copy.exists()
