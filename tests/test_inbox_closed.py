"""Closed leads (won, lost, disqualified) leave the overdue and due-soon states everywhere the inbox shows them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import Lead, Rep
from leaddesk.services import inbox, lead_actions
from leaddesk.services.inbox import GROUP_FOLLOW_UP, GROUP_OVERDUE, GROUP_REST, InboxQuery
from leaddesk.services.kanban import board
from leaddesk.services.saved_views import ViewContext, count_views
from leaddesk.services.sla import ResponseState

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def leads(database) -> dict[str, object]:
    with database.session() as session:
        ana = Rep(name="Ana Lopez")
        session.add(ana)
        session.flush()
        rows = {
            "overdue": Lead(
                full_name="Still Open", owner_id=ana.id, received_at=NOW - timedelta(hours=3),
                response_due_at=NOW - timedelta(hours=1), response_warn_at=NOW - timedelta(hours=2), score=1,
            ),
            "lost": Lead(
                full_name="Lost Lou", owner_id=ana.id, received_at=NOW - timedelta(hours=3),
                response_due_at=NOW - timedelta(hours=2), response_warn_at=NOW - timedelta(hours=2, minutes=30),
                score=90,
            ),
            "due_soon_disqualified": Lead(
                full_name="Disq Dan", owner_id=ana.id, received_at=NOW - timedelta(hours=1),
                response_due_at=NOW + timedelta(minutes=5), response_warn_at=NOW - timedelta(minutes=5), score=80,
            ),
        }
        session.add_all(rows.values())
        session.flush()
        ids = {key: lead.id for key, lead in rows.items()}
    with database.session() as session:
        lead_actions.change_stage(session, ids["lost"], "lost", "tester", NOW)
        lead_actions.change_stage(session, ids["due_soon_disqualified"], "disqualified", "tester", NOW)
    return ids


def test_closed_lead_not_overdue_group(database, leads):
    with database.session() as session:
        rows = inbox.page(session, InboxQuery(now=NOW), 0, None)

    assert rows[0].id == leads["overdue"]
    states = {row.id: row.state for row in rows}
    assert states[leads["overdue"]] is ResponseState.OVERDUE
    assert states[leads["lost"]] is ResponseState.WAITING
    assert states[leads["due_soon_disqualified"]] is ResponseState.WAITING


def test_closed_lead_priority_group(database, leads):
    with database.session() as session:
        groups = dict(session.execute(select(Lead.id, inbox.priority_group(NOW, NOW.date()))).all())

    assert groups[leads["overdue"]] == GROUP_OVERDUE
    assert groups[leads["lost"]] == GROUP_REST
    assert groups[leads["due_soon_disqualified"]] == GROUP_REST


def test_closed_lead_with_due_follow_up(database, leads):
    with database.session() as session:
        lead_actions.set_follow_up(session, leads["lost"], NOW - timedelta(minutes=1), "ask again", "tester", NOW)
        group = session.scalar(select(inbox.priority_group(NOW, NOW.date())).where(Lead.id == leads["lost"]))

    assert group == GROUP_FOLLOW_UP


def test_status_counts_skip_closed(database, leads):
    with database.session() as session:
        counts = inbox.count_states(session, NOW)

    assert counts == {"overdue": 1, "due_soon": 0}


def test_my_overdue_skips_closed(database, leads):
    context = ViewContext(now=NOW, rep_name="Ana Lopez", zone_name="UTC")
    with database.session() as session:
        counts = count_views(session, context)

    assert counts["my_overdue"] == 1


def test_detail_state_of_closed_lead(database, leads):
    with database.session() as session:
        detail = lead_actions.lead_detail(session, leads["lost"])

    assert detail.state_at(NOW) is ResponseState.WAITING


def test_breach_kept_for_reports(database, leads):
    with database.session() as session:
        lead = session.get(Lead, leads["lost"])

    assert lead.response_due_at == NOW - timedelta(hours=2)
    assert lead.first_contacted_at is None


def test_kanban_closed_card_not_overdue(database, leads):
    with database.session() as session:
        columns = {column.stage: column for column in board(session, NOW)}

    (lost_card,) = columns["lost"].cards
    (open_card,) = columns["new"].cards
    assert not lost_card.overdue
    assert open_card.overdue
