"""Leads and dates shared by the qualification history tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from leaddesk.models import Lead

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=timezone.utc)


def day(days: float) -> datetime:
    return T0 + timedelta(days=days)


def add_lead(session, **fields) -> Lead:
    lead = Lead(segment="general", stage="new", received_at=T0, **fields)
    session.add(lead)
    session.flush()
    return lead


def make_sql(lead: Lead) -> None:
    """Change the fields the shipped playbook's SQL rule reads, so the lead qualifies as SQL."""
    lead.employee_count = 800
    lead.seniority = "director"
    lead.source = "demo request"
