"""Sample leads for a new user's first look at a living inbox."""

from __future__ import annotations

import csv
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Activity, ActivityKind, Lead, Rep
from leaddesk.services.database import Database
from leaddesk.services.paths import resources_dir
from leaddesk.services.playbook import load_playbook
from leaddesk.services.sla import start_response_clock

logger = logging.getLogger(__name__)

SAMPLE_FILE = "sample_leads.csv"
SAMPLE_ACTOR = "LeadDesk sample data"


def sample_file_path() -> Path:
    return resources_dir() / SAMPLE_FILE


def load_sample_leads(database: Database, now: datetime) -> int:
    """Create the sample leads with arrival times relative to now and return how many were created.

    Arrival times are minutes before now, so a few leads are always past their deadline
    and a few are close to it, whatever the day the user first opens LeadDesk.
    """
    with sample_file_path().open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))

    with database.session() as session:
        playbook = load_playbook(session)
        reps: dict[str, Rep] = {rep.name: rep for rep in session.scalars(select(Rep))}

        for record in records:
            lead = _lead_from_record(record, now, reps, session)
            start_response_clock(lead, playbook)
            if record["contacted"] == "yes":
                # Contacted after the clock started, as mark_contacted does, so the lead keeps its
                # deadline and SLA compliance counts it as met or breached.
                _mark_contacted(lead, record["owner"].strip())
            session.add(lead)

    logger.info("loaded %d sample leads into %s", len(records), database.path)
    return len(records)


def _lead_from_record(record: dict[str, str], now: datetime, reps: dict[str, Rep], session) -> Lead:
    received_at = now - timedelta(minutes=int(record["minutes_ago"]))
    owner_name = record["owner"].strip()
    owner = None
    if owner_name:
        owner = reps.get(owner_name)
        if owner is None:
            owner = Rep(name=owner_name)
            reps[owner_name] = owner
            session.add(owner)

    lead = Lead(
        first_name=record["first_name"],
        last_name=record["last_name"],
        email=record["email"],
        email_normalized=record["email"].strip().casefold(),
        phone=record["phone"],
        company=record["company"],
        title=record["title"],
        website=record["website"],
        domain=record["website"],
        city=record["city"],
        country=record["country"],
        industry=record["industry"],
        employee_count=int(record["employee_count"]),
        source=record["source"],
        owner=owner,
        score=int(record["score"]),
        received_at=received_at,
        updated_by=SAMPLE_ACTOR,
        custom_fields={},
    )
    lead.activities.append(
        Activity(kind=ActivityKind.IMPORT.value, occurred_at=received_at, summary="Sample lead", actor=SAMPLE_ACTOR)
    )
    return lead


def _mark_contacted(lead: Lead, owner_name: str) -> None:
    contacted_at = lead.received_at + timedelta(minutes=20)
    lead.first_contacted_at = contacted_at
    lead.stage = "contacted"
    lead.activities.append(
        Activity(kind=ActivityKind.CONTACTED.value, occurred_at=contacted_at, summary="Called", actor=owner_name)
    )
