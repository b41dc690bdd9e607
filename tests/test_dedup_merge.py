"""Merging duplicate leads and undoing the merge, row by row."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, MergeOperation
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import MergeError, merge_leads
from leaddesk.services.dedup.undo import MergeUndoError, undo_merge


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _lead(session, **fields) -> Lead:
    lead = Lead(**fields)
    session.add(lead)
    session.flush()
    return lead


def _attach(session, lead: Lead, label: str, due: datetime) -> None:
    session.add(Activity(lead_id=lead.id, kind="note", occurred_at=T0, summary=f"note {label}"))
    session.add(Activity(lead_id=lead.id, kind="call", occurred_at=T0 + timedelta(minutes=5), summary=f"call {label}"))
    session.add(FollowUp(lead_id=lead.id, due_at=due, note=f"follow up {label}"))
    lead.next_follow_up_at = due


def _pair(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with database.session() as session:
        survivor = _lead(
            session, first_name="Kate", last_name="Moss", email="kate@acme.com", phone="+44 20 7183 8750",
            company="Acme", received_at=T0, response_due_at=T0 + timedelta(hours=4), notes="met at expo",
            custom_fields={"Source detail": "expo"},
        )
        other = _lead(
            session, first_name="Katherine", last_name="Moss", email="k.moss@gmail.com", phone="07700 900123",
            title="CTO", received_at=T0 - timedelta(days=1), response_due_at=T0 - timedelta(hours=20),
            notes="asked for pricing", custom_fields={"Source detail": "web form", "Budget": "10k"},
        )
        _attach(session, survivor, "survivor", T0 + timedelta(days=3))
        _attach(session, other, "other", T0 + timedelta(days=1))
        return survivor.id, other.id


def _rows(database: Database) -> dict:
    with database.session() as session:
        return {
            "leads": {lead.id: _lead_state(lead) for lead in session.scalars(select(Lead))},
            "activities": {a.id: (a.lead_id, a.kind, a.summary) for a in session.scalars(select(Activity))},
            "follow_ups": {f.id: (f.lead_id, f.due_at, f.note) for f in session.scalars(select(FollowUp))},
        }


def _lead_state(lead: Lead) -> dict:
    skip = {"row_version", "updated_at", "updated_by"}
    return {column.name: getattr(lead, column.name) for column in Lead.__table__.columns if column.name not in skip}


def test_merge_moves_everything(database) -> None:
    survivor_id, other_id = _pair(database)

    with database.session() as session:
        result = merge_leads(session, survivor_id, [other_id], actor="ana")

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        other = session.get(Lead, other_id)
        attached = session.scalars(select(Activity.lead_id)).all() + session.scalars(select(FollowUp.lead_id)).all()
        follow_ups = session.scalars(select(FollowUp.due_at).where(FollowUp.lead_id == survivor_id)).all()

        assert result.merged_ids == (other_id,)
        assert other_id not in attached
        assert other.deleted_at is not None
        assert other.merged_into_id == survivor_id
        assert survivor.email == "kate@acme.com"
        assert survivor.title == "CTO"
        assert survivor.secondary_values == {"emails": ["k.moss@gmail.com"], "phones": ["07700 900123"]}
        assert survivor.custom_fields == {"Source detail": "expo", "Source detail (merged)": "web form", "Budget": "10k"}
        assert survivor.notes == "met at expo\n\nasked for pricing"
        assert survivor.received_at == T0 - timedelta(days=1)
        assert survivor.response_due_at == T0 - timedelta(hours=20)
        assert sorted(follow_ups) == [T0 + timedelta(days=1), T0 + timedelta(days=3)]
        assert survivor.next_follow_up_at == T0 + timedelta(days=1)


def test_merge_preset_newest(database) -> None:
    with database.session() as session:
        old = _lead(session, first_name="Tom", last_name="Hale", company="Old Co", updated_at=T0)
        new = _lead(session, first_name="Thomas", last_name="Hale", company="New Co")
        old_id, new_id = old.id, new.id

    with database.session() as session:
        merge_leads(session, old_id, [new_id], preset="newest")

    with database.session() as session:
        assert session.get(Lead, old_id).company == "New Co"
        assert session.get(Lead, old_id).first_name == "Thomas"


def test_merge_override_field(database) -> None:
    survivor_id, other_id = _pair(database)

    with database.session() as session:
        merge_leads(session, survivor_id, [other_id], overrides={"email": other_id})

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        assert survivor.email == "k.moss@gmail.com"
        assert survivor.secondary_values["emails"] == ["kate@acme.com"]


def test_merge_rejects_bad_input(database) -> None:
    survivor_id, other_id = _pair(database)

    with database.session() as session:
        with pytest.raises(MergeError, match="unknown merge preset 'oldest'"):
            merge_leads(session, survivor_id, [other_id], preset="oldest")
        with pytest.raises(MergeError, match="not found"):
            merge_leads(session, survivor_id, [uuid.uuid4()])
        with pytest.raises(MergeError, match="given twice"):
            merge_leads(session, survivor_id, [survivor_id])


def test_undo_restores_every_row(database) -> None:
    survivor_id, other_id = _pair(database)
    before = _rows(database)

    with database.session() as session:
        result = merge_leads(session, survivor_id, [other_id])
    with database.session() as session:
        report = undo_merge(session, session.get(MergeOperation, result.operation_id))
    after = _rows(database)

    assert report.conflicts == []
    assert after["leads"] == before["leads"]
    assert after["follow_ups"] == before["follow_ups"]
    original = {key: value for key, value in after["activities"].items() if key in before["activities"]}
    assert original == before["activities"]
    added = [value[1] for key, value in after["activities"].items() if key not in before["activities"]]
    assert sorted(added) == ["merge", "merge_undone"]


def test_undo_after_reopen(db_path) -> None:
    database = Database.open(db_path)
    survivor_id, other_id = _pair(database)
    before = _rows(database)
    with database.session() as session:
        operation_id = merge_leads(session, survivor_id, [other_id]).operation_id
    database.dispose()

    reopened = Database.open(db_path)
    with reopened.session() as session:
        undo_merge(session, session.get(MergeOperation, operation_id))
    after = _rows(reopened)
    reopened.dispose()

    assert after["leads"] == before["leads"]
    assert after["follow_ups"] == before["follow_ups"]


def test_undo_keeps_later_edit(database) -> None:
    survivor_id, other_id = _pair(database)
    with database.session() as session:
        operation_id = merge_leads(session, survivor_id, [other_id]).operation_id
    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        survivor.title = "VP Engineering"
        survivor.city = "Leeds"

    with database.session() as session:
        report = undo_merge(session, session.get(MergeOperation, operation_id))

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        assert [conflict.field for conflict in report.conflicts] == ["title"]
        assert survivor.title == "VP Engineering"
        assert survivor.city == "Leeds"
        assert survivor.notes == "met at expo"
        assert survivor.received_at == T0
        assert session.get(Lead, other_id).deleted_at is None


def test_undo_twice_rejected(database) -> None:
    survivor_id, other_id = _pair(database)
    with database.session() as session:
        operation_id = merge_leads(session, survivor_id, [other_id]).operation_id
    with database.session() as session:
        undo_merge(session, session.get(MergeOperation, operation_id))

    with database.session() as session:
        with pytest.raises(MergeUndoError, match="nothing to do"):
            undo_merge(session, session.get(MergeOperation, operation_id))


def _outbound_pair(database: Database, *, contacted_at: datetime | None = None) -> tuple[uuid.UUID, uuid.UUID]:
    """Return a new outbound reply (30m around the clock) and an older copy of it without a deadline."""
    with database.session() as session:
        survivor = _lead(
            session, first_name="Rui", last_name="Costa", email="rui@acme.com", segment="outbound_reply",
            received_at=T0, response_due_at=T0 + timedelta(minutes=30), response_warn_at=T0 + timedelta(minutes=22, seconds=30),
        )
        older = _lead(
            session, first_name="Rui", last_name="Costa", email="rui@acme.com", segment="outbound_reply",
            received_at=T0 - timedelta(hours=2), first_contacted_at=contacted_at,
        )
        return survivor.id, older.id


def test_merge_recomputes_deadline_from_earliest(database) -> None:
    survivor_id, older_id = _outbound_pair(database)

    with database.session() as session:
        result = merge_leads(session, survivor_id, [older_id])

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        assert survivor.received_at == T0 - timedelta(hours=2)
        assert survivor.response_due_at == T0 - timedelta(hours=1, minutes=30)
        assert survivor.response_warn_at == T0 - timedelta(hours=1, minutes=37, seconds=30)
        operation = session.get(MergeOperation, result.operation_id)
        undo_merge(session, operation)

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        assert survivor.received_at == T0
        assert survivor.response_due_at == T0 + timedelta(minutes=30)
        assert survivor.response_warn_at == T0 + timedelta(minutes=22, seconds=30)


def test_merge_contacted_keeps_no_deadline(database) -> None:
    survivor_id, older_id = _outbound_pair(database, contacted_at=T0 - timedelta(hours=1))

    with database.session() as session:
        merge_leads(session, survivor_id, [older_id])

    with database.session() as session:
        survivor = session.get(Lead, survivor_id)
        assert survivor.first_contacted_at == T0 - timedelta(hours=1)
        assert survivor.response_due_at == T0 + timedelta(minutes=30)
