"""Two databases with one device id, such as a copied database file, find out and both keep syncing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, join_team, load_identity, sync_pass


def add_lead(database: Database, name: str) -> None:
    with database.session() as session:
        session.add(Lead(full_name=name))


def lead_names(database: Database) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(Lead.full_name)))


def device_id(database: Database) -> str:
    with database.session() as session:
        return load_identity(session).device_id


def test_copied_database_splits_identity(tmp_path: Path) -> None:
    old_laptop = Database.open(tmp_path / "old" / "leads.sqlite")
    create_team(old_laptop, tmp_path / "Team", "Acme", person="Ann")
    add_lead(old_laptop, "Ada Byron")
    sync_pass(old_laptop)
    old_laptop.dispose()
    (tmp_path / "new").mkdir()
    shutil.copy(tmp_path / "old" / "leads.sqlite", tmp_path / "new" / "leads.sqlite")
    old_laptop = Database.open(tmp_path / "old" / "leads.sqlite")
    new_laptop = Database.open(tmp_path / "new" / "leads.sqlite")
    bob = Database.open(tmp_path / "bob.sqlite")
    try:
        join_team(bob, tmp_path / "Team", person="Bob")
        shared_id = device_id(old_laptop)
        assert device_id(new_laptop) == shared_id

        add_lead(new_laptop, "New Nora")
        first = sync_pass(new_laptop)
        add_lead(old_laptop, "Old Otto")
        second = sync_pass(old_laptop)
        third = sync_pass(new_laptop)
        sync_pass(old_laptop)
        sync_pass(new_laptop)
        sync_pass(bob)

        assert first.identity_notice is None
        assert second.identity_notice is not None
        assert shared_id in second.identity_notice
        assert "Ann" in second.identity_notice
        # The old laptop wrote its next segment under its new id, so the new laptop finds no segment it did not write.
        assert third.identity_notice is None
        assert device_id(new_laptop) == shared_id
        assert device_id(old_laptop) != shared_id
        expected = {"Ada Byron", "New Nora", "Old Otto"}
        assert lead_names(old_laptop) == expected
        assert lead_names(new_laptop) == expected
        assert lead_names(bob) == expected
        with old_laptop.session() as session:
            assert load_identity(session).person == "Ann"
    finally:
        old_laptop.dispose()
        new_laptop.dispose()
        bob.dispose()


def test_own_segments_keep_identity(tmp_path: Path) -> None:
    ann = Database.open(tmp_path / "ann.sqlite")
    try:
        create_team(ann, tmp_path / "Team", "Acme", person="Ann")
        before = device_id(ann)
        for name in ("Ada", "Ben", "Cy"):
            add_lead(ann, name)
            report = sync_pass(ann)
            assert report.identity_notice is None
        assert device_id(ann) == before
    finally:
        ann.dispose()


def test_offline_copies_same_sequence(tmp_path: Path) -> None:
    """Both databases write segment 2 before either reads the other's, so the sync tool leaves a conflict copy."""
    first = Database.open(tmp_path / "first" / "leads.sqlite")
    create_team(first, tmp_path / "Team", "Acme", person="Ann")
    add_lead(first, "Ada Byron")
    sync_pass(first)
    first.dispose()
    (tmp_path / "second").mkdir()
    shutil.copy(tmp_path / "first" / "leads.sqlite", tmp_path / "second" / "leads.sqlite")
    first = Database.open(tmp_path / "first" / "leads.sqlite")
    second = Database.open(tmp_path / "second" / "leads.sqlite")
    shared_id = device_id(first)
    folder = tmp_path / "Team" / "devices" / shared_id
    try:
        add_lead(second, "Second Sam")
        sync_pass(second)
        segment = folder / "seg-00000002.json"
        held_back = segment.read_bytes()
        segment.unlink()
        add_lead(first, "First Fay")
        sync_pass(first)
        # The sync tool delivers the second database's segment 2 as a Dropbox conflict copy.
        (folder / "seg-00000002 (Ann's conflicted copy 2026-12-05).json").write_bytes(held_back)

        reports = [sync_pass(first), sync_pass(second), sync_pass(first), sync_pass(second)]

        assert any(report.identity_notice for report in reports)
        assert device_id(first) != device_id(second)
        expected = {"Ada Byron", "First Fay", "Second Sam"}
        assert lead_names(first) == expected
        assert lead_names(second) == expected
    finally:
        first.dispose()
        second.dispose()
