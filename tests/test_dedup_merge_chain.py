"""Undoing merges in a chain: A merged into B, then B merged into C."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Activity, ActivityKind, FollowUp, Lead, MergeOperation
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.dedup.undo import MergeUndoError, undo_merge

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# Lead columns whose values the chain moves between leads.
COMPARED_FIELDS = ("email", "secondary_values", "notes", "deleted_at", "merged_into_id", "title")
# Rows that merge and undo add to the timeline, left out when comparing with the seed.
MERGE_KINDS = (ActivityKind.MERGE.value, ActivityKind.MERGE_UNDONE.value)


@pytest.fixture
def database(any_database):
    """Run the service tests of this module on SQLite and on PostgreSQL."""
    return any_database


def _seed(database: Database) -> dict[str, uuid.UUID]:
    """Add leads A, B and C, each with an e-mail, a note, an import activity and a follow-up."""
    ids = {}
    with database.session() as session:
        for offset, label in enumerate("ABC"):
            lead = Lead(
                full_name=f"Kate Moss {label}",
                email=f"kate.{label.lower()}@acme.example",
                notes=f"note of {label}",
                received_at=T0 + timedelta(hours=offset),
            )
            session.add(lead)
            session.flush()
            session.add(Activity(lead_id=lead.id, kind="import", occurred_at=T0, summary=f"imported {label}"))
            session.add(FollowUp(lead_id=lead.id, due_at=T0 + timedelta(days=offset + 1), note=f"call {label}"))
            ids[label] = lead.id
    return ids


def _state(database: Database) -> dict:
    """Return each lead's compared fields and the lead of every activity and follow-up that the seed wrote."""
    with database.session() as session:
        leads = {lead.id: {name: getattr(lead, name) for name in COMPARED_FIELDS} for lead in session.scalars(select(Lead))}
        activities = {
            activity.id: activity.lead_id
            for activity in session.scalars(select(Activity).where(Activity.kind.not_in(MERGE_KINDS)))
        }
        follow_ups = {follow_up.id: follow_up.lead_id for follow_up in session.scalars(select(FollowUp))}
    return {"leads": leads, "activities": activities, "follow_ups": follow_ups}


def _merge(database: Database, survivor_id: uuid.UUID, other_id: uuid.UUID) -> uuid.UUID:
    with database.session() as session:
        return merge_leads(session, survivor_id, [other_id], actor="ana").operation_id


def _undo(database: Database, operation_id: uuid.UUID) -> int:
    with database.session() as session:
        return undo_merge(session, session.get(MergeOperation, operation_id), actor="ana").moved_back


def test_undo_before_later_merge_rejected(database) -> None:
    ids = _seed(database)
    first = _merge(database, ids["B"], ids["A"])
    second = _merge(database, ids["C"], ids["B"])
    merged = _state(database)

    with pytest.raises(MergeUndoError) as raised:
        _undo(database, first)

    message = str(raised.value)
    assert f"undo merge {second} first" in message
    assert str(ids["B"]) in message
    assert _state(database) == merged
    with database.session() as session:
        assert session.get(MergeOperation, first).undone_at is None


def test_chain_undone_in_reverse(database) -> None:
    ids = _seed(database)
    seeded = _state(database)
    first = _merge(database, ids["B"], ids["A"])
    second = _merge(database, ids["C"], ids["B"])

    moved_second = _undo(database, second)
    after_second = _state(database)
    moved_first = _undo(database, first)

    # Undoing the second merge puts B back with A's rows still on it, as after the first merge.
    for activity_id, lead_id in seeded["activities"].items():
        expected = ids["B"] if lead_id == ids["A"] else lead_id
        assert after_second["activities"][activity_id] == expected
    assert moved_second > 0
    assert moved_first > 0
    assert _state(database) == seeded


def test_chain_undone_after_restart(db_path) -> None:
    database = Database.open(db_path)
    ids = _seed(database)
    seeded = _state(database)
    first = _merge(database, ids["B"], ids["A"])
    second = _merge(database, ids["C"], ids["B"])
    with database.session() as session:
        session.get(Lead, ids["C"]).title = "CTO"
    database.dispose()

    for operation_id in (second, first):
        reopened = Database.open(db_path)
        _undo(reopened, operation_id)
        reopened.dispose()

    reopened = Database.open(db_path)
    restored = _state(reopened)
    reopened.dispose()
    # The later edit of C's title stays. Everything else is as seeded.
    assert restored["leads"][ids["C"]]["title"] == "CTO"
    restored["leads"][ids["C"]]["title"] = None
    assert restored == seeded


def test_cli_undo_names_later_merge(db_path, capsys) -> None:
    database = Database.open(db_path)
    ids = _seed(database)
    first = _merge(database, ids["B"], ids["A"])
    second = _merge(database, ids["C"], ids["B"])
    merged = _state(database)
    database.dispose()

    code = main(["undo", str(first), "--db", str(db_path)])

    captured = capsys.readouterr()
    assert code != 0
    assert f"undo merge {second} first" in captured.err
    assert "Undid merge" not in captured.out
    reopened = Database.open(db_path)
    assert _state(reopened) == merged
    reopened.dispose()
