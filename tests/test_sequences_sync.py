"""A sequence step's follow-up keeps its enrolment on a teammate's device, so stopping there closes it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import FollowUp, Lead
from leaddesk.services import sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, join_team, sync_pass

CALENDAR = BusinessCalendar(timezone_name="Europe/Berlin")
# Thursday 7 May 2026, 10:00 in Berlin.
NOW = datetime(2026, 5, 7, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def team(tmp_path: Path):
    """Two devices sharing one team folder, as if the sync tool delivered every file at once."""
    ann = Database.open(tmp_path / "ann" / "leads.sqlite")
    bob = Database.open(tmp_path / "bob" / "leads.sqlite")
    create_team(ann, tmp_path / "Team", "Acme", person="Ann", device_name="ann-laptop")
    join_team(bob, tmp_path / "Team", person="Bob", device_name="bob-laptop")
    yield ann, bob
    ann.dispose()
    bob.dispose()


def test_step_follow_up_syncs_with_enrollment(team):
    ann, bob = team
    with ann.session() as session:
        lead = Lead(full_name="Jo Doe", received_at=NOW - timedelta(hours=1))
        session.add(lead)
        session.flush()
        lead_id = lead.id
        enrollment_id = sequences.enroll(session, lead_id, "new_inbound", "ann", NOW, CALENDAR).id
    with ann.session() as session:
        sequences.advance(session, NOW, CALENDAR)

    # One pass each: the enrolment and its step follow-up arrive on bob's device together.
    sync_pass(ann)
    sync_pass(bob)

    with bob.session() as session:
        step = session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id)).one()
        assert step.enrollment_id == enrollment_id
        sequences.stop(session, enrollment_id, "bob", NOW + timedelta(minutes=5))
    with bob.session() as session:
        assert session.get(FollowUp, step.id).completed_at == NOW + timedelta(minutes=5)

    sync_pass(bob)
    sync_pass(ann)
    with ann.session() as session:
        assert session.get(FollowUp, step.id).completed_at == NOW + timedelta(minutes=5)
        assert session.get(FollowUp, step.id).enrollment_id == enrollment_id
