"""Leads are re-evaluated against the playbook when they or their activities change."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from leaddesk.models import Activity, Lead, LeadEvaluation
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.database import Database


def _evaluation(database: Database, lead_id) -> LeadEvaluation | None:
    with database.session() as session:
        found = session.get(LeadEvaluation, lead_id)
        if found is not None:
            session.expunge(found)
        return found


def test_new_lead_evaluated_on_flush(database: Database) -> None:
    with database.session() as session:
        lead = Lead(email="cfo@acme.com", title="CFO", employee_count=900, stage="new", segment="general")
        session.add(lead)
        session.flush()
        lead_id = lead.id

    stored = _evaluation(database, lead_id)
    assert stored is not None
    assert (stored.qualification, stored.fit_points, stored.grade) == ("mql", 45, "C")


def test_activity_raises_engagement_and_qualifies(database: Database) -> None:
    with database.session() as session:
        lead = Lead(email="cfo@acme.com", title="CFO", employee_count=900, stage="new", segment="general")
        session.add(lead)
        session.flush()
        lead_id = lead.id
    before = _evaluation(database, lead_id)

    with database.session() as session:
        occurred = datetime.now(timezone.utc) - timedelta(minutes=1)
        session.add(Activity(lead_id=lead_id, kind="meeting", summary="Demo requested", occurred_at=occurred))

    after = _evaluation(database, lead_id)
    assert (before.qualification, before.engagement_points) == ("mql", 0)
    assert (after.qualification, after.engagement_points) == ("sql", 25)


def test_lead_edit_updates_evaluation(database: Database) -> None:
    with database.session() as session:
        lead = Lead(email="ana@acme.com", employee_count=20, stage="new", segment="general")
        session.add(lead)
        session.flush()
        lead_id = lead.id

    with database.session() as session:
        session.get(Lead, lead_id).employee_count = 80

    assert _evaluation(database, lead_id).qualification == "mql"


def test_skip_key_turns_listener_off(database: Database) -> None:
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = Lead(email="ana@acme.com", stage="new", segment="general")
        session.add(lead)
        session.flush()
        lead_id = lead.id

    assert _evaluation(database, lead_id) is None


def test_broken_evaluation_never_blocks_save(database: Database, monkeypatch, caplog) -> None:
    from leaddesk.services import evaluation

    def fail(*_args, **_kwargs):
        raise RuntimeError("rule failed")

    monkeypatch.setattr(evaluation, "evaluate_lead", fail)
    with database.session() as session:
        lead = Lead(email="ana@acme.com", stage="new", segment="general")
        session.add(lead)
        session.flush()
        lead_id = lead.id

    with database.session() as session:
        assert session.get(Lead, lead_id) is not None
    assert "evaluating lead" in caplog.text
