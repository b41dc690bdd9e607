"""Every row that points at a merged lead moves to the survivor, and undo puts each one back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sequence_leads import CALENDAR, NOW
from sqlalchemy import func, select, update

from leaddesk.models import (
    Activity,
    DedupDecision,
    EscalationPlan,
    FollowUp,
    ImportBatch,
    ImportChange,
    Lead,
    LeadEvaluation,
    LeadMatchKey,
    MergeOperation,
    QualificationChange,
    SequenceEnrollment,
)
from leaddesk.services import sequences
from leaddesk.services.database import Database
from leaddesk.services.dedup.key_store import refresh_stale_keys
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.dedup.merge_rows import lead_reference_columns
from leaddesk.services.dedup.undo import undo_merge

# References that no lead has before any merge: a merged lead's own pointer and a merge's survivor.
EMPTY_BEFORE_MERGE = {("leads", "merged_into_id"), ("merge_operations", "survivor_id")}


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


def _attach_everything(session, lead: Lead, partners: list[Lead], label: str) -> None:
    """Give lead one row in every table that references leads, merge_operations aside."""
    session.add(Activity(lead_id=lead.id, kind="note", occurred_at=NOW, summary=f"note {label}"))
    session.add(FollowUp(lead_id=lead.id, due_at=NOW + timedelta(days=2), note=f"call {label}"))
    batch = ImportBatch(file_name=f"{label}.csv", sha256=label * 8)
    session.add(batch)
    session.flush()
    session.add(ImportChange(batch_id=batch.id, lead_id=lead.id, field="email", before=None, after=lead.email))
    session.add(QualificationChange(lead_id=lead.id, previous=None, qualification="mql", changed_at=NOW))
    session.add(
        EscalationPlan(lead_id=lead.id, segment="default", received_at=NOW, response_due_at=None, steps_done=0, playbook_hash="x" * 64)
    )
    session.add(LeadMatchKey(lead_id=lead.id, key=f"t:{label}"))
    for partner in partners:
        low, high = sorted((lead.id, partner.id))
        session.add(DedupDecision(lead_low_id=low, lead_high_id=high, decision="not_duplicate", decided_at=NOW))
    session.flush()
    session.get(LeadEvaluation, lead.id).score_override = 42 if label == "other" else None
    sequences.enroll(session, lead.id, "new_inbound", "ana", NOW, CALENDAR)


def _seed(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """Add a survivor and a lead to merge into it, with decisions where the merged lead is the low and the high id."""
    with database.session() as session:
        survivor = Lead(full_name="Kate Moss", email="kate@acme.com", received_at=NOW - timedelta(hours=2))
        other = Lead(
            id=uuid.UUID(int=2**127), full_name="Katherine Moss", email="k.moss@gmail.com", received_at=NOW - timedelta(hours=1)
        )
        partners = [
            Lead(id=uuid.UUID(int=1), full_name="Kate Mossberg", email="kate@mossberg.example"),
            Lead(id=uuid.UUID(int=2**128 - 1), full_name="Kat Moser", email="kat@moser.example"),
        ]
        session.add_all([survivor, other, *partners])
        session.flush()
        _attach_everything(session, other, partners, "other")
        return survivor.id, other.id


def _references(database: Database, lead_id: uuid.UUID) -> dict[str, int]:
    """Count the rows of every lead-referencing column that point at lead_id."""
    counts = {}
    with database.session() as session:
        for column in lead_reference_columns():
            counts[f"{column.table.name}.{column.name}"] = session.scalar(
                select(func.count()).select_from(column.table).where(column == lead_id)
            )
    return counts


def _row_keys(database: Database, lead_id: uuid.UUID) -> dict[str, set]:
    """Return the primary keys of the rows that point at lead_id, per referencing column."""
    keys = {}
    with database.session() as session:
        for column in lead_reference_columns():
            primary_key = list(column.table.primary_key.columns)
            rows = session.execute(select(*primary_key).where(column == lead_id)).all()
            keys[f"{column.table.name}.{column.name}"] = {tuple(row) for row in rows}
    return keys


def _add_pair(session) -> tuple[uuid.UUID, uuid.UUID]:
    """Add a survivor and a near-duplicate lead to merge into it; return their ids."""
    survivor = Lead(full_name="Kate Moss", received_at=NOW)
    other = Lead(full_name="Katherine Moss", received_at=NOW)
    session.add_all([survivor, other])
    session.flush()
    return survivor.id, other.id


def test_reference_columns_found_in_metadata() -> None:
    names = {f"{column.table.name}.{column.name}" for column in lead_reference_columns()}

    for expected in (
        "activities.lead_id",
        "follow_ups.lead_id",
        "import_changes.lead_id",
        "sequence_enrollments.lead_id",
        "lead_evaluations.lead_id",
        "lead_match_keys.lead_id",
        "escalation_plans.lead_id",
        "qualification_changes.lead_id",
        "dedup_decisions.lead_low_id",
        "dedup_decisions.lead_high_id",
    ):
        assert expected in names


def test_merge_leaves_no_reference(database) -> None:
    survivor_id, other_id = _seed(database)
    before = _references(database, other_id)

    with database.session() as session:
        merge_leads(session, survivor_id, [other_id], actor="ana")

    after = _references(database, other_id)
    for name, count in before.items():
        if tuple(name.split(".")) in EMPTY_BEFORE_MERGE:
            continue
        # The seed must give the merged lead a row here, or this check proves nothing.
        assert count > 0, name
    for name, count in after.items():
        assert count == 0, f"{count} rows of {name} still point at the merged lead"


def test_key_refresh_skips_merged_lead(database) -> None:
    survivor_id, other_id = _seed(database)
    with database.session() as session:
        merge_leads(session, survivor_id, [other_id], actor="ana")
    with database.session() as session:
        # A changed key rule makes every lead's keys stale, the merged one's too.
        session.execute(update(Lead).values(match_keys_hash=None))

    with database.session() as session:
        refreshed = refresh_stale_keys(session)

    assert refreshed >= 2
    with database.session() as session:
        merged_keys = session.scalar(select(func.count()).select_from(LeadMatchKey).where(LeadMatchKey.lead_id == other_id))
        survivor_keys = session.scalar(select(func.count()).select_from(LeadMatchKey).where(LeadMatchKey.lead_id == survivor_id))
        merged_hash = session.scalar(select(Lead.match_keys_hash).where(Lead.id == other_id))
    assert merged_keys == 0
    assert survivor_keys > 0
    assert merged_hash is not None


def test_undo_restores_every_reference(database) -> None:
    survivor_id, other_id = _seed(database)
    before = _row_keys(database, other_id)

    with database.session() as session:
        operation_id = merge_leads(session, survivor_id, [other_id], actor="ana").operation_id
    merged = _row_keys(database, other_id)
    with database.session() as session:
        undo_merge(session, session.get(MergeOperation, operation_id), actor="ana")

    after = _row_keys(database, other_id)
    assert not any(merged.values()), "the merge left rows on the merged lead, so undo has nothing to restore"
    for name, keys in before.items():
        assert after[name] == keys, name
    with database.session() as session:
        evaluation = session.get(LeadEvaluation, other_id)
        enrollment = session.scalars(select(SequenceEnrollment).where(SequenceEnrollment.lead_id == other_id)).one()
        assert evaluation.score_override == 42
        assert enrollment.status == "active"
        assert enrollment.next_step_at is not None


def test_moved_enrollment_still_fires(database) -> None:
    with database.session() as session:
        survivor_id, other_id = _add_pair(session)
        enrollment_id = sequences.enroll(session, other_id, "new_inbound", "ana", NOW, CALENDAR).id

    with database.session() as session:
        merge_leads(session, survivor_id, [other_id], actor="ana")
    with database.session() as session:
        created = sequences.advance(session, NOW + timedelta(days=1), CALENDAR)
        follow_ups = [session.get(FollowUp, follow_up_id) for follow_up_id in created]
        enrollment = session.get(SequenceEnrollment, enrollment_id)

        assert enrollment.lead_id == survivor_id
        assert enrollment.status == "active"
        assert enrollment.step_index == 1
        assert [follow_up.lead_id for follow_up in follow_ups] == [survivor_id]


@pytest.mark.parametrize("survivor_steps, other_steps", [(0, 1), (2, 1)])
def test_same_sequence_keeps_advanced(database, survivor_steps: int, other_steps: int) -> None:
    with database.session() as session:
        survivor_id, other_id = _add_pair(session)
        own = sequences.enroll(session, survivor_id, "new_inbound", "ana", NOW, CALENDAR)
        moved = sequences.enroll(session, other_id, "new_inbound", "ana", NOW, CALENDAR)
        own.step_index, moved.step_index = survivor_steps, other_steps
        own_id, moved_id = own.id, moved.id

    with database.session() as session:
        operation_id = merge_leads(session, survivor_id, [other_id], actor="ana").operation_id
    kept_id, stopped_id = (moved_id, own_id) if other_steps > survivor_steps else (own_id, moved_id)
    with database.session() as session:
        kept = session.get(SequenceEnrollment, kept_id)
        stopped = session.get(SequenceEnrollment, stopped_id)
        assert kept.lead_id == survivor_id
        assert kept.status == "active"
        assert stopped.lead_id == survivor_id
        assert stopped.status == "stopped"
        assert stopped.status_reason == "merged"
        assert stopped.next_step_at is None

    with database.session() as session:
        undo_merge(session, session.get(MergeOperation, operation_id), actor="ana")
    with database.session() as session:
        own = session.get(SequenceEnrollment, own_id)
        moved = session.get(SequenceEnrollment, moved_id)
        assert own.lead_id == survivor_id
        assert moved.lead_id == other_id
        assert own.status == "active"
        assert moved.status == "active"
        assert own.next_step_at is not None
        assert moved.next_step_at is not None
