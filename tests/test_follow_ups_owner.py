"""Follow-up owners: the hand-over when a lead changes owner, and the "My due follow-ups" view against the reminders."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import FollowUp, Lead, Rep
from leaddesk.services import follow_ups, lead_actions
from leaddesk.services.escalation import run_escalations
from leaddesk.services.follow_up_owners import owner_choices
from leaddesk.services.local_time import LocalDue
from leaddesk.services.notifications.preferences import NotifyPreferences, Scope
from leaddesk.services.playbook import parse_playbook, shipped_playbook_text
from leaddesk.services.routing import assign_lead
from leaddesk.services.saved_views import ViewContext, count_views, view_lead_ids
from leaddesk.services.scheduler import events_between
from test_escalation import RECEIVED, _add_lead, _playbook

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=timezone.utc)
UTC = "UTC"

# Routing that hands every lead to Ben Ode, for the routing and escalation hand-over.
ROUTING_TO_BEN = """
[routing]

[[routing.rules]]
name = "Everyone to Ben"
strategy = "fixed"
reps = ["Ben Ode"]
"""


def routing_playbook():
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    return parse_playbook(head + ROUTING_TO_BEN, default_timezone=UTC)


@pytest.fixture
def team(database) -> dict[str, uuid.UUID]:
    """Reps Ana, Ben and Cleo, and a lead of Ana's with three open follow-ups and one done."""
    with database.session() as session:
        ana, ben, cleo = Rep(name="Ana Lopez"), Rep(name="Ben Ode"), Rep(name="Cleo Park")
        session.add_all([ana, ben, cleo])
        session.flush()
        lead = Lead(full_name="Hand Over", owner_id=ana.id, received_at=NOW - timedelta(days=1))
        session.add(lead)
        session.flush()
        due = LocalDue.at(datetime(2026, 5, 6, 11, 0), UTC)
        anas = follow_ups.add_follow_up(session, lead, due, "Ana's", NOW - timedelta(hours=2))
        cleos = follow_ups.add_follow_up(session, lead, due, "Cleo's", NOW - timedelta(hours=2), owner_id=cleo.id)
        unowned = follow_ups.add_follow_up(session, lead, due, "nobody's", NOW - timedelta(hours=2))
        unowned.owner_id = None
        done = follow_ups.add_follow_up(session, lead, due, "done", NOW - timedelta(hours=2))
        done.completed_at = NOW - timedelta(hours=1)
        session.flush()
        return {
            "ana": ana.id, "ben": ben.id, "cleo": cleo.id, "lead": lead.id,
            "anas": anas.id, "cleos": cleos.id, "unowned": unowned.id, "done": done.id,
        }


def owners(database, team) -> dict[str, uuid.UUID | None]:
    with database.session() as session:
        return {key: session.get(FollowUp, team[key]).owner_id for key in ("anas", "cleos", "unowned", "done")}


def test_manual_owner_change_moves_follow_ups(database, team):
    with database.session() as session:
        change = lead_actions.change_owner(session, team["lead"], team["ben"], "tester", NOW)

    assert change.changed_fields == {"owner_id", "updated_by"}
    moved = owners(database, team)
    assert moved["anas"] == team["ben"]
    assert moved["unowned"] == team["ben"]
    assert moved["cleos"] == team["cleo"]
    assert moved["done"] == team["ana"]


def test_routing_moves_follow_ups(database, team):
    with database.session() as session:
        lead = session.get(Lead, team["lead"])
        decision = assign_lead(session, lead, routing_playbook(), NOW, exclude=["Ana Lopez"])

    assert decision.rep is not None
    assert decision.rep.name == "Ben Ode"
    moved = owners(database, team)
    assert moved["anas"] == team["ben"]
    assert moved["unowned"] == team["ben"]
    assert moved["cleos"] == team["cleo"]
    assert moved["done"] == team["ana"]


def test_change_owner_same_rep_no_change(database, team):
    with database.session() as session:
        change = lead_actions.change_owner(session, team["lead"], team["ana"], "tester", NOW)

    assert change.changed_fields == frozenset()
    assert owners(database, team)["anas"] == team["ana"]


def test_change_owner_unknown_rep(database, team):
    missing = uuid.uuid4()
    with database.session() as session, pytest.raises(lead_actions.LeadActionError, match=str(missing)):
        lead_actions.change_owner(session, team["lead"], missing, "tester", NOW)


def reminded_leads(database, rep_name: str) -> set[uuid.UUID]:
    preferences = NotifyPreferences(user="someone", scope=Scope.MINE, rep_name=rep_name, zone_name=UTC)
    with database.session() as session:
        return {event.lead_id for event in events_between(session, preferences, NOW - timedelta(days=1), NOW)}


def due_view(database, rep_name: str) -> set[uuid.UUID]:
    context = ViewContext(now=NOW, rep_name=rep_name, zone_name=UTC)
    with database.session() as session:
        return view_lead_ids(session, "my_follow_ups", context)


def test_view_and_reminders_agree_after_handover(database, team):
    with database.session() as session:
        lead_actions.change_owner(session, team["lead"], team["ben"], "tester", NOW)
        for key in ("anas", "unowned"):
            follow_ups.complete(session, team[key], "tester", NOW - timedelta(minutes=1))

    # Only Cleo's follow-up is open and due now, so only Cleo gets the reminder and the lead in the view.
    for rep_name, expected in (("Cleo Park", {team["lead"]}), ("Ben Ode", set()), ("Ana Lopez", set())):
        assert reminded_leads(database, rep_name) == expected, rep_name
        assert due_view(database, rep_name) == expected, rep_name


def test_view_counts_follow_up_owner(database, team):
    context = ViewContext(now=NOW, rep_name="Cleo Park", zone_name=UTC)
    with database.session() as session:
        counts = count_views(session, context)

    assert counts["my_follow_ups"] == 1


def test_view_date_only_due_on_its_date(database, team):
    with database.session() as session:
        lead = Lead(full_name="Date Only", owner_id=team["ben"], received_at=NOW - timedelta(days=1))
        session.add(lead)
        session.flush()
        follow_ups.add_follow_up(session, lead, LocalDue.on(NOW.date(), UTC), "", NOW)
        tomorrow = Lead(full_name="Tomorrow", owner_id=team["ben"], received_at=NOW - timedelta(days=1))
        session.add(tomorrow)
        session.flush()
        follow_ups.add_follow_up(session, tomorrow, LocalDue.on(NOW.date() + timedelta(days=1), UTC), "", NOW)
        lead_id = lead.id

    assert due_view(database, "Ben Ode") == {lead_id}


def test_view_lead_without_follow_up_rows(database, team):
    with database.session() as session:
        lead = Lead(
            full_name="Imported", owner_id=team["ben"], received_at=NOW - timedelta(days=1),
            next_follow_up_at=NOW - timedelta(minutes=5),
        )
        session.add(lead)
        session.flush()
        lead_id = lead.id

    assert due_view(database, "Ben Ode") == {lead_id}


def test_owner_choices_default(database, team):
    with database.session() as session:
        on_lead = owner_choices(session, team["lead"], "ben ode")
        unassigned = Lead(full_name="Nobody's", received_at=NOW)
        session.add(unassigned)
        session.flush()
        on_unassigned = owner_choices(session, unassigned.id, "ben ode")
        on_unassigned_stranger = owner_choices(session, unassigned.id, "stranger")

    assert [choice.name for choice in on_lead.reps] == ["Ana Lopez", "Ben Ode", "Cleo Park"]
    assert on_lead.default_rep_id == team["ana"]
    assert on_unassigned.default_rep_id == team["ben"]
    assert on_unassigned_stranger.default_rep_id is None


def test_plan_follow_up_for_other_rep(database, team):
    plan = follow_ups.FollowUpPlan(
        due=LocalDue.on(datetime(2026, 5, 8).date(), "Europe/Berlin"), note="call", recurrence="weekly",
        owner_id=team["cleo"],
    )
    with database.session() as session:
        lead = Lead(full_name="Planned", owner_id=team["ana"], received_at=NOW)
        session.add(lead)
        session.flush()
        lead_actions.plan_follow_up(session, lead.id, plan, "tester", NOW)
        row = session.scalars(select(FollowUp).where(FollowUp.lead_id == lead.id)).one()
        summary = lead_actions.lead_detail(session, lead.id).timeline[0].summary

    assert (row.due_local, row.time_zone, row.all_day, row.recurrence) == ("2026-05-08", "Europe/Berlin", True, "weekly")
    assert row.owner_id == team["cleo"]
    assert summary == "Follow-up due 2026-05-08 (all day) Europe/Berlin, repeats weekly for Cleo Park: call"


def test_escalation_reassign_moves_follow_ups(database):
    playbook = _playbook()
    with database.session() as session:
        ana, ben, cleo = Rep(name="Ana"), Rep(name="Ben"), Rep(name="Cleo")
        session.add_all([ana, ben, cleo])
        lead = _add_lead(session, playbook, owner=ana)
        due = LocalDue.at(datetime(2026, 12, 10, 9, 0), UTC)
        anas = follow_ups.add_follow_up(session, lead, due, "", RECEIVED)
        cleos = follow_ups.add_follow_up(session, lead, due, "", RECEIVED, owner_id=cleo.id)

        run_escalations(session, RECEIVED + timedelta(hours=1), playbook)

        assert lead.owner_id == ben.id
        assert anas.owner_id == ben.id
        assert cleos.owner_id == cleo.id
