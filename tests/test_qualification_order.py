"""Qualification history stays in time order when an evaluation is dated before the latest change."""

from __future__ import annotations


from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Lead, LeadEvaluation, QualificationChange
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.bulk_evaluation import evaluate_in_bulk
from leaddesk.services.database import Database
from leaddesk.services.evaluation import evaluate_leads
from leaddesk.services.playbook import set_team_timezone
from leaddesk.services.reporting import ReportFilter, build_dashboard
from qualification_leads import NOW, add_lead, day, make_sql


def qualification_rows(database, lead_id):
    with database.session() as session:
        query = select(QualificationChange).where(QualificationChange.lead_id == lead_id).order_by(QualificationChange.id)
        return [(row.previous, row.qualification, row.changed_at) for row in session.scalars(query)]


def test_past_evaluation_clamped_orm(any_database):
    with any_database.session() as session:
        session.info[SKIP_KEY] = True
        lead = add_lead(session, email="mia@acme.example", employee_count=80)
        evaluate_leads(session, day(5), [lead.id])
        make_sql(lead)
        evaluate_leads(session, day(1), [lead.id])
        lead.employee_count = 10
        evaluate_leads(session, day(8), [lead.id])
        lead_id = lead.id

    assert qualification_rows(any_database, lead_id) == [
        (None, "mql", day(5)),
        ("mql", "sql", day(5)),
        ("sql", None, day(8)),
    ]


def test_past_evaluation_clamped_bulk(database):
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = add_lead(session, email="lu@beta.example", employee_count=80)
        evaluate_in_bulk(session, [lead.id], day(3))
        make_sql(lead)
        session.flush()
        evaluate_in_bulk(session, [lead.id], day(2))
        lead_id = lead.id

    assert qualification_rows(database, lead_id) == [
        (None, "mql", day(3)),
        ("mql", "sql", day(3)),
    ]


def test_evaluate_cli_past_now(db_path):
    database = Database.open(db_path)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = add_lead(session, email="kim@acme.example", employee_count=80)
        lead_id = lead.id
    assert main(["evaluate", "--db", str(db_path), "--now", day(4).isoformat()]) == 0
    with database.session() as session:
        session.info[SKIP_KEY] = True
        make_sql(session.get(Lead, lead_id))

    assert main(["evaluate", "--db", str(db_path), "--now", day(1).isoformat()]) == 0

    assert qualification_rows(database, lead_id) == [
        (None, "mql", day(4)),
        ("mql", "sql", day(4)),
    ]
    database.dispose()


def test_out_of_order_spells_ignored(any_database):
    """Rows written out of order before the triggers clamped them leave no spell in the median."""
    with any_database.session() as session:
        session.info[SKIP_KEY] = True
        set_team_timezone(session, "UTC")
        steady = add_lead(session, full_name="Steady", source="steady")
        shuffled = add_lead(session, full_name="Shuffled", source="shuffled")
        for lead in (steady, shuffled):
            session.add(LeadEvaluation(lead_id=lead.id, qualification_reasons=[], score_parts=[]))
        session.flush()
        # Steady: MQL for 2 days, then SQL for 1 day.
        # Shuffled: recorded MQL on day 0, SQL on day 9, then None dated day 1, before the SQL row.
        rows = [(steady, None, "mql", day(0)), (steady, "mql", "sql", day(2)), (steady, "sql", None, day(3)),
                (shuffled, None, "mql", day(0)), (shuffled, "mql", "sql", day(9)), (shuffled, "sql", None, day(1))]
        for lead, previous, qualification, changed_at in rows:
            session.add(QualificationChange(lead_id=lead.id, previous=previous, qualification=qualification,
                                            changed_at=changed_at, backfilled=False))
            session.flush()

    report = build_dashboard(any_database, ReportFilter(), NOW)
    steps = {step.level: step for step in report.funnel.steps}

    # Read in time order, Shuffled would count MQL for 1 day and SQL from day 9 on.
    assert steps["mql"].median_days_in_stage == 2.0
    assert steps["sql"].median_days_in_stage == 1.0
    assert steps["sql"].reached == 2
