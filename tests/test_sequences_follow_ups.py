"""Step follow-ups record their sequence enrolment, and stopping closes them by that reference."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import FollowUp, Lead, SequenceEnrollment
from leaddesk.services import lead_actions, sequences
from leaddesk.services.database import Database
from leaddesk.services.follow_ups import schedule
from leaddesk.services.local_time import LocalDue
from schema_revisions import upgrade_to
from sequence_leads import CALENDAR, NOW, add_lead, enroll_and_advance

STEP_ONE = "New inbound lead, step 1 of 5 (email, template first_touch): Send the intro email"


def _rows(database: Database, lead_id: uuid.UUID) -> list[FollowUp]:
    with database.session() as session:
        return list(session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id).order_by(FollowUp.created_at)))


def test_step_records_enrollment(database):
    lead_id = add_lead(database)
    enrollment_id = enroll_and_advance(database, lead_id)

    rows = _rows(database, lead_id)
    assert len(rows) == 1
    assert rows[0].note == STEP_ONE
    assert rows[0].enrollment_id == enrollment_id


def test_stop_keeps_hand_follow_up_with_step_text(database):
    lead_id = add_lead(database)
    enrollment_id = enroll_and_advance(database, lead_id)
    with database.session() as session:
        # The user copied the step's text into a follow-up of their own.
        due = LocalDue.at(datetime(2026, 5, 20, 9, 0), "Europe/Berlin")
        own_id = schedule(session, lead_id, due, STEP_ONE, "ana", NOW + timedelta(minutes=1)).follow_up_id
        step = session.scalars(select(FollowUp).where(FollowUp.enrollment_id == enrollment_id)).one()
        step.note = "Intro email: mention the webinar"

    stop_at = NOW + timedelta(minutes=5)
    with database.session() as session:
        sequences.stop(session, enrollment_id, "ana", stop_at)

    with database.session() as session:
        closed_step = session.scalars(select(FollowUp).where(FollowUp.enrollment_id == enrollment_id)).one()
        assert closed_step.completed_at == stop_at
        assert session.get(FollowUp, own_id).completed_at is None
        assert session.get(Lead, lead_id).next_follow_up_at == session.get(FollowUp, own_id).due_at


def test_stop_closes_row_without_reference(database):
    lead_id = add_lead(database)
    enrollment_id = enroll_and_advance(database, lead_id)
    with database.session() as session:
        # A step follow-up written before follow-ups recorded their enrolment.
        session.scalars(select(FollowUp).where(FollowUp.lead_id == lead_id)).one().enrollment_id = None

    stop_at = NOW + timedelta(minutes=5)
    with database.session() as session:
        sequences.stop(session, enrollment_id, "ana", stop_at)

    rows = _rows(database, lead_id)
    assert [row.completed_at for row in rows] == [stop_at]


def test_stop_leaves_other_enrollment_rows(database):
    lead_id = add_lead(database)
    first_id = enroll_and_advance(database, lead_id)
    with database.session() as session:
        second_id = sequences.enroll(session, lead_id, "reengage", "ana", NOW, CALENDAR).id
    with database.session() as session:
        sequences.advance(session, NOW, CALENDAR)

    with database.session() as session:
        sequences.stop(session, second_id, "ana", NOW + timedelta(minutes=5))

    by_enrollment = {row.enrollment_id: row for row in _rows(database, lead_id)}
    assert set(by_enrollment) == {first_id, second_id}
    assert by_enrollment[first_id].completed_at is None
    assert by_enrollment[second_id].completed_at == NOW + timedelta(minutes=5)


def test_won_closes_step_follow_ups(database):
    lead_id = add_lead(database)
    enrollment_id = enroll_and_advance(database, lead_id)
    won_at = NOW + timedelta(hours=1)

    with database.session() as session:
        lead_actions.change_stage(session, lead_id, "won", "ana", won_at)

    rows = _rows(database, lead_id)
    assert rows[0].enrollment_id == enrollment_id
    assert rows[0].completed_at == won_at
    assert rows[0].completed_by == "ana"
    with database.session() as session:
        assert session.get(Lead, lead_id).next_follow_up_at is None


def test_stage_set_elsewhere_closes_at_advance(database):
    lead_id = add_lead(database)
    enroll_and_advance(database, lead_id)
    with database.session() as session:
        session.get(Lead, lead_id).stage = "lost"

    later = NOW + timedelta(days=2)
    with database.session() as session:
        sequences.advance(session, later, CALENDAR)

    assert [row.completed_at for row in _rows(database, lead_id)] == [later]


def test_pause_keeps_step_follow_up_open(database):
    lead_id = add_lead(database)
    enrollment_id = enroll_and_advance(database, lead_id)

    with database.session() as session:
        sequences.pause(session, enrollment_id, "ana", NOW + timedelta(minutes=5))

    assert [row.completed_at for row in _rows(database, lead_id)] == [None]


def test_upgraded_file_stops_old_step(db_path: Path):
    """A step follow-up written at revision 0017 is still closed by stop after the upgrade."""
    upgrade_to(db_path, "0017")
    lead_id, enrollment_id, follow_up_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, full_name, segment, stage, score, custom_fields, received_at, created_at, "
            "updated_at, row_version) VALUES (?, 'Jo Doe', 'general', 'new', 0, '{}', "
            "'2026-05-07 07:00:00', '2026-05-07 07:00:00', '2026-05-07 07:00:00', 1)",
            (lead_id.hex,),
        )
        connection.execute(
            "INSERT INTO sequence_enrollments (id, lead_id, sequence_key, step_index, status, next_step_at, "
            "status_reason, enrolled_at, updated_at) VALUES (?, ?, 'new_inbound', 1, 'active', "
            "'2026-05-08 07:00:00.000000', '', '2026-05-07 08:00:00.000000', '2026-05-07 08:00:00.000000')",
            (enrollment_id.hex, lead_id.hex),
        )
        connection.execute(
            "INSERT INTO follow_ups (id, lead_id, due_at, due_local, time_zone, all_day, note, created_at) "
            "VALUES (?, ?, '2026-05-07 08:00:00.000000', '2026-05-07T10:00', 'Europe/Berlin', 0, ?, "
            "'2026-05-07 08:00:00.000000')",
            (follow_up_id.hex, lead_id.hex, STEP_ONE),
        )
    connection.close()

    database = Database.open(db_path)
    try:
        with database.session() as session:
            assert session.get(FollowUp, follow_up_id).enrollment_id is None
            sequences.stop(session, enrollment_id, "ana", NOW + timedelta(minutes=5))
        with database.session() as session:
            assert session.get(FollowUp, follow_up_id).completed_at == NOW + timedelta(minutes=5)
            assert session.get(SequenceEnrollment, enrollment_id).status == "stopped"
    finally:
        database.dispose()
