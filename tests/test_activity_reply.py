"""Logging a reply or a booked meeting pauses the lead's sequences, from the dialog, the service and the CLI."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Activity, ActivityKind, CallOutcome, SequenceEnrollment
from leaddesk.services import sequences
from leaddesk.services.activities import log_activity
from leaddesk.ui.activity_dialog import ActivityDialog
from sequence_leads import CALENDAR, NOW, add_lead


@pytest.fixture
def enrolled_lead(database) -> uuid.UUID:
    lead_id = add_lead(database)
    with database.session() as session:
        sequences.enroll(session, lead_id, "new_inbound", "ana", NOW, CALENDAR)
    return lead_id


def enrollment_state(database, lead_id: uuid.UUID) -> tuple[str, str | None]:
    with database.session() as session:
        row = session.scalars(select(SequenceEnrollment).where(SequenceEnrollment.lead_id == lead_id)).one()
        return row.status, row.status_reason


def test_dialog_offers_reply_kind(qtbot):
    dialog = ActivityDialog("Jo Doe")
    qtbot.addWidget(dialog)

    index = dialog.kind_combo.findData(ActivityKind.REPLY.value)
    assert index >= 0
    assert dialog.kind_combo.itemText(index) == "Reply received"
    dialog.kind_combo.setCurrentIndex(index)
    assert dialog.kind() is ActivityKind.REPLY
    assert dialog.outcome() is None
    assert not dialog.outcome_combo.isEnabled()


def test_call_booking_meeting_pauses(database, enrolled_lead):
    with database.session() as session:
        log_activity(
            session, enrolled_lead, ActivityKind.CALL, "", "ana", NOW, outcome=CallOutcome.MEETING_BOOKED
        )

    assert enrollment_state(database, enrolled_lead) == ("paused", "a call booked a meeting")


def test_call_without_meeting_keeps_active(database, enrolled_lead):
    with database.session() as session:
        log_activity(session, enrolled_lead, ActivityKind.CALL, "", "ana", NOW, outcome=CallOutcome.VOICEMAIL)

    assert enrollment_state(database, enrolled_lead)[0] == "active"


@pytest.mark.sqlite_only("the log command opens a SQLite file by path")
def test_cli_log_reply_pauses(database, enrolled_lead, capsys):
    code = main(
        ["log", str(enrolled_lead), "--kind", "reply", "--summary", "Call me Monday",
         "--db", str(database.path), "--now", "2026-05-07T09:00:00Z"]
    )

    assert code == 0, capsys.readouterr().err
    assert enrollment_state(database, enrolled_lead) == ("paused", "the lead replied")
    with database.session() as session:
        kinds = session.scalars(select(Activity.kind).where(Activity.lead_id == enrolled_lead)).all()
    assert "reply" in kinds


@pytest.mark.sqlite_only("the log command opens a SQLite file by path")
def test_cli_log_rejects_missing_outcome(database, enrolled_lead, capsys):
    code = main(["log", str(enrolled_lead), "--kind", "call", "--db", str(database.path)])

    assert code == 1
    assert "a call needs an outcome" in capsys.readouterr().err
