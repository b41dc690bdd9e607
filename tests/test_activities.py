"""Timeline activities: call outcomes, and the first call or email stopping the response clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import Activity, ActivityKind, CallOutcome, Lead
from leaddesk.services.activities import ActivityError, log_activity
from leaddesk.services.sla import ResponseState, response_state

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    with database.session() as session:
        lead = Lead(
            full_name="Jo Doe",
            received_at=NOW - timedelta(minutes=20),
            response_due_at=NOW + timedelta(minutes=10),
            response_warn_at=NOW + timedelta(minutes=2),
        )
        session.add(lead)
        session.flush()
        return lead.id


def test_first_call_stops_clock(database, lead_id):
    called_at = NOW - timedelta(minutes=3)
    with database.session() as session:
        logged = log_activity(
            session, lead_id, ActivityKind.CALL, "", "ana", NOW, occurred_at=called_at, outcome=CallOutcome.VOICEMAIL
        )

    assert logged.first_contact is True
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        activity = session.get(Activity, logged.activity_id)
        assert lead.first_contacted_at == called_at
        assert lead.stage == "contacted"
        assert response_state(lead.first_contacted_at, lead.response_due_at, lead.response_warn_at, NOW) is (
            ResponseState.CONTACTED
        )
        assert activity.kind == "call"
        assert activity.outcome == "voicemail"
        assert activity.summary == "Call: voicemail"
        assert activity.occurred_at == called_at


def test_second_contact_keeps_first_time(database, lead_id):
    with database.session() as session:
        log_activity(session, lead_id, ActivityKind.EMAIL, "Intro mail", "ana", NOW)
    with database.session() as session:
        later = log_activity(
            session, lead_id, ActivityKind.CALL, "", "ana", NOW + timedelta(hours=1), outcome=CallOutcome.CONNECTED
        )

    assert later.first_contact is False
    with database.session() as session:
        assert session.get(Lead, lead_id).first_contacted_at == NOW


@pytest.mark.parametrize("kind", [ActivityKind.MEETING, ActivityKind.NOTE])
def test_meeting_and_note_keep_clock(database, lead_id, kind):
    with database.session() as session:
        logged = log_activity(session, lead_id, kind, "Discussed pricing", "ana", NOW)

    assert logged.first_contact is False
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.first_contacted_at is None
        assert lead.stage == "new"


def test_invalid_activities_rejected(database, lead_id):
    with database.session() as session:
        with pytest.raises(ActivityError, match="a call needs an outcome; pick one of: connected, voicemail"):
            log_activity(session, lead_id, ActivityKind.CALL, "", "ana", NOW)
        with pytest.raises(ActivityError, match="only calls have an outcome; remove 'busy' from this email"):
            log_activity(session, lead_id, ActivityKind.EMAIL, "", "ana", NOW, outcome=CallOutcome.BUSY)
        with pytest.raises(ActivityError, match="is in the future"):
            log_activity(session, lead_id, ActivityKind.EMAIL, "", "ana", NOW, occurred_at=NOW + timedelta(hours=1))
        with pytest.raises(ActivityError, match="cannot log a 'merge' activity by hand"):
            log_activity(session, lead_id, ActivityKind.MERGE, "", "ana", NOW)
        with pytest.raises(ActivityError, match="the note is empty"):
            log_activity(session, lead_id, ActivityKind.NOTE, "  ", "ana", NOW)
        with pytest.raises(ActivityError, match="not found"):
            log_activity(session, uuid.uuid4(), ActivityKind.EMAIL, "", "ana", NOW)

    with database.session() as session:
        assert session.get(Lead, lead_id).first_contacted_at is None
