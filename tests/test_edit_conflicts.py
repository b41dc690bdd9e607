"""Optimistic concurrency of lead edits: two users on one real SQLite file or PostgreSQL database."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.edit_conflicts import EditConflictError, resolve_edit_conflict, save_lead_edit
from leaddesk.services.lead_actions import LeadActionError, lead_detail

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def two_users(request: pytest.FixtureRequest, db_path: Path):
    """Two Database objects on one database, as two windows or two processes would have."""
    target = db_path if request.param == "sqlite" else request.getfixturevalue("pg_url")
    ann = Database.open(target)
    bob = Database.open(target)
    yield ann, bob
    ann.dispose()
    bob.dispose()


@pytest.fixture
def lead_id(two_users) -> uuid.UUID:
    ann, _bob = two_users
    with ann.session() as session:
        lead = Lead(first_name="Ada", last_name="Byron", company="Acme", city="London", title="CTO")
        session.add(lead)
        session.flush()
        return lead.id


def opened(database: Database, lead_id: uuid.UUID) -> tuple[dict, int]:
    """Return the editable values and row_version that a window showing the lead holds."""
    with database.session() as session:
        detail = lead_detail(session, lead_id)
    values = {"company": detail.company, "city": detail.city, "title": detail.title, "employee_count": detail.employee_count}
    return values, detail.row_version


def stored(database: Database, lead_id: uuid.UUID) -> Lead:
    with database.session() as session:
        return session.get(Lead, lead_id)


def company_conflict(ann: Database, bob: Database, lead_id: uuid.UUID) -> EditConflictError:
    """Open the lead as both users, save company "Bolt" as bob, and return the error that ann's "Acme Europe" raises."""
    ann_base, ann_version = opened(ann, lead_id)
    bob_base, bob_version = opened(bob, lead_id)
    with bob.session() as session:
        save_lead_edit(session, lead_id, bob_base, {**bob_base, "company": "Bolt"}, bob_version, "bob", NOW)
    with pytest.raises(EditConflictError) as caught, ann.session() as session:
        save_lead_edit(session, lead_id, ann_base, {**ann_base, "company": "Acme Europe"}, ann_version, "ann", NOW)
    return caught.value


def test_edit_without_conflict_saves(two_users, lead_id):
    ann, _bob = two_users
    base, version = opened(ann, lead_id)
    with ann.session() as session:
        change = save_lead_edit(session, lead_id, base, {**base, "company": "Acme Europe"}, version, "ann", NOW)

    assert change.row_version == version + 1
    assert stored(ann, lead_id).company == "Acme Europe"


def test_same_field_raises_conflict(two_users, lead_id):
    ann, bob = two_users
    conflict = company_conflict(ann, bob, lead_id)

    assert conflict.expected_version == 1
    assert conflict.current_version == 2
    assert [item.field for item in conflict.conflicts] == ["company"]
    item = conflict.conflicts[0]
    assert item.base_value == "Acme"
    assert item.mine == "Acme Europe"
    assert item.theirs == "Bolt"
    assert item.changed_by == "bob"
    assert item.changed_at == NOW
    assert "bob" in str(conflict)
    assert "company" in str(conflict)
    assert stored(ann, lead_id).company == "Bolt"


def test_different_fields_both_survive(two_users, lead_id):
    ann, bob = two_users
    ann_base, ann_version = opened(ann, lead_id)
    bob_base, bob_version = opened(bob, lead_id)
    with bob.session() as session:
        save_lead_edit(session, lead_id, bob_base, {**bob_base, "city": "Oslo"}, bob_version, "bob", NOW)
    with ann.session() as session:
        change = save_lead_edit(session, lead_id, ann_base, {**ann_base, "company": "Acme Europe"}, ann_version, "ann", NOW)

    lead = stored(ann, lead_id)
    assert lead.city == "Oslo"
    assert lead.company == "Acme Europe"
    assert change.row_version == 3


def test_equal_values_are_no_conflict(two_users, lead_id):
    ann, bob = two_users
    ann_base, ann_version = opened(ann, lead_id)
    bob_base, bob_version = opened(bob, lead_id)
    with bob.session() as session:
        save_lead_edit(session, lead_id, bob_base, {**bob_base, "title": "CEO"}, bob_version, "bob", NOW)
    with ann.session() as session:
        save_lead_edit(session, lead_id, ann_base, {**ann_base, "title": " CEO "}, ann_version, "ann", NOW)

    assert stored(ann, lead_id).title == "CEO"


def test_resolve_per_field(two_users, lead_id):
    ann, bob = two_users
    ann_base, ann_version = opened(ann, lead_id)
    bob_base, bob_version = opened(bob, lead_id)
    with bob.session() as session:
        save_lead_edit(session, lead_id, bob_base, {**bob_base, "company": "Bolt", "city": "Oslo"}, bob_version, "bob", NOW)
    edited = {**ann_base, "company": "Acme Europe", "city": "Paris", "title": "VP Sales"}
    with pytest.raises(EditConflictError) as caught, ann.session() as session:
        save_lead_edit(session, lead_id, ann_base, edited, ann_version, "ann", NOW)
    conflict = caught.value
    assert sorted(item.field for item in conflict.conflicts) == ["city", "company"]
    assert conflict.pending == {"title": "VP Sales"}
    assert stored(ann, lead_id).title == "CTO"

    with ann.session() as session:
        resolve_edit_conflict(session, conflict, {"company": "mine", "city": "theirs"}, "ann", NOW)

    lead = stored(ann, lead_id)
    assert lead.company == "Acme Europe"
    assert lead.city == "Oslo"
    assert lead.title == "VP Sales"


def test_resolve_after_another_save_conflicts_again(two_users, lead_id):
    ann, bob = two_users
    conflict = company_conflict(ann, bob, lead_id)
    bob_base, bob_version = opened(bob, lead_id)
    with bob.session() as session:
        save_lead_edit(session, lead_id, bob_base, {**bob_base, "company": "Bolt Inc"}, bob_version, "bob", NOW)

    with pytest.raises(EditConflictError) as again, ann.session() as session:
        resolve_edit_conflict(session, conflict, {"company": "mine"}, "ann", NOW)

    assert again.value.conflicts[0].theirs == "Bolt Inc"
    assert again.value.conflicts[0].base_value == "Bolt"
    assert stored(ann, lead_id).company == "Bolt Inc"


def test_save_racing_a_commit_conflicts(two_users, lead_id):
    """A save whose session read the lead before another session committed fails at flush and reports the conflict."""
    ann, bob = two_users
    ann_base, ann_version = opened(ann, lead_id)
    with pytest.raises(EditConflictError) as caught, ann.session() as session:
        session.get(Lead, lead_id)  # the identity map now contains version 1
        bob_base, bob_version = opened(bob, lead_id)
        with bob.session() as bob_session:
            save_lead_edit(bob_session, lead_id, bob_base, {**bob_base, "company": "Bolt"}, bob_version, "bob", NOW)
        save_lead_edit(session, lead_id, ann_base, {**ann_base, "company": "Acme Europe"}, ann_version, "ann", NOW)

    assert caught.value.conflicts[0].theirs == "Bolt"
    assert stored(ann, lead_id).company == "Bolt"


def test_invalid_choice_rejected(two_users, lead_id):
    ann, bob = two_users
    conflict = company_conflict(ann, bob, lead_id)

    with pytest.raises(ValueError, match="city"), ann.session() as session:
        resolve_edit_conflict(session, conflict, {"city": "mine"}, "ann", NOW)
    with pytest.raises(ValueError, match="both"), ann.session() as session:
        resolve_edit_conflict(session, conflict, {"company": "both"}, "ann", NOW)


def test_invalid_value_rejected(two_users, lead_id):
    ann, _bob = two_users
    base, version = opened(ann, lead_id)
    with pytest.raises(LeadActionError, match="'many'"), ann.session() as session:
        save_lead_edit(session, lead_id, base, {**base, "employee_count": "many"}, version, "ann", NOW)


def test_conflict_with_plain_update(two_users, lead_id):
    """A writer that bypasses edit_lead (a sync pass, an import) still bumps row_version and is detected."""
    ann, bob = two_users
    ann_base, ann_version = opened(ann, lead_id)
    with bob.session() as session:
        lead = session.get(Lead, lead_id)
        lead.company = "Bolt"
        lead.updated_by = "bob"

    with pytest.raises(EditConflictError) as caught, ann.session() as session:
        save_lead_edit(session, lead_id, ann_base, {**ann_base, "company": "Acme Europe"}, ann_version, "ann", NOW)

    item = caught.value.conflicts[0]
    assert (item.field, item.mine, item.theirs) == ("company", "Acme Europe", "Bolt")
    assert item.changed_by == "bob"
    assert caught.value.current_version == ann_version + 1
    assert stored(ann, lead_id).company == "Bolt"


def test_synced_change_conflicts_with_author(tmp_path: Path):
    """A teammate's edit that a sync pass applied counts as another save, named by the team change log."""
    from leaddesk.services.sync import create_team, join_team, sync_pass

    ann = Database.open(tmp_path / "ann.sqlite")
    bob = Database.open(tmp_path / "bob.sqlite")
    try:
        create_team(ann, tmp_path / "Team", "Team", person="Ann")
        join_team(bob, tmp_path / "Team", person="Bob")
        with ann.session() as session:
            lead = Lead(full_name="Ada Byron", company="Acme")
            session.add(lead)
        sync_pass(ann)
        sync_pass(bob)
        bob_base, bob_version = opened(bob, lead.id)
        with ann.session() as session:
            session.get(Lead, lead.id).company = "Acme Europe"
        sync_pass(ann)
        sync_pass(bob)

        with pytest.raises(EditConflictError) as caught, bob.session() as session:
            save_lead_edit(session, lead.id, bob_base, {**bob_base, "company": "Bolt"}, bob_version, "bob", NOW)
    finally:
        ann.dispose()
        bob.dispose()
    item = caught.value.conflicts[0]
    assert (item.theirs, item.mine, item.changed_by) == ("Acme Europe", "Bolt", "Ann")
    assert item.changed_at is not None
