"""Sample leads give a new user a living inbox: some overdue, some due soon, some waiting."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.playbook import set_team_timezone
from leaddesk.services.sample_data import load_sample_leads
from leaddesk.services.sla import ResponseState, response_state

# A Wednesday at 11:00 UTC, inside business hours of a team in UTC.
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=timezone.utc)


def test_sample_leads_cover_every_state(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "UTC")

    created = load_sample_leads(database, NOW)

    with database.session() as session:
        leads = list(session.scalars(select(Lead)))
        states = {
            response_state(lead.first_contacted_at, lead.response_due_at, lead.response_warn_at, NOW)
            for lead in leads
        }
        segments = {lead.segment for lead in leads}
        owners = session.scalar(select(func.count(func.distinct(Lead.owner_id))))

    assert created == len(leads)
    assert created >= 10
    assert states == set(ResponseState)
    assert segments == {"enterprise_demo", "mid_market_form", "outbound_reply", "general"}
    assert owners == 2


def test_contacted_samples_have_deadlines(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "UTC")

    load_sample_leads(database, NOW)

    with database.session() as session:
        contacted = list(session.scalars(select(Lead).where(Lead.first_contacted_at.is_not(None))))

    assert len(contacted) >= 2
    for lead in contacted:
        assert lead.response_due_at is not None, lead.full_name
        assert lead.first_contacted_at <= lead.response_due_at, lead.full_name


def test_sample_sla_compliance_counts_contacts(database: Database) -> None:
    from leaddesk.services.reporting import ReportFilter, build_dashboard

    with database.session() as session:
        set_team_timezone(session, "UTC")
    load_sample_leads(database, NOW)

    report = build_dashboard(database, ReportFilter(), NOW)

    assert report.sla.overall.met >= 2
