"""Leads that arrive by team sync get the derived values and evaluation that an import gives them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, ActivityKind, Lead, LeadEvaluation
from leaddesk.services.database import Database
from leaddesk.services.enrichment import DERIVED_VERSION
from leaddesk.services.sync import create_team, join_team, sync_pass


@pytest.fixture
def team(tmp_path: Path):
    """Two devices with their own databases sharing one team folder."""
    ann = Database.open(tmp_path / "ann" / "leads.sqlite")
    bob = Database.open(tmp_path / "bob" / "leads.sqlite")
    create_team(ann, tmp_path / "Team", "Acme", person="Ann", device_name="ann-laptop")
    yield ann, bob, tmp_path / "Team"
    ann.dispose()
    bob.dispose()


def add_leads(database: Database, count: int) -> list[uuid.UUID]:
    with database.session() as session:
        leads = [
            Lead(full_name=f"Lead {n}", email=f"lead{n}@example.com", company=f"Company {n}", title="CEO", country="DE", employee_count=250)
            for n in range(count)
        ]
        session.add_all(leads)
        session.flush()
        return [lead.id for lead in leads]


def evaluations(database: Database) -> dict[uuid.UUID, tuple]:
    with database.session() as session:
        rows = session.execute(
            select(LeadEvaluation.lead_id, LeadEvaluation.qualification, LeadEvaluation.grade,
                   LeadEvaluation.score_total, LeadEvaluation.engagement_points)
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def derived(database: Database) -> dict[uuid.UUID, tuple]:
    with database.session() as session:
        rows = session.execute(select(Lead.id, Lead.derived_version, Lead.match_keys_hash))
        return {row[0]: (row[1], row[2]) for row in rows}


def test_joined_device_evaluates_synced_leads(team) -> None:
    ann, bob, folder = team
    lead_ids = add_leads(ann, 30)
    sync_pass(ann)

    join_team(bob, folder, person="Bob", device_name="bob-laptop")
    report = sync_pass(bob)

    assert report.leads_evaluated == 30
    assert sorted(evaluations(bob)) == sorted(lead_ids)
    assert evaluations(bob) == evaluations(ann)
    assert all(version == DERIVED_VERSION for version, _keys in derived(bob).values())
    assert all(keys is not None for _version, keys in derived(bob).values())


def test_later_single_lead_evaluated(team) -> None:
    ann, bob, folder = team
    join_team(bob, folder, person="Bob", device_name="bob-laptop")
    add_leads(ann, 2)
    sync_pass(ann)
    sync_pass(bob)

    with ann.session() as session:
        late = Lead(full_name="Late Lena", email="lena@example.org", title="VP Sales")
        session.add(late)
        session.flush()
        late_id = late.id
    sync_pass(ann)
    report = sync_pass(bob)

    assert report.leads_evaluated == 1
    assert evaluations(bob)[late_id] == evaluations(ann)[late_id]
    assert derived(bob)[late_id][0] == DERIVED_VERSION


def test_synced_activity_reevaluates_its_lead(team) -> None:
    ann, bob, folder = team
    join_team(bob, folder, person="Bob", device_name="bob-laptop")
    [lead_id] = add_leads(ann, 1)
    sync_pass(ann)
    sync_pass(bob)
    before = evaluations(bob)[lead_id]

    with ann.session() as session:
        for _ in range(3):
            session.add(Activity(lead_id=lead_id, kind=ActivityKind.MEETING.value, summary="Demo", occurred_at=datetime.now(timezone.utc)))
    sync_pass(ann)
    report = sync_pass(bob)

    assert report.leads_evaluated == 1
    assert evaluations(bob)[lead_id] == evaluations(ann)[lead_id]
    assert evaluations(bob)[lead_id][3] > before[3], "three meetings should add engagement points"
