"""Sequences: steps in business days become follow-ups, pause on reply or meeting, stop on closed stages."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import ActivityKind, FollowUp, Lead, SequenceEnrollment
from leaddesk.services import lead_actions, scheduler, sequences
from leaddesk.services.activities import log_activity
from leaddesk.services.notifications.preferences import NotifyPreferences
from leaddesk.services.sequences import SequenceError, business_days_after
from sequence_leads import CALENDAR, NOW, add_lead

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    return add_lead(database)


def enrollment(database, lead_id) -> SequenceEnrollment:
    with database.session() as session:
        return session.scalars(select(SequenceEnrollment).where(SequenceEnrollment.lead_id == lead_id)).one()


def follow_up_notes(database, lead_id) -> list[tuple[str, datetime]]:
    with database.session() as session:
        rows = session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id).order_by(FollowUp.due_at))
        return [(row.note, row.due_at) for row in rows]


def advance(database, now: datetime) -> list[uuid.UUID]:
    with database.session() as session:
        return sequences.advance(session, now, CALENDAR)


def test_business_days_skip_weekend():
    friday = utc(2026, 5, 8, 12, 0)

    assert business_days_after(CALENDAR, friday, 0) == friday
    assert business_days_after(CALENDAR, friday, 1) == utc(2026, 5, 11, 7, 0)
    assert business_days_after(CALENDAR, friday, 3) == utc(2026, 5, 13, 7, 0)


def test_steps_progress_in_business_days(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)

    wakes = []
    now = NOW
    for _ in range(5):
        assert len(advance(database, now)) == 1
        wakes.append(now)
        now = enrollment(database, lead_id).next_step_at or now

    assert wakes == [
        NOW,
        utc(2026, 5, 8, 7, 0),
        utc(2026, 5, 12, 7, 0),
        utc(2026, 5, 15, 7, 0),
        utc(2026, 5, 22, 7, 0),
    ]
    notes = [note for note, _due in follow_up_notes(database, lead_id)]
    assert notes[0] == "New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email"
    assert notes[4] == "New inbound lead, step 5 of 5 (call): Last call before closing the loop"
    finished = enrollment(database, lead_id)
    assert (finished.status, finished.next_step_at, finished.step_index) == ("finished", None, 5)


def test_step_not_due_creates_nothing(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    advance(database, NOW)

    assert advance(database, utc(2026, 5, 8, 6, 59)) == []
    assert len(follow_up_notes(database, lead_id)) == 1


def test_reply_pauses_then_resume(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    advance(database, NOW)
    with database.session() as session:
        log_activity(session, lead_id, ActivityKind.REPLY, "Thanks, call me next week", "ana", NOW + timedelta(hours=2))

    paused = enrollment(database, lead_id)
    assert (paused.status, paused.status_reason, paused.next_step_at) == ("paused", "the lead replied", None)
    assert advance(database, utc(2026, 5, 20, 8, 0)) == []

    # Resumed on Wednesday 20 May; the call step waits its one business day.
    with database.session() as session:
        resumed = sequences.resume(session, paused.id, "ana", utc(2026, 5, 20, 8, 0), CALENDAR)
        assert resumed.next_step_at == utc(2026, 5, 21, 7, 0)


def test_meeting_pauses(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        log_activity(session, lead_id, ActivityKind.MEETING, "Demo booked", "ana", NOW)

    assert enrollment(database, lead_id).status_reason == "a meeting was logged"


def test_won_stops_sequence(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    with database.session() as session:
        lead_actions.change_stage(session, lead_id, "won", "ana", NOW)

    stopped = enrollment(database, lead_id)
    assert (stopped.status, stopped.status_reason) == ("stopped", "the lead moved to won")
    assert advance(database, NOW + timedelta(days=30)) == []


def test_stage_set_elsewhere_stops_at_advance(database, lead_id):
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        session.get(Lead, lead_id).stage = "disqualified"

    assert advance(database, NOW) == []
    assert enrollment(database, lead_id).status == "stopped"


def test_enroll_rejects_bad_requests(database, lead_id):
    with database.session() as session:
        with pytest.raises(SequenceError, match="unknown sequence 'spam'; use one of: new_inbound, reengage"):
            sequences.enroll(session, lead_id, "spam", "ana", NOW, CALENDAR)
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        with pytest.raises(SequenceError, match="already in 'New inbound lead'"):
            sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        session.get(Lead, lead_id).stage = "lost"
        with pytest.raises(SequenceError, match="is lost; move it to an open stage"):
            sequences.enroll(session, lead_id, "reengage", "ana", NOW, CALENDAR)


def test_scheduler_wakes_for_next_step(database, lead_id):
    preferences = NotifyPreferences(user="ana", zone_name="Europe/Berlin")
    with database.session() as session:
        scheduler.check(session, preferences, NOW - timedelta(minutes=1), CALENDAR)
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    with database.session() as session:
        first = scheduler.check(session, preferences, NOW, CALENDAR)
    with database.session() as session:
        second = scheduler.check(session, preferences, first.next_wake, CALENDAR)

    assert first.notification.title == "Follow-up due: Jo Doe"
    assert first.next_wake == utc(2026, 5, 8, 7, 0)
    assert second.notification.body == "New inbound lead, step 2 of 5 (call): Call and offer a demo"


def test_stop_closes_step_follow_up(database, lead_id):
    from leaddesk.services import triage_undo
    from leaddesk.services.follow_ups import add_follow_up
    from leaddesk.services.local_time import LocalDue

    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        lead = session.get(Lead, lead_id)
        add_follow_up(session, lead, LocalDue.at(datetime(2026, 5, 20, 9, 0), "Europe/Berlin"), "Own reminder", NOW)
    advance(database, NOW)
    stop_at = NOW + timedelta(minutes=5)

    with database.session() as session:
        before = triage_undo.capture(session, lead_id)
        sequences.stop(session, enrollment(database, lead_id).id, "ana", stop_at)
        record = triage_undo.record(session, before, "Stop sequence", stop_at)

    with database.session() as session:
        rows = {row.note: row for row in session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id))}
        step = rows["New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email"]
        assert step.completed_at == stop_at
        assert step.completed_by == "ana"
        assert rows["Own reminder"].completed_at is None
        assert session.get(Lead, lead_id).next_follow_up_at == rows["Own reminder"].due_at

    with database.session() as session:
        triage_undo.undo(session, record, "ana", stop_at + timedelta(seconds=5))

    with database.session() as session:
        rows = {row.note: row for row in session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id))}
        step = rows["New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email"]
        assert step.completed_at is None
        assert enrollment(database, lead_id).status == "active"
        assert session.get(Lead, lead_id).next_follow_up_at == step.due_at


def test_day_zero_step_waits_for_opening(database, lead_id):
    # Saturday 9 May 2026, 02:40 in Berlin: closed until Monday 09:00 (07:00 UTC).
    saturday_night = utc(2026, 5, 9, 0, 40)

    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", saturday_night, CALENDAR)

    assert enrollment(database, lead_id).next_step_at == utc(2026, 5, 11, 7, 0)
    assert advance(database, saturday_night) == []
    assert len(advance(database, utc(2026, 5, 11, 7, 0))) == 1


def test_day_zero_step_uses_owner_calendar(database, lead_id):
    from leaddesk.models import Rep
    from leaddesk.services.playbook import save_playbook_text, shipped_playbook_text

    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    mornings = """
[calendars.mornings]
timezone = "UTC"
[calendars.mornings.hours]
wednesday = ["08:00-11:00"]

[reps.Cy]
calendar = "mornings"
"""
    with database.session() as session:
        save_playbook_text(session, head + mornings)
        rep = Rep(name="Cy")
        session.add(rep)
        session.get(Lead, lead_id).owner = rep
        session.flush()

        sequences.enroll(session, lead_id, "new_inbound", "ana", utc(2026, 5, 9, 0, 40), CALENDAR)

    # Cy works Wednesdays 08:00-11:00 UTC, so the step waits for Wednesday 13 May.
    assert enrollment(database, lead_id).next_step_at == utc(2026, 5, 13, 8, 0)
