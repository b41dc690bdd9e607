"""A sequence step's follow-up keeps its enrolment on a teammate's device, so stopping there closes it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.models import FollowUp
from leaddesk.services import sequences
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, join_team, sync_pass
from sequence_leads import NOW, add_lead, enroll_and_advance


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
    lead_id = add_lead(ann)
    enrollment_id = enroll_and_advance(ann, lead_id, "ann")

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
