"""Saved views and their counters, on a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import Lead, LeadEvaluation, Rep
from leaddesk.services.saved_views import ViewContext, count_views, find_view, view_lead_ids

# Wednesday 6 May 2026, 12:00 UTC; the week began Monday 4 May 00:00 in Berlin (3 May 22:00 UTC).
NOW = datetime(2026, 5, 6, 12, 0, tzinfo=timezone.utc)
CONTEXT = ViewContext(now=NOW, rep_name="ana lopez", zone_name="Europe/Berlin")


@pytest.fixture
def leads(database) -> dict[str, object]:
    with database.session() as session:
        ana, ben = Rep(name="Ana Lopez"), Rep(name="Ben Ode")
        session.add_all([ana, ben])
        session.flush()
        rows = {
            "mine_overdue": Lead(full_name="A", owner_id=ana.id, response_due_at=NOW - timedelta(minutes=5)),
            "mine_contacted": Lead(
                full_name="B", owner_id=ana.id, response_due_at=NOW - timedelta(hours=1), first_contacted_at=NOW
            ),
            "bens_overdue": Lead(full_name="C", owner_id=ben.id, response_due_at=NOW - timedelta(minutes=5)),
            "mine_follow_up": Lead(full_name="D", owner_id=ana.id, next_follow_up_at=NOW - timedelta(minutes=1)),
            "sql_this_week": Lead(full_name="E", owner_id=ben.id, received_at=datetime(2026, 5, 3, 22, 30, tzinfo=timezone.utc)),
            "sql_last_week": Lead(full_name="F", owner_id=ben.id, received_at=datetime(2026, 5, 3, 21, 30, tzinfo=timezone.utc)),
            "unassigned": Lead(full_name="G"),
        }
        session.add_all(rows.values())
        session.flush()
        ids = {key: lead.id for key, lead in rows.items()}
    # A separate session, so the evaluation rows exist whether or not saving a lead evaluates it.
    with database.session() as session:
        for key in ("sql_this_week", "sql_last_week"):
            evaluation = session.get(LeadEvaluation, ids[key])
            if evaluation is None:
                evaluation = LeadEvaluation(
                    lead_id=ids[key],
                    fit_points=0,
                    engagement_points=0,
                    score_total=0,
                    grade="D",
                    score_parts=[],
                    qualification_reasons=[],
                    escalation_steps_done=0,
                )
                session.add(evaluation)
            evaluation.qualification = "sql"
    return ids


def test_counts_per_view(database, leads):
    with database.session() as session:
        counts = count_views(session, CONTEXT)

    assert counts == {"my_overdue": 1, "my_follow_ups": 1, "sqls_this_week": 1, "unassigned_new": 1}


def test_view_ids(database, leads):
    with database.session() as session:
        assert view_lead_ids(session, "my_overdue", CONTEXT) == {leads["mine_overdue"]}
        assert view_lead_ids(session, "sqls_this_week", CONTEXT) == {leads["sql_this_week"]}
        assert view_lead_ids(session, "unassigned_new", CONTEXT) == {leads["unassigned"]}


def test_mine_without_rep_is_empty(database, leads):
    nobody = ViewContext(now=NOW, rep_name=None, zone_name="Europe/Berlin")
    with database.session() as session:
        assert count_views(session, nobody)["my_overdue"] == 0


def test_unknown_view_rejected():
    with pytest.raises(ValueError, match="unknown saved view 'hot'; use one of: my_overdue"):
        find_view("hot")


def test_view_tabs_filter_inbox(qtbot, database, leads):
    from leaddesk.services.notifications.notifier import RecordingNotifier
    from leaddesk.services.playbook import set_team_timezone
    from leaddesk.ui.main_window import MainWindow

    with database.session() as session:
        set_team_timezone(session, "Europe/Berlin")
    window = MainWindow(database, clock=lambda: NOW, actor="Ana Lopez", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    tabs = window.filter_bar.view_tabs
    qtbot.waitUntil(lambda: tabs.tabText(1) == "My overdue (1)")

    assert [tabs.tabText(index) for index in range(tabs.count())] == [
        "All leads",
        "My overdue (1)",
        "My due follow-ups (1)",
        "SQLs this week (1)",
        "Unassigned new leads (1)",
    ]
    with qtbot.waitSignal(window.refreshed, timeout=5000):
        tabs.setCurrentIndex(1)
    assert window.model.rowCount() == 1
    assert window.model.lead_id(0) == leads["mine_overdue"]
