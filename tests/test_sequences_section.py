"""The playbook's [[sequences]] section: validation with line, key and fix, the shipped sequences, and manual controls."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import FollowUp
from leaddesk.services import sequences
from leaddesk.services.playbook import check_playbook, save_playbook_text, shipped_playbook_text
from leaddesk.services.playbook.sequences_section import load_sequences, shipped_sequences
from leaddesk.services.sequence_status import lead_enrollments
from leaddesk.services.sequences import Channel, SequenceError
from sequence_leads import CALENDAR, NOW, add_lead

UTC = timezone.utc
SHIPPED = shipped_playbook_text()
# The shipped file with its sequences cut off, so a test can append its own.
WITHOUT_SEQUENCES = SHIPPED[: SHIPPED.index("# Sequences (cadences)")]

TWO_STEP = """
[[sequences]]
key = "demo_push"
label = "Demo push"

[[sequences.steps]]
day = 0
channel = "call"
note = "Call about the demo"

[[sequences.steps]]
day = 2
channel = "email"
template = "follow_up"
"""


def _issues(section: str) -> list[str]:
    return [str(issue) for issue in check_playbook(WITHOUT_SEQUENCES + section)]


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def lead_id(database) -> uuid.UUID:
    return add_lead(database, email="jo@example.com")


def test_shipped_sequences_parse():
    shipped = shipped_sequences()

    assert [sequence.key for sequence in shipped] == ["new_inbound", "reengage"]
    assert [step.delay_business_days for step in shipped[0].steps] == [0, 1, 2, 3, 5]
    assert shipped[0].steps[0].template == "first_touch"
    assert shipped[1].steps[1].channel is Channel.TASK
    assert check_playbook(SHIPPED) == []


def test_unknown_channel_has_line_and_fix():
    section = TWO_STEP.replace('channel = "call"', 'channel = "fax"')
    text = WITHOUT_SEQUENCES + section

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].path == "sequences[0].steps[0].channel"
    assert issues[0].line == _line_of(text, 'channel = "fax"')
    assert "unknown channel 'fax'" in issues[0].message
    assert issues[0].fix == "use one of: email, call, linkedin, task"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("day = 2", "day = 1\nday_x = 1", 'sequences[0].steps[1].day_x: unknown field "day_x"; did you mean "day"?'),
        ("day = 2", "day = -1", "invalid day -1; write the business days after enrolment"),
        ("day = 0", "day = 3", "day 2 comes before the previous step's day 3; list the steps in order"),
        ('key = "demo_push"', 'key = "Demo Push"', "invalid sequence key 'Demo Push'"),
        ('template = "follow_up"', 'template = "Follow Up"', "invalid template key 'Follow Up'"),
        ('note = "Call about the demo"', 'template = "first_touch"', "a call step has no email to fill; remove template"),
    ],
)
def test_invalid_step_reported(old, new, expected):
    issues = _issues(TWO_STEP.replace(old, new))

    assert any(expected in issue for issue in issues), issues


def test_sequence_without_steps_reported():
    issues = _issues('\n[[sequences]]\nkey = "empty"\n')

    assert len(issues) == 1
    assert "sequence 'empty' has no steps; add at least one [[sequences.steps]] table" in issues[0]


def test_duplicate_sequence_key_reported():
    issues = _issues(TWO_STEP + TWO_STEP)

    assert any("duplicate sequence key 'demo_push'" in issue for issue in issues)


def test_stored_playbook_sequences_used(database, lead_id):
    with database.session() as session:
        save_playbook_text(session, WITHOUT_SEQUENCES + TWO_STEP)
    with database.session() as session:
        assert [sequence.key for sequence in load_sequences(session)] == ["demo_push"]
        sequences.enroll(session, lead_id, "demo_push", "ana", NOW, CALENDAR)
        sequences.advance(session, NOW, CALENDAR)
        with pytest.raises(SequenceError, match="unknown sequence 'new_inbound'; use one of: demo_push"):
            sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    with database.session() as session:
        notes = list(session.scalars(select(FollowUp.note).where(FollowUp.lead_id == lead_id)))

    assert notes == ["Demo push, step 1 of 2 (call): Call about the demo"]


def test_playbook_without_section_uses_shipped(database):
    with database.session() as session:
        save_playbook_text(session, WITHOUT_SEQUENCES)
    with database.session() as session:
        assert [sequence.key for sequence in load_sequences(session)] == ["new_inbound", "reengage"]


def test_empty_section_turns_sequences_off(database):
    with database.session() as session:
        save_playbook_text(session, "sequences = []\n" + WITHOUT_SEQUENCES)
    with database.session() as session:
        assert load_sequences(session) == ()


def test_removed_sequence_stops_enrolment(database, lead_id):
    with database.session() as session:
        save_playbook_text(session, WITHOUT_SEQUENCES + TWO_STEP)
        enrollment = sequences.enroll(session, lead_id, "demo_push", "ana", NOW, CALENDAR)
        enrollment_id = enrollment.id
    with database.session() as session:
        save_playbook_text(session, WITHOUT_SEQUENCES)
    with database.session() as session:
        created = sequences.advance(session, NOW, CALENDAR)
        views = lead_enrollments(session, lead_id)

    assert created == []
    assert views[0].id == enrollment_id
    assert views[0].status == "stopped"
    assert views[0].reason == "sequence 'demo_push' is no longer in the playbook"


def test_pause_resume_stop_by_hand(database, lead_id):
    with database.session() as session:
        enrollment_id = sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR).id
        sequences.advance(session, NOW, CALENDAR)

    with database.session() as session:
        sequences.pause(session, enrollment_id, "ana", NOW)
    with database.session() as session:
        paused = lead_enrollments(session, lead_id)[0]
        assert sequences.advance(session, NOW + timedelta(days=3), CALENDAR) == []

    assert (paused.status, paused.reason, paused.next_step_at) == ("paused", "paused by ana", None)
    assert paused.can_resume is True
    assert paused.can_pause is False
    assert paused.step_text() == "step 2 of 5: call"

    later = NOW + timedelta(days=1)
    with database.session() as session:
        sequences.resume(session, enrollment_id, "ana", later, CALENDAR)
    with database.session() as session:
        active = lead_enrollments(session, lead_id)[0]
    # Friday 8 May at 10:00 plus one business day is Monday 11 May at 09:00 in Berlin.
    assert active.next_step_at == datetime(2026, 5, 11, 7, 0, tzinfo=UTC)

    with database.session() as session:
        sequences.stop(session, enrollment_id, "ana", later)
    with database.session() as session:
        stopped = lead_enrollments(session, lead_id)[0]
        with pytest.raises(SequenceError, match="the enrolment is already stopped"):
            sequences.stop(session, enrollment_id, "ana", later)
        with pytest.raises(SequenceError, match="is stopped, not active, so it cannot be paused"):
            sequences.pause(session, enrollment_id, "ana", later)

    assert stopped.status == "stopped"
    assert stopped.can_stop is False
    assert stopped.step_text() == "stopped"


def test_views_list_active_first(database, lead_id):
    with database.session() as session:
        first = sequences.enroll(session, lead_id, "reengage", "ana", NOW, CALENDAR).id
        sequences.stop(session, first, "ana", NOW)
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW + timedelta(minutes=1), CALENDAR)
    with database.session() as session:
        views = lead_enrollments(session, lead_id)

    assert [(view.sequence_key, view.status) for view in views] == [("new_inbound", "active"), ("reengage", "stopped")]
    assert views[0].step_text() == "step 1 of 5: email (first_touch)"


def test_missing_template_noted_when_due(database, lead_id):
    from leaddesk.services.template_store import delete_template

    with database.session() as session:
        delete_template(session, "first_touch", "ana")
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
        sequences.advance(session, NOW, CALENDAR)
    with database.session() as session:
        notes = list(session.scalars(select(FollowUp.note).where(FollowUp.lead_id == lead_id)))

    assert notes == [
        "New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email "
        "(email template 'first_touch' not found; add it in Leads > Email templates)"
    ]


def test_templates_on_each_backend(any_database):
    from leaddesk.services.template_store import list_templates

    with any_database.session() as session:
        keys = [template.key for template in list_templates(session)]

    assert keys == ["first_touch", "follow_up"]
