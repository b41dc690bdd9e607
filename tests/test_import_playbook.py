"""After an import commits, its leads are routed and evaluated in bulk; typed-in leads are routed too."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, Lead, LeadEvaluation, Rep
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.bulk_evaluation import evaluate_in_bulk
from leaddesk.services.evaluation import evaluate_lead, set_score_override
from leaddesk.services.importing.importer import run_import as import_file
from leaddesk.services.lead_create import create_lead
from leaddesk.services.playbook import check_playbook, load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.post_import_jobs import run_post_import_jobs


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


# Wednesday 2026-12-09 12:00 UTC, inside the UTC team calendar's 09:00-18:00.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)

ROUND_ROBIN = """
[routing]
assign_new_leads = true

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben"]

[reps.Ana]
capacity = 2
"""

HEADER = ["first_name", "last_name", "email", "title", "employees", "source"]
ROWS = [
    ["Sol", "Strong", "sol@bigcorp.example", "VP Sales", "800", "Demo request"],
    ["Mia", "Medium", "mia@midco.example", "Analyst", "60", "Website form"],
    ["Wes", "Weak", "wes@gmail.com", "", "", ""],
    ["Tia", "Third", "tia@thirdco.example", "Engineer", "20", "Website form"],
]


def run_import(database, path, **options):
    """Import path and run its post-import job, as `leaddesk import` does before it exits."""
    report = import_file(database, path, **options)
    run_post_import_jobs(database)
    return report


def write_csv(path: Path, rows: list[list[str]] = ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def use_playbook(database, routing: str | None) -> None:
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        set_team_timezone(session, "UTC")
        if routing is not None:
            save_playbook_text(session, head + routing)
        for name in ("Ana", "Ben"):
            session.add(Rep(name=name))


def evaluations_by_email(database) -> dict[str, LeadEvaluation]:
    with database.session() as session:
        statement = select(Lead.email, LeadEvaluation).join(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
        found = {email: evaluation for email, evaluation in session.execute(statement)}
        session.expunge_all()
    return found


def owners_by_email(database) -> dict[str, str | None]:
    with database.session() as session:
        statement = select(Lead.email, Rep.name).outerjoin(Rep, Rep.id == Lead.owner_id)
        return dict(session.execute(statement).all())


def test_import_evaluates_new_leads(database, tmp_path):
    report = run_import(database, write_csv(tmp_path / "leads.csv"), now=NOW)
    assert report.created == 4

    evaluations = evaluations_by_email(database)
    assert set(evaluations) == {row[2] for row in ROWS}
    strong = evaluations["sol@bigcorp.example"]
    assert strong.score_total == 45
    assert strong.grade == "C"
    assert strong.qualification == "sql"
    assert strong.evaluated_at == NOW
    assert evaluations["mia@midco.example"].qualification == "mql"
    assert evaluations["wes@gmail.com"].qualification is None


def test_reimport_keeps_override(database, tmp_path):
    run_import(database, write_csv(tmp_path / "first.csv"), now=NOW)
    with database.session() as session:
        lead = session.scalars(select(Lead).where(Lead.email == "wes@gmail.com")).one()
        set_score_override(session, lead, 77, "met at a fair", NOW)

    changed = [["Wes", "Weak", "wes@gmail.com", "CEO", "", ""]]
    report = run_import(database, write_csv(tmp_path / "second.csv", changed), now=NOW + timedelta(hours=1))
    assert report.updated == 1

    weak = evaluations_by_email(database)["wes@gmail.com"]
    assert weak.score_override == 77
    assert weak.score_total == 77
    assert weak.evaluated_at == NOW + timedelta(hours=1)
    # The new CEO title counts in the computed parts even though the override wins.
    assert weak.fit_points == 20


def test_bulk_matches_single_evaluation(database):
    with database.session() as session:
        session.info[SKIP_KEY] = True
        leads = []
        for index, (title, employees) in enumerate([("VP Sales", 900), ("Engineer", 40), (None, None)]):
            lead = Lead(
                email=f"person{index}@company{index}.example",
                title=title,
                employee_count=employees,
                received_at=NOW - timedelta(days=2),
                first_contacted_at=NOW - timedelta(days=1),
                segment="general",
                stage="contacted",
                custom_fields={},
            )
            session.add(lead)
            leads.append(lead)
        session.flush()
        for days in (1, 3, 20):
            session.add(Activity(lead_id=leads[0].id, kind="note", summary="pricing viewed", occurred_at=NOW - timedelta(days=days)))
        session.add(Activity(lead_id=leads[1].id, kind="meeting", summary="", occurred_at=NOW - timedelta(days=2)))
        session.flush()
        ids = [lead.id for lead in leads]

    with database.session() as session:
        assert evaluate_in_bulk(session, ids, NOW) == 3
    bulk = {}
    with database.session() as session:
        for lead_id in ids:
            bulk[lead_id] = session.get(LeadEvaluation, lead_id)
        session.expunge_all()

    with database.session() as session:
        session.info[SKIP_KEY] = True
        playbook = load_playbook(session)
        for lead_id in ids:
            lead = session.get(Lead, lead_id)
            evaluate_lead(session, lead, playbook, NOW)
            single = session.get(LeadEvaluation, lead_id)
            stored = bulk[lead_id]
            assert stored.score_total == single.score_total
            assert stored.fit_points == single.fit_points
            assert stored.engagement_points == single.engagement_points
            assert stored.grade == single.grade
            assert stored.qualification == single.qualification
            assert stored.qualification_reasons == single.qualification_reasons
            assert stored.score_parts == single.score_parts
            assert stored.speed_to_lead_seconds == single.speed_to_lead_seconds
            assert stored.speed_to_lead_business_seconds == single.speed_to_lead_business_seconds
    assert bulk[ids[0]].engagement_points > 0


def test_import_routes_unowned_leads(database, tmp_path):
    use_playbook(database, ROUND_ROBIN)
    run_import(database, write_csv(tmp_path / "leads.csv"), now=NOW)

    owners = owners_by_email(database)
    assert sorted(owners.values()) == ["Ana", "Ana", "Ben", "Ben"]
    with database.session() as session:
        entries = session.scalars(select(Activity).where(Activity.kind == "assignment")).all()
        summaries = [entry.summary for entry in entries]
    assert len(summaries) == 4
    assert all(summary.startswith("Assigned on arrival to ") for summary in summaries)
    assert all("round-robin" in summary for summary in summaries)


def test_import_routing_respects_capacity(database, tmp_path):
    use_playbook(database, ROUND_ROBIN.replace('reps = ["Ana", "Ben"]', 'reps = ["Ana"]'))
    run_import(database, write_csv(tmp_path / "leads.csv"), now=NOW)

    owners = owners_by_email(database)
    # Ana's capacity of 2 open leads counts the leads assigned earlier in the same import.
    assert sorted(owner or "" for owner in owners.values()) == ["", "", "Ana", "Ana"]


def test_import_routing_off(database, tmp_path):
    use_playbook(database, ROUND_ROBIN.replace("assign_new_leads = true", "assign_new_leads = false"))
    run_import(database, write_csv(tmp_path / "leads.csv"), now=NOW)
    assert set(owners_by_email(database).values()) == {None}


def test_historical_import_not_routed(database, tmp_path):
    use_playbook(database, ROUND_ROBIN)
    run_import(database, write_csv(tmp_path / "leads.csv"), now=NOW, historical=True)
    assert set(owners_by_email(database).values()) == {None}
    assert len(evaluations_by_email(database)) == 4


def test_typed_lead_routed_and_logged(database):
    use_playbook(database, ROUND_ROBIN)
    with database.session() as session:
        lead_id = create_lead(session, {"first_name": "Nia", "email": "nia@newco.example"}, "tester", NOW)
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.owner is not None
        assert lead.owner.name == "Ana"
        entries = session.scalars(select(Activity).where(Activity.lead_id == lead_id, Activity.kind == "assignment")).all()
        assert len(entries) == 1
        assert "by routing rule 'Pool' (round_robin)" in entries[0].summary
        assert "next in round-robin order" in entries[0].summary


def test_typed_lead_unrouted_without_rules(database):
    use_playbook(database, None)
    with database.session() as session:
        lead_id = create_lead(session, {"first_name": "Nia"}, "tester", NOW)
    with database.session() as session:
        assert session.get(Lead, lead_id).owner_id is None


def test_invalid_assign_flag_reported():
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    issues = check_playbook(head + '[routing]\nassign_new_leads = "yes"\n')
    assert len(issues) == 1
    assert "routing.assign_new_leads" in str(issues[0])
    assert "expected true or false, got 'yes'" in str(issues[0])
