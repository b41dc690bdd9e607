"""Lead actions: detail, contact, notes, follow-ups, stages and stale edits, on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, Rep
from leaddesk.services import lead_actions
from leaddesk.services.lead_actions import LeadActionError, LeadNotFoundError, StaleLeadError
from leaddesk.services.sla import ResponseState


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    with database.session() as session:
        rep = Rep(name="Ana")
        session.add(rep)
        session.flush()
        lead = Lead(
            first_name="Jo",
            last_name="Doe",
            email="jo@example.com",
            company="Acme",
            owner_id=rep.id,
            received_at=NOW - timedelta(hours=2),
            response_due_at=NOW - timedelta(hours=1),
            response_warn_at=NOW - timedelta(hours=1, minutes=10),
            custom_fields={"Budget": "50k", "Region code": "EMEA-2"},
        )
        session.add(lead)
        session.flush()
        return lead.id


def activities(database, lead_id) -> list[Activity]:
    with database.session() as session:
        return list(session.scalars(select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.created_at)))


def load(database, lead_id) -> Lead:
    with database.session() as session:
        return session.get(Lead, lead_id)


def test_detail_fields(database, lead_id):
    with database.session() as session:
        detail = lead_actions.lead_detail(session, lead_id)

    assert detail.name == "Jo Doe"
    assert detail.owner_name == "Ana"
    assert detail.custom_fields == {"Budget": "50k", "Region code": "EMEA-2"}
    assert detail.segment_label == "General website visitor"
    assert detail.row_version == 1
    assert detail.state_at(NOW) is ResponseState.OVERDUE
    assert detail.timeline == ()
    assert detail.follow_ups == ()


def test_detail_timeline_newest_first(database, lead_id):
    with database.session() as session:
        lead_actions.add_note(session, lead_id, "first", "ana", now=NOW)
        lead_actions.add_note(session, lead_id, "second", "ana", now=NOW + timedelta(minutes=1))

    with database.session() as session:
        detail = lead_actions.lead_detail(session, lead_id)

    assert [entry.summary for entry in detail.timeline] == ["second", "first"]
    assert detail.timeline[0].actor == "ana"


def test_detail_missing_lead(database):
    missing = uuid.uuid4()

    with database.session() as session, pytest.raises(LeadNotFoundError, match=str(missing)):
        lead_actions.lead_detail(session, missing)


def test_detail_deleted_lead(database, lead_id):
    with database.session() as session:
        session.get(Lead, lead_id).deleted_at = NOW

    with database.session() as session, pytest.raises(LeadNotFoundError):
        lead_actions.lead_detail(session, lead_id)


def test_mark_contacted_stops_clock(database, lead_id):
    with database.session() as session:
        change = lead_actions.mark_contacted(session, lead_id, NOW, "ana")

    lead = load(database, lead_id)
    assert lead.first_contacted_at == NOW
    assert lead.stage == "contacted"
    assert lead.updated_by == "ana"
    assert change.changed_fields == {"first_contacted_at", "stage", "updated_by"}
    assert change.row_version == 2
    assert [a.kind for a in activities(database, lead_id)] == ["contacted"]
    with database.session() as session:
        assert lead_actions.lead_detail(session, lead_id).state_at(NOW) is ResponseState.CONTACTED


def test_mark_contacted_twice_keeps_first(database, lead_id):
    with database.session() as session:
        lead_actions.mark_contacted(session, lead_id, NOW, "ana")
    with database.session() as session:
        change = lead_actions.mark_contacted(session, lead_id, NOW + timedelta(hours=1), "ben")

    assert load(database, lead_id).first_contacted_at == NOW
    assert change.changed_fields == {"updated_by"}
    assert len(activities(database, lead_id)) == 2


def test_mark_contacted_keeps_later_stage(database, lead_id):
    with database.session() as session:
        lead_actions.change_stage(session, lead_id, "qualified", "ana", now=NOW)
    with database.session() as session:
        lead_actions.mark_contacted(session, lead_id, NOW, "ana")

    assert load(database, lead_id).stage == "qualified"


def test_mark_contacted_rejects_naive_now(database, lead_id):
    with database.session() as session, pytest.raises(ValueError, match="naive"):
        lead_actions.mark_contacted(session, lead_id, datetime(2024, 5, 6, 12), "ana")


def test_add_note_logs_activity(database, lead_id):
    with database.session() as session:
        change = lead_actions.add_note(session, lead_id, "  Asked for pricing  ", "ana", now=NOW)

    (activity,) = activities(database, lead_id)
    assert activity.kind == "note"
    assert activity.summary == "Asked for pricing"
    assert change.activity_id == activity.id
    assert load(database, lead_id).updated_by == "ana"


def test_add_note_rejects_blank(database, lead_id):
    with database.session() as session, pytest.raises(LeadActionError, match="empty"):
        lead_actions.add_note(session, lead_id, "   ", "ana", now=NOW)

    assert activities(database, lead_id) == []


def test_follow_up_keeps_earliest(database, lead_id):
    tomorrow = NOW + timedelta(days=1)
    in_two_hours = NOW + timedelta(hours=2)
    with database.session() as session:
        lead_actions.set_follow_up(session, lead_id, tomorrow, "send deck", "ana", now=NOW)
    assert load(database, lead_id).next_follow_up_at == tomorrow

    with database.session() as session:
        lead_actions.set_follow_up(session, lead_id, in_two_hours, "", "ana", now=NOW)
    assert load(database, lead_id).next_follow_up_at == in_two_hours

    with database.session() as session:
        detail = lead_actions.lead_detail(session, lead_id)
    assert [f.due_at for f in detail.follow_ups] == [in_two_hours, tomorrow]
    assert detail.follow_ups[0].owner_name == "Ana"
    assert detail.timeline[0].kind == "follow_up_set"


def test_follow_up_summary_in_utc(database, lead_id):
    berlin = timezone(timedelta(hours=2))
    with database.session() as session:
        lead_actions.set_follow_up(session, lead_id, datetime(2024, 5, 7, 9, 0, tzinfo=berlin), "call", "ana", now=NOW)

    (activity,) = activities(database, lead_id)
    assert activity.summary == "Follow-up due 2024-05-07 07:00 UTC: call"


def test_complete_follow_up_moves_next(database, lead_id):
    first = NOW + timedelta(hours=1)
    second = NOW + timedelta(hours=5)
    with database.session() as session:
        lead_actions.set_follow_up(session, lead_id, first, "a", "ana", now=NOW)
        lead_actions.set_follow_up(session, lead_id, second, "b", "ana", now=NOW)
    with database.session() as session:
        first_id = session.scalars(select(FollowUp.id).where(FollowUp.due_at == first)).one()

    with database.session() as session:
        lead_actions.complete_follow_up(session, first_id, "ana", now=NOW)
    assert load(database, lead_id).next_follow_up_at == second

    with database.session() as session:
        second_id = lead_actions.lead_detail(session, lead_id).follow_ups[0].id
    with database.session() as session:
        lead_actions.complete_follow_up(session, second_id, "ana", now=NOW)
    assert load(database, lead_id).next_follow_up_at is None


def test_change_stage(database, lead_id):
    with database.session() as session:
        change = lead_actions.change_stage(session, lead_id, "won", "ana", now=NOW)

    assert load(database, lead_id).stage == "won"
    assert change.changed_fields == {"stage", "updated_by"}
    (activity,) = activities(database, lead_id)
    assert activity.summary == "Stage changed from new to won"


def test_change_stage_rejects_unknown(database, lead_id):
    with database.session() as session, pytest.raises(LeadActionError) as raised:
        lead_actions.change_stage(session, lead_id, "closed", "ana", now=NOW)

    message = str(raised.value)
    assert "'closed'" in message
    assert "new, contacted, qualified, won, lost, disqualified" in message
    assert load(database, lead_id).stage == "new"


def test_change_stage_same_is_noop(database, lead_id):
    with database.session() as session:
        change = lead_actions.change_stage(session, lead_id, "new", "ana", now=NOW)

    assert change.changed_fields == frozenset()
    assert activities(database, lead_id) == []
    assert load(database, lead_id).row_version == 1


def test_stale_expected_version(database, lead_id):
    with database.session() as session:
        lead_actions.add_note(session, lead_id, "someone else", "ben", now=NOW)

    with database.session() as session, pytest.raises(StaleLeadError, match="changed by someone else"):
        lead_actions.mark_contacted(session, lead_id, NOW, "ana", expected_version=1)

    assert load(database, lead_id).first_contacted_at is None


def test_stale_concurrent_session(database, lead_id):
    with database.session() as mine:
        stale_copy = mine.get(Lead, lead_id)  # held, so the identity map keeps the version-1 copy
        with database.session() as theirs:
            lead_actions.change_stage(theirs, lead_id, "qualified", "ben", now=NOW)

        with pytest.raises(StaleLeadError):
            lead_actions.mark_contacted(mine, lead_id, NOW, "ana")
        mine.rollback()

    assert load(database, lead_id).stage == "qualified"
    assert load(database, lead_id).first_contacted_at is None
