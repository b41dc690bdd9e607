"""Team services behind the window: change messages, presence, lead history and team database paths."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from leaddesk.models import Activity, ActivityKind, Lead
from leaddesk.services import lead_actions
from leaddesk.services.database import Database
from leaddesk.services.lead_history import lead_change_history
from leaddesk.services.sync import create_team, join_team, sync_pass
from leaddesk.services.team_changes import TeamChange, change_message, received_changes
from leaddesk.services.team_presence import team_presence
from leaddesk.services.team_setup import can_join_with, team_database_path

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)


def change(person: str, name: str, *fields: str) -> TeamChange:
    return TeamChange(person, uuid.uuid4(), name, fields)


def test_change_message_names_fields():
    text = change_message([change("Bob", "Ada Byron", "stage", "city"), change("Ann", "Ben Bolt")])
    assert text == "Bob changed stage, city of Ada Byron; Ann changed Ben Bolt"


def test_change_message_counts_the_rest():
    changes = [change("Bob", f"Lead {n}") for n in range(5)]
    assert change_message(changes) == "Bob changed Lead 0; Lead 1; Lead 2; and 2 more lead(s)"
    assert change_message(changes[:1], total=150) == "Bob changed Lead 0; and 149 more lead(s)"
    assert change_message([]) == ""


def test_received_changes_skip_own_device(tmp_path: Path):
    ann = Database.open(tmp_path / "ann.sqlite")
    bob = Database.open(tmp_path / "bob.sqlite")
    try:
        create_team(ann, tmp_path / "Team", "Team", person="Ann")
        bob_identity = join_team(bob, tmp_path / "Team", person="Bob")
        with bob.session() as session:
            session.add(Lead(full_name="Own Olga"))
        sync_pass(bob)
        started = datetime.now(timezone.utc)
        with ann.session() as session:
            session.add(Lead(full_name="Ada Byron", city="Oslo"))
        sync_pass(ann)
        sync_pass(bob)

        with bob.session() as session:
            received = received_changes(session, started, bob_identity.device_id)
    finally:
        ann.dispose()
        bob.dispose()
    assert [(item.person, item.lead_name) for item in received] == [("Ann", "Ada Byron")]
    assert "city" in received[0].fields
    assert "full_name" in received[0].fields


@pytest.mark.sqlite_only("a server lists its connections instead, see test_presence_on_server_lists_connection")
def test_presence_without_team(database):
    with database.session() as session:
        presence = team_presence(session)
    assert presence.entries == []
    assert "no team" in presence.note


def test_presence_on_server_lists_connection(pg_database):
    with pg_database.session() as session:
        presence = team_presence(session)
    assert presence.location.startswith("PostgreSQL database leaddesk_test_")
    assert any(entry.this_device for entry in presence.entries)
    assert all(entry.person == "postgres" for entry in presence.entries)


def test_history_parses_quoted_values(database):
    with database.session() as session:
        lead = Lead(full_name="Ada Byron", company="A; B to C")
        session.add(lead)
        session.flush()
        lead_actions.edit_lead(session, lead.id, {"company": "It's \"new\"", "city": "Oslo"}, "ann", NOW)
        lead_actions.change_stage(session, lead.id, "contacted", "bob", NOW)
        session.add(Activity(lead_id=lead.id, kind=ActivityKind.NOTE.value, summary="Changed my mind about the call", occurred_at=NOW))
        session.flush()
        history = lead_change_history(session, lead.id)

    by_field = {entry.field: entry for entry in history}
    assert set(by_field) == {"company", "city", "stage"}
    assert by_field["company"].old_value == "A; B to C"
    assert by_field["company"].value == "It's \"new\""
    assert by_field["city"].old_value is None
    assert (by_field["stage"].person, by_field["stage"].old_value, by_field["stage"].value) == ("bob", "new", "contacted")
    assert all(entry.current for entry in history)


def test_history_drops_synced_duplicates(tmp_path: Path):
    ann = Database.open(tmp_path / "ann.sqlite")
    try:
        create_team(ann, tmp_path / "Team", "Team", person="Ann", device_name="ann-laptop")
        with ann.session() as session:
            lead = Lead(full_name="Ada Byron", company="Acme")
            session.add(lead)
        sync_pass(ann)
        with ann.session() as session:
            lead_actions.edit_lead(session, lead.id, {"company": "Bolt"}, "ann", NOW)
        sync_pass(ann)
        with ann.session() as session:
            history = [entry for entry in lead_change_history(session, lead.id) if entry.field == "company"]
    finally:
        ann.dispose()
    assert [(entry.value, entry.source) for entry in history] == [("Bolt", "sync"), ("Acme", "sync")]
    assert history[0].device == "ann-laptop"
    assert history[0].old_value == "Acme"


def test_team_database_path_per_folder(tmp_path: Path):
    first = team_database_path(tmp_path / "a" / "Team")
    second = team_database_path(tmp_path / "b" / "Team")
    assert first != second
    assert first.name.startswith("Team-")
    assert first.suffix == ".sqlite"


@pytest.mark.sqlite_only("team folders sync local SQLite files")
def test_can_join_with_other_team(database, tmp_path: Path):
    assert can_join_with(database, tmp_path / "Team")
    create_team(database, tmp_path / "Team", "Team")
    assert can_join_with(database, tmp_path / "Team")
    assert not can_join_with(database, tmp_path / "Other")


def test_change_message_uses_field_labels():
    text = change_message([change("Bob", "Ada Byron", "first_name", "linkedin_url", "owner_id")])
    assert text == "Bob changed first name, LinkedIn URL, owner of Ada Byron"


def test_change_message_repeats_verb_on_change():
    changes = [
        change("Bob", "Ada Byron", "city"),
        TeamChange("Bob", uuid.uuid4(), "Ben Bolt", (), "restored"),
        TeamChange("Bob", uuid.uuid4(), "Cy Cole", (), "deleted"),
    ]
    assert change_message(changes) == "Bob changed city of Ada Byron; restored Ben Bolt; deleted Cy Cole"


def test_received_restore_named_with_conflict(tmp_path: Path):
    ann = Database.open(tmp_path / "ann.sqlite")
    bob = Database.open(tmp_path / "bob.sqlite")
    try:
        create_team(ann, tmp_path / "Team", "Team", person="Ann")
        bob_identity = join_team(bob, tmp_path / "Team", person="Bob")
        with ann.session() as session:
            lead = Lead(full_name="Ada Byron", city="Oslo")
            session.add(lead)
            session.flush()
            lead_id = lead.id
        sync_pass(ann)
        sync_pass(bob)
        with bob.session() as session:
            session.get(Lead, lead_id).deleted_at = NOW
        with ann.session() as session:
            session.get(Lead, lead_id).city = "Bergen"
        sync_pass(ann)
        started = datetime.now(timezone.utc)
        sync_pass(bob)

        with bob.session() as session:
            received = received_changes(session, started, bob_identity.device_id)
            assert session.get(Lead, lead_id).deleted_at is None
    finally:
        ann.dispose()
        bob.dispose()
    assert [(item.person, item.verb) for item in received] == [("Ann", "restored")]
    message = change_message(received)
    assert message.startswith("Ann restored Ada Byron and changed city")
    assert "deleted on one device and edited on another" in message
    assert "deleted_at" not in message
