"""The inbox service: priority order, filters, paging and state counts, on a real SQLite file."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import Lead, Rep
from leaddesk.services import inbox, lead_actions
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.sla import ResponseState

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


def add_lead(session, name: str, **fields) -> uuid.UUID:
    values = {
        "full_name": name,
        "received_at": NOW - timedelta(days=1),
        "segment": "general",
        "stage": "new",
        "score": 0,
    }
    values.update(fields)
    lead = Lead(**values)
    # Left unevaluated, so the inbox orders these leads by Lead.score; evaluated leads have their own tests.
    session.info[SKIP_KEY] = True
    session.add(lead)
    session.flush()
    return lead.id


def due(minutes_from_now: int) -> dict:
    """Return response clock fields due minutes_from_now, warning 10 minutes earlier."""
    due_at = NOW + timedelta(minutes=minutes_from_now)
    return {"response_due_at": due_at, "response_warn_at": due_at - timedelta(minutes=10)}


def names(database, query: InboxQuery) -> list[str]:
    with database.session() as session:
        ids = inbox.list_lead_ids(session, query)
        return [row.name for row in inbox.fetch_rows(session, ids, query.now)]


@pytest.fixture
def priority_leads(database):
    contacted = {"first_contacted_at": NOW - timedelta(hours=5), "stage": "contacted"}
    with database.session() as session:
        add_lead(session, "low score", score=10, **contacted)
        add_lead(session, "due later", score=99, **due(120))
        add_lead(session, "follow-up due", score=1, next_follow_up_at=NOW - timedelta(hours=1), **contacted)
        add_lead(session, "overdue 10m", score=99, **due(-10))
        add_lead(session, "high score", score=90, **contacted)
        add_lead(session, "due soon", score=0, **due(5))
        add_lead(session, "contacted late", score=50, **due(-180), **contacted)
        add_lead(session, "overdue 2h", score=0, **due(-120))
        add_lead(session, "follow-up later", score=80, next_follow_up_at=NOW + timedelta(hours=1), **contacted)
        add_lead(session, "deleted overdue", deleted_at=NOW - timedelta(hours=1), **due(-500))


def test_order_priority_groups(database, priority_leads):
    assert names(database, InboxQuery(now=NOW)) == [
        "overdue 2h",
        "overdue 10m",
        "due soon",
        "due later",
        "follow-up due",
        "high score",
        "follow-up later",
        "contacted late",
        "low score",
    ]


def test_order_follows_now(database, priority_leads):
    later = NOW + timedelta(hours=3)

    ordered = names(database, InboxQuery(now=later))

    assert ordered[:4] == ["overdue 2h", "overdue 10m", "due soon", "due later"]
    assert ordered[4:6] == ["follow-up due", "follow-up later"]


def test_order_score_ties_newest_first(database):
    with database.session() as session:
        add_lead(session, "older", score=5, received_at=NOW - timedelta(days=3))
        add_lead(session, "newer", score=5, received_at=NOW - timedelta(days=1))
        add_lead(session, "top", score=6, received_at=NOW - timedelta(days=9))

    assert names(database, InboxQuery(now=NOW)) == ["top", "newer", "older"]


def test_deleted_never_listed(database, priority_leads):
    query = InboxQuery(now=NOW, search="deleted")

    assert names(database, query) == []
    with database.session() as session:
        assert inbox.count_leads(session, query) == 0


def test_filter_stage(database, priority_leads):
    assert names(database, InboxQuery(now=NOW, stage="new")) == ["overdue 2h", "overdue 10m", "due soon", "due later"]


def test_filter_segment(database):
    with database.session() as session:
        add_lead(session, "enterprise", segment="enterprise_demo")
        add_lead(session, "general")

    assert names(database, InboxQuery(now=NOW, segment="enterprise_demo")) == ["enterprise"]


def test_filter_owner_name_and_id(database):
    with database.session() as session:
        ana = Rep(name="Ana Lopez")
        ben = Rep(name="Ben Ode")
        session.add_all([ana, ben])
        session.flush()
        add_lead(session, "ana's", owner_id=ana.id)
        add_lead(session, "ben's", owner_id=ben.id)
        add_lead(session, "nobody's")
        ana_id = ana.id

    assert names(database, InboxQuery(now=NOW, owner="ana lopez")) == ["ana's"]
    assert names(database, InboxQuery(now=NOW, owner=str(ana_id))) == ["ana's"]
    assert names(database, InboxQuery(now=NOW, owner="Nobody")) == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ACME", ["by company"]),
        ("cfo", ["by title"]),
        ("555-01", ["by phone"]),
        ("jo@example", ["by email"]),
        ("grace hop", ["Grace Hopper"]),
        ("100%", ["percent"]),
        ("_", []),
    ],
)
def test_filter_search(database, search, expected):
    with database.session() as session:
        add_lead(session, "by company", company="Acme Corp")
        add_lead(session, "by title", title="CFO")
        add_lead(session, "by phone", phone="+1 555-0100")
        add_lead(session, "by email", email="jo@example.com")
        add_lead(session, None, first_name="Grace", last_name="Hopper")
        add_lead(session, "percent", company="100% Juice")

    assert names(database, InboxQuery(now=NOW, search=search)) == expected


def test_sort_key_overrides_priority(database, priority_leads):
    ascending = names(database, InboxQuery(now=NOW, sort_key="name"))
    descending = names(database, InboxQuery(now=NOW, sort_key="name", descending=True))

    assert ascending == sorted(ascending, key=str.lower)
    assert descending == list(reversed(ascending))


def test_query_rejects_bad_values():
    with pytest.raises(ValueError, match="naive"):
        InboxQuery(now=datetime(2024, 5, 6, 12, 0))
    with pytest.raises(ValueError, match="unknown sort key 'colour'"):
        InboxQuery(now=NOW, sort_key="colour")


def test_fetch_rows_keeps_given_order(database, priority_leads):
    with database.session() as session:
        ids = inbox.list_lead_ids(session, InboxQuery(now=NOW))
        requested = [ids[3], ids[0], uuid.uuid4(), ids[1]]

        rows = inbox.fetch_rows(session, requested, NOW)

    assert [row.id for row in rows] == [ids[3], ids[0], ids[1]]
    assert rows[1].state is ResponseState.OVERDUE
    assert rows[0].state is ResponseState.WAITING
    assert rows[1].segment_label == "General website visitor"


def test_fetch_rows_spans_chunks(database):
    with database.session() as session:
        for number in range(inbox.MAX_IDS_PER_QUERY + 20):
            add_lead(session, f"lead {number}", score=number)
    with database.session() as session:
        ids = inbox.list_lead_ids(session, InboxQuery(now=NOW))

        rows = inbox.fetch_rows(session, ids, NOW)

    assert [row.id for row in rows] == ids


def test_page_matches_id_list(database, priority_leads):
    query = InboxQuery(now=NOW)
    with database.session() as session:
        ids = inbox.list_lead_ids(session, query)

        first = inbox.page(session, query, 0, 4)
        second = inbox.page(session, query, 4, 4)
        rest = inbox.page(session, query, 8, None)

    assert [row.id for row in first + second + rest] == ids
    assert len(first) == 4


def test_page_rejects_negative_offset(database):
    with database.session() as session, pytest.raises(ValueError, match="offset"):
        inbox.page(session, InboxQuery(now=NOW), -1, 10)


def test_count_states(database, priority_leads):
    with database.session() as session:
        counts = inbox.count_states(session, NOW)

    assert counts == {"overdue": 2, "due_soon": 1}


def test_count_states_empty(database):
    with database.session() as session:
        assert inbox.count_states(session, NOW) == {"overdue": 0, "due_soon": 0}


def test_row_to_json(database):
    with database.session() as session:
        rep = Rep(name="Ana")
        session.add(rep)
        session.flush()
        lead_id = add_lead(session, "Jo", email="jo@example.com", company="Acme", owner_id=rep.id, **due(-1))
        (row,) = inbox.fetch_rows(session, [lead_id], NOW)

    data = row.to_json()

    assert data["id"] == str(lead_id)
    assert data["name"] == "Jo"
    assert data["email"] == "jo@example.com"
    assert data["company"] == "Acme"
    assert data["owner"] == "Ana"
    assert data["segment"] == "general"
    assert data["stage"] == "new"
    assert data["state"] == "overdue"
    assert data["received_at"] == "2024-05-05T12:00:00Z"
    assert data["response_due_at"] == "2024-05-06T11:59:00Z"
    assert data["first_contacted_at"] is None


def test_row_state_at_later(database):
    with database.session() as session:
        lead_id = add_lead(session, "Jo", **due(30))
        (row,) = inbox.fetch_rows(session, [lead_id], NOW)

    assert row.state is ResponseState.WAITING
    assert row.state_at(NOW + timedelta(minutes=25)) is ResponseState.DUE_SOON
    assert row.state_at(NOW + timedelta(minutes=30)) is ResponseState.OVERDUE


def test_row_version_follows_writes(database):
    with database.session() as session:
        lead_id = add_lead(session, "Jo", **due(30))
    with database.session() as session:
        (before,) = inbox.fetch_rows(session, [lead_id], NOW)
    with database.session() as session:
        lead_actions.mark_contacted(session, lead_id, NOW, "tester")

        (inside_write,) = inbox.fetch_rows(session, [lead_id], NOW)

    assert before.row_version == 1
    assert inside_write.row_version == 2
    assert inside_write.state is ResponseState.CONTACTED


def test_owner_exists_by_name_or_id(database):
    with database.session() as session:
        rep = Rep(name="Ana Lopez")
        session.add(rep)
        session.add(Rep(name="Bo Chen"))
        session.flush()
        rep_id = rep.id

    with database.session() as session:
        assert inbox.owner_exists(session, "ana lopez ")
        assert inbox.owner_exists(session, str(rep_id))
        assert not inbox.owner_exists(session, "nobody")
        assert not inbox.owner_exists(session, str(uuid.uuid4()))
        assert inbox.rep_names(session) == ["Ana Lopez", "Bo Chen"]
