"""Every sequence step counts business days of the lead owner's calendar, not only the first."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import FollowUp, Lead, Rep, SequenceEnrollment
from leaddesk.services import sequences
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook import save_playbook_text, shipped_playbook_text

UTC = timezone.utc
# The team calendar that the caller passes: Berlin, no public holidays.
TEAM_CALENDAR = BusinessCalendar(timezone_name="Europe/Berlin")
# Thursday 21 May 2026, 10:00 in New York (EDT, UTC-4). Monday 25 May is Memorial Day.
ENROLLED_AT = datetime(2026, 5, 21, 14, 0, tzinfo=UTC)
OWNER_CALENDAR = """
[calendars.new_york]
timezone = "America/New_York"
holidays = "US"
[calendars.new_york.hours]
monday = ["09:00-17:00"]
tuesday = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday = ["09:00-17:00"]
friday = ["09:00-17:00"]

[reps.Cy]
calendar = "new_york"
"""


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        save_playbook_text(session, head + OWNER_CALENDAR)
        rep = Rep(name="Cy")
        lead = Lead(full_name="Jo Doe", received_at=ENROLLED_AT - timedelta(hours=1), owner=rep)
        session.add_all([rep, lead])
        session.flush()
        return lead.id


def _enrollment(database, lead_id) -> SequenceEnrollment:
    with database.session() as session:
        return session.scalars(select(SequenceEnrollment).where(SequenceEnrollment.lead_id == lead_id)).one()


def _run_steps(database, lead_id, count: int) -> list[datetime]:
    """Advance at each step's due instant and return those instants."""
    wakes = []
    now = ENROLLED_AT
    for _ in range(count):
        with database.session() as session:
            assert len(sequences.advance(session, now, TEAM_CALENDAR)) == 1
        wakes.append(now)
        now = _enrollment(database, lead_id).next_step_at
    return wakes


def test_later_steps_skip_weekend_and_holiday(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", ENROLLED_AT, TEAM_CALENDAR)

    wakes = _run_steps(database, lead_id, 4)

    # Days 0, 1, 3 and 6 of the shipped sequence count Cy's New York business days. Step 3
    # skips the weekend and Memorial Day, so it falls on Wednesday 27 May at 09:00 New York
    # (13:00 UTC). The Berlin team calendar would give Tuesday 26 May.
    assert wakes == [ENROLLED_AT, utc(2026, 5, 22, 13, 0), utc(2026, 5, 27, 13, 0), utc(2026, 6, 1, 13, 0)]
    assert _enrollment(database, lead_id).next_step_at == utc(2026, 6, 8, 13, 0)


def test_step_follow_ups_use_owner_timezone(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", ENROLLED_AT, TEAM_CALENDAR)

    _run_steps(database, lead_id, 3)

    with database.session() as session:
        rows = list(session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id).order_by(FollowUp.due_at)))
    assert [(row.due_local, row.time_zone) for row in rows] == [
        ("2026-05-21T10:00", "America/New_York"),
        ("2026-05-22T09:00", "America/New_York"),
        ("2026-05-27T09:00", "America/New_York"),
    ]


def test_resume_uses_owner_calendar(database, lead_id):
    with database.session() as session:
        enrollment_id = sequences.enroll(session, lead_id, "new_inbound", "ana", ENROLLED_AT, TEAM_CALENDAR).id
    _run_steps(database, lead_id, 2)
    with database.session() as session:
        sequences.pause(session, enrollment_id, "ana", utc(2026, 5, 22, 15, 0))

    # Resumed on Friday 22 May at 16:00 New York: step 3 waits 2 business days, past the
    # weekend and Memorial Day, to Wednesday 27 May.
    with database.session() as session:
        resumed = sequences.resume(session, enrollment_id, "ana", utc(2026, 5, 22, 20, 0), TEAM_CALENDAR)
        assert resumed.next_step_at == utc(2026, 5, 27, 13, 0)
