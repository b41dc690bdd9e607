"""Qualification history: triggers record MQL/SQL changes, and the funnel reports median days per stage."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Activity, LeadEvaluation, QualificationChange
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.bulk_evaluation import evaluate_in_bulk
from leaddesk.services.database import Database
from leaddesk.services.evaluation import evaluate_leads
from leaddesk.services.playbook import set_team_timezone
from leaddesk.services.reporting import ReportFilter, build_dashboard
from qualification_leads import NOW, add_lead, day, make_sql
from schema_revisions import upgrade_to


def qualification_rows(database, lead_id):
    with database.session() as session:
        query = select(QualificationChange).where(QualificationChange.lead_id == lead_id).order_by(QualificationChange.id)
        return [(row.previous, row.qualification, row.changed_at, row.backfilled) for row in session.scalars(query)]


def test_orm_evaluation_records_changes(any_database):
    database = any_database
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = add_lead(session, email="mia@acme.example", employee_count=80)
        evaluate_leads(session, day(0), [lead.id])
        make_sql(lead)
        evaluate_leads(session, day(2), [lead.id])
        lead.employee_count = 10
        evaluate_leads(session, day(5), [lead.id])
        # Evaluating again without a change records nothing.
        evaluate_leads(session, day(6), [lead.id])
        lead_id = lead.id

    assert qualification_rows(any_database, lead_id) == [
        (None, "mql", day(0), False),
        ("mql", "sql", day(2), False),
        ("sql", None, day(5), False),
    ]


def test_bulk_evaluation_records_changes(database):
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = add_lead(session, email="lu@beta.example", employee_count=80)
        evaluate_in_bulk(session, [lead.id], day(1))
        make_sql(lead)
        session.flush()
        evaluate_in_bulk(session, [lead.id], day(3))
        evaluate_in_bulk(session, [lead.id], day(4))
        lead_id = lead.id

    assert qualification_rows(database, lead_id) == [
        (None, "mql", day(1), False),
        ("mql", "sql", day(3), False),
    ]


def build_spells(database) -> None:
    """Write four leads whose MQL and SQL spells are known to the minute.

    P: MQL on day 0, SQL on day 2, unqualified on day 3.5 (2 days MQL, 1.5 days SQL).
    Q: MQL on day 1, won on day 5 while still MQL (4 days MQL).
    R: MQL on day 2 and still MQL, so its spell has no end and does not count.
    S: backfilled MQL, SQL on day 6: the MQL start is unknown, so only its SQL state counts.
    """
    with database.session() as session:
        session.info[SKIP_KEY] = True
        set_team_timezone(session, "UTC")
        leads = {letter: add_lead(session, full_name=letter, source=f"source {letter}") for letter in "PQRS"}
        changes = {
            "P": [(day(0), "mql"), (day(2), "sql"), (day(3.5), None)],
            "Q": [(day(1), "mql")],
            "R": [(day(2), "mql")],
            "S": [(day(6), "sql")],
        }
        for letter, lead in leads.items():
            evaluation = LeadEvaluation(lead_id=lead.id, qualification_reasons=[], score_parts=[])
            session.add(evaluation)
            session.flush()
            for when, qualification in changes[letter]:
                evaluation.qualification = qualification
                evaluation.evaluated_at = when
                session.flush()
        session.add(QualificationChange(lead_id=leads["S"].id, previous=None, qualification="mql", changed_at=day(0),
                                        backfilled=True))
        leads["Q"].stage = "won"
        session.add(Activity(lead_id=leads["Q"].id, kind="stage_change", occurred_at=day(5),
                             summary="Stage changed from new to won"))


def test_funnel_median_days_mql_sql(any_database):
    build_spells(any_database)

    report = build_dashboard(any_database, ReportFilter(), NOW)
    steps = {step.level: step for step in report.funnel.steps}

    # MQL spells: P 2 days and Q 4 days. R is still MQL, and S's start is unknown.
    assert steps["mql"].median_days_in_stage == 3.0
    # SQL spells: P 1.5 days. S is still SQL.
    assert steps["sql"].median_days_in_stage == 1.5
    # No lead was contacted, and Q went from MQL straight to won, so those levels count as skipped.
    assert [steps[level].reached for level in ("new", "contacted", "mql", "sql", "won")] == [4, 0, 4, 2, 1]
    assert steps["contacted"].skipped == 4
    assert steps["sql"].skipped == 1


def test_funnel_counts_past_qualification(database):
    build_spells(database)

    report = build_dashboard(database, ReportFilter(sources=frozenset({"source P"})), NOW)
    steps = {step.level: step for step in report.funnel.steps}

    # P is unqualified now, but its history shows MQL and then SQL.
    assert [steps[level].reached for level in ("new", "contacted", "mql", "sql", "won")] == [1, 0, 1, 1, 0]
    assert steps["mql"].skipped == 0
    assert steps["sql"].skipped == 0
    assert steps["contacted"].skipped == 1


def test_migration_backfills_qualification(db_path: Path):
    upgrade_to(db_path, "0013")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, segment, stage, score, custom_fields, received_at, created_at, updated_at, "
            "row_version) VALUES ('0123456789abcdef0123456789abcdef', 'general', 'new', 0, '{}', "
            "'2026-01-05 10:00:00.000000', '2026-01-05 10:00:00.000000', '2026-01-05 10:00:00.000000', 1)"
        )
        connection.execute(
            "INSERT INTO lead_evaluations (lead_id, qualification, qualification_reasons, fit_points, "
            "engagement_points, score_total, grade, score_parts, escalation_steps_done, evaluated_at) VALUES "
            "('0123456789abcdef0123456789abcdef', 'mql', '[]', 0, 0, 0, 'D', '[]', 0, '2026-01-07 08:30:00.000000')"
        )
    connection.close()

    opened = Database.open(db_path)
    with opened.session() as session:
        rows = [(row.qualification, row.changed_at, row.backfilled) for row in session.scalars(select(QualificationChange))]
    opened.dispose()

    assert rows == [("mql", datetime(2026, 1, 7, 8, 30, tzinfo=timezone.utc), True)]
