"""A sequence step's follow-up keeps its enrolment on a teammate's device, so stopping there closes it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leaddesk.models import FollowUp
from leaddesk.services import sequences
from leaddesk.services.sync import sync_pass
from sequence_leads import NOW, add_lead, enroll_and_advance
from team_devices import team_devices  # noqa: F401 (fixture)


def test_step_follow_up_syncs_with_enrollment(team_devices):
    ann, bob = team_devices
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
