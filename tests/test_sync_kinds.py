"""Team sync of the record kinds beyond leads: reps, activities, follow-ups, enrollments, settings, playbook."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, Rep, SequenceEnrollment, Setting, SyncConflict, SyncIdentity
from leaddesk.services.database import Database
from leaddesk.services.follow_ups import mark_done, snooze
from leaddesk.services.playbook.store import PLAYBOOK_TEXT_KEY, active_playbook_text, save_playbook_text, shipped_playbook_text
from leaddesk.services.sync import create_team, join_team, row_history, sync_pass
from leaddesk.services.sync.entities import setting_row_id
from team_devices import team_devices  # noqa: F401 (fixture)


def clock(offset_ms: int):
    """Return a wall clock offset_ms ahead of this machine's, to order two devices' edits by HLC."""
    return lambda: time.time_ns() // 1_000_000 + offset_ms


def sync_both(ann: Database, bob: Database) -> None:
    sync_pass(ann)
    sync_pass(bob)
    sync_pass(ann)


def shared_lead(ann: Database, bob: Database) -> uuid.UUID:
    with ann.session() as session:
        lead = Lead(first_name="Ada", company="Acme")
        session.add(lead)
        session.flush()
        lead_id = lead.id
    sync_both(ann, bob)
    return lead_id


def shared_note(ann: Database, bob: Database, summary: str) -> uuid.UUID:
    """Add a note with summary to a shared lead as ann, sync both devices, and return the note's id."""
    lead_id = shared_lead(ann, bob)
    with ann.session() as session:
        activity = Activity(lead_id=lead_id, kind="note", summary=summary)
        session.add(activity)
        session.flush()
        activity_id = activity.id
    sync_both(ann, bob)
    return activity_id


def conflicts(database: Database, kind: str) -> list[SyncConflict]:
    with database.session() as session:
        found = list(session.scalars(select(SyncConflict).where(SyncConflict.kind == kind)))
        session.expunge_all()
        return found


def test_activities_added_at_once_both_kept(team_devices) -> None:
    ann, bob = team_devices
    lead_id = shared_lead(ann, bob)
    with ann.session() as session:
        session.add(Activity(lead_id=lead_id, kind="call", summary="Ann called", outcome="voicemail"))
    with bob.session() as session:
        session.add(Activity(lead_id=lead_id, kind="note", summary="Bob's note"))

    sync_both(ann, bob)

    for database in (ann, bob):
        with database.session() as session:
            summaries = sorted(session.scalars(select(Activity.summary).where(Activity.lead_id == lead_id)))
        assert summaries == ["Ann called", "Bob's note"]


def test_activity_edit_revives_concurrent_delete(team_devices) -> None:
    ann, bob = team_devices
    activity_id = shared_note(ann, bob, "first draft")

    with ann.session() as session:
        session.delete(session.get(Activity, activity_id))
    with bob.session() as session:
        session.get(Activity, activity_id).summary = "edited offline"
    sync_pass(ann)
    sync_pass(bob)
    sync_pass(ann)

    for database in (ann, bob):
        with database.session() as session:
            assert session.get(Activity, activity_id).summary == "edited offline"
    revived = conflicts(ann, "delete_edit")
    assert [(c.entity, c.row_id) for c in revived] == [("activity", str(activity_id))]


def test_activity_delete_travels(team_devices) -> None:
    ann, bob = team_devices
    activity_id = shared_note(ann, bob, "wrong lead")

    with bob.session() as session:
        session.delete(session.get(Activity, activity_id))
    sync_both(ann, bob)

    with ann.session() as session:
        assert session.get(Activity, activity_id) is None


def test_follow_up_done_beats_later_snooze(team_devices) -> None:
    ann, bob = team_devices
    lead_id = shared_lead(ann, bob)
    due = datetime.now(timezone.utc) + timedelta(hours=1)
    with ann.session() as session:
        follow_up = FollowUp(lead_id=lead_id, due_at=due, note="send the quote")
        session.add(follow_up)
        session.flush()
        follow_up_id = follow_up.id
    sync_both(ann, bob)

    now = datetime.now(timezone.utc)
    with ann.session() as session:
        mark_done(session, session.get(FollowUp, follow_up_id), "Ann", now)
    with bob.session() as session:
        snooze(session, follow_up_id, now + timedelta(days=1), "Bob", now)
    sync_pass(ann, now_ms=clock(0))
    sync_pass(bob, now_ms=clock(2_000))
    sync_pass(ann, now_ms=clock(0))

    for database in (ann, bob):
        with database.session() as session:
            merged = session.get(FollowUp, follow_up_id)
            assert merged.completed_at is not None
            assert merged.completed_by == "Ann"
    recorded = conflicts(ann, "done_snooze")
    assert len(recorded) == 1
    assert "done wins" in recorded[0].detail
    with bob.session() as session:
        fields = [change.field for change in row_history(session, "follow_up", follow_up_id)]
    assert "snoozed_until" in fields
    assert "completed_at" in fields


def test_follow_up_snooze_travels(team_devices) -> None:
    ann, bob = team_devices
    lead_id = shared_lead(ann, bob)
    with ann.session() as session:
        follow_up = FollowUp(lead_id=lead_id, due_at=datetime.now(timezone.utc) + timedelta(hours=1))
        session.add(follow_up)
        session.flush()
        follow_up_id = follow_up.id
    sync_both(ann, bob)
    now = datetime.now(timezone.utc)
    until = (now + timedelta(days=2)).replace(microsecond=0)

    with bob.session() as session:
        snooze(session, follow_up_id, until, "Bob", now)
    sync_both(ann, bob)

    with ann.session() as session:
        merged = session.get(FollowUp, follow_up_id)
        assert merged.snoozed_until == until
        assert merged.completed_at is None
    assert conflicts(ann, "done_snooze") == []


def test_playbook_later_wins_and_keeps_replaced(team_devices) -> None:
    ann, bob = team_devices
    ann_text = shipped_playbook_text() + "\n# Ann's playbook\n"
    bob_text = shipped_playbook_text() + "\n# Bob's playbook\n"
    with ann.session() as session:
        save_playbook_text(session, ann_text)
    with bob.session() as session:
        save_playbook_text(session, bob_text)

    sync_pass(ann, now_ms=clock(0))
    sync_pass(bob, now_ms=clock(3_000))
    sync_pass(ann, now_ms=clock(0))

    for database in (ann, bob):
        with database.session() as session:
            assert active_playbook_text(session) == bob_text
    with ann.session() as session:
        history = row_history(session, "playbook", setting_row_id(PLAYBOOK_TEXT_KEY))
    replaced = [change.value["value"] for change in history if not change.current]
    assert replaced == [ann_text]
    assert [c.entity for c in conflicts(ann, "same_field")] == ["playbook"]


def test_settings_travel_but_local_ones_stay(team_devices) -> None:
    ann, bob = team_devices
    with ann.session() as session:
        session.add(Setting(key="team_timezone", value="Europe/Oslo"))
        session.add(Setting(key="notify:ann:checked_until", value="2026-12-05T00:00:00+00:00"))
        session.add(Setting(key="smtp:ann", value="{}"))

    sync_both(ann, bob)

    with bob.session() as session:
        assert session.get(Setting, "team_timezone").value == "Europe/Oslo"
        assert session.get(Setting, "notify:ann:checked_until") is None
        assert session.get(Setting, "smtp:ann") is None


def test_rep_and_owner_travel(team_devices) -> None:
    ann, bob = team_devices
    with ann.session() as session:
        rep = Rep(name="Carla", email="carla@example.com")
        lead = Lead(first_name="Ada", owner=rep)
        session.add_all([rep, lead])
        session.flush()
        lead_id, rep_id = lead.id, rep.id

    sync_both(ann, bob)

    with bob.session() as session:
        assert session.get(Rep, rep_id).email == "carla@example.com"
        assert session.get(Lead, lead_id).owner_id == rep_id


def test_owner_filled_when_rep_arrives_later(team_devices, tmp_path: Path) -> None:
    ann, bob = team_devices
    cid = Database.open(tmp_path / "cid" / "leads.sqlite")
    join_team(cid, tmp_path / "Team", person="Cid", device_name="cid-laptop")
    with ann.session() as session:
        rep = Rep(name="Carla")
        session.add(rep)
        session.flush()
        rep_id = rep.id
        ann_device = session.get(SyncIdentity, 1).device_id
    sync_pass(ann)
    sync_pass(bob)
    with bob.session() as session:
        lead = Lead(first_name="Ada", owner_id=rep_id)
        session.add(lead)
        session.flush()
        lead_id = lead.id
        session.add(FollowUp(lead_id=lead_id, due_at=datetime.now(timezone.utc), note="call", owner_id=rep_id))
    sync_pass(bob)

    # The sync tool delivers Bob's files to Cid before Ann's, so the lead arrives before its owner.
    ann_folder = tmp_path / "Team" / "devices" / ann_device
    held_back = ann_folder.rename(tmp_path / "held-back")
    sync_pass(cid)
    with cid.session() as session:
        assert session.get(Rep, rep_id) is None
        assert session.get(Lead, lead_id).owner_id is None
    held_back.rename(ann_folder)

    report = sync_pass(cid)

    with cid.session() as session:
        assert session.get(Rep, rep_id) is not None
        assert session.get(Lead, lead_id).owner_id == rep_id
        follow_up = session.scalar(select(FollowUp).where(FollowUp.lead_id == lead_id))
        assert follow_up.owner_id == rep_id
    assert report.rows_changed_by_kind == {"rep": 1, "lead": 1, "follow_up": 1}
    # Filling in the owner is no local edit, so Cid's next pass sends nothing.
    assert sync_pass(cid).exported == 0
    cid.dispose()


def test_rep_same_name_both_kept(team_devices) -> None:
    ann, bob = team_devices
    with ann.session() as session:
        session.add(Rep(name="Dana"))
    with bob.session() as session:
        session.add(Rep(name="Dana"))

    sync_both(ann, bob)

    sync_both(ann, bob)

    names = []
    for database in (ann, bob):
        with database.session() as session:
            names.append(sorted((str(rep.id), rep.name) for rep in session.scalars(select(Rep))))
    assert names[0] == names[1]
    assert names[0][0][1] == "Dana"
    assert names[0][1][1] == f"Dana ({names[0][1][0][:8]})"
    # The device that renames its own rep reports the clash. The other may get the rename with the rep and see none.
    assert len(conflicts(ann, "duplicate_name")) + len(conflicts(bob, "duplicate_name")) >= 1


def test_enrollment_fields_merge(team_devices) -> None:
    ann, bob = team_devices
    lead_id = shared_lead(ann, bob)
    with ann.session() as session:
        enrollment = SequenceEnrollment(lead_id=lead_id, sequence_key="welcome")
        session.add(enrollment)
        session.flush()
        enrollment_id = enrollment.id
    sync_both(ann, bob)

    with ann.session() as session:
        session.get(SequenceEnrollment, enrollment_id).step_index = 2
    with bob.session() as session:
        enrollment = session.get(SequenceEnrollment, enrollment_id)
        enrollment.status, enrollment.status_reason = "paused", "lead replied"
    sync_both(ann, bob)

    for database in (ann, bob):
        with database.session() as session:
            merged = session.get(SequenceEnrollment, enrollment_id)
            assert (merged.step_index, merged.status, merged.status_reason) == (2, "paused", "lead replied")


def test_activity_waits_for_its_lead(tmp_path: Path) -> None:
    """A third device gets Bob's activity before Ann's lead; the activity appears once the lead does."""
    folders = {name: tmp_path / name / "Team" for name in ("ann", "bob", "cid")}
    databases = {name: Database.open(tmp_path / name / "leads.sqlite") for name in folders}
    try:
        create_team(databases["ann"], folders["ann"], "Acme", person="Ann", device_name="ann-laptop")
        for name in ("bob", "cid"):
            folders[name].mkdir(parents=True)
            (folders[name] / "leaddesk-team.json").write_bytes((folders["ann"] / "leaddesk-team.json").read_bytes())
            join_team(databases[name], folders[name], person=name, device_name=f"{name}-laptop")
        with databases["ann"].session() as session:
            lead = Lead(first_name="Ada")
            session.add(lead)
            session.flush()
            lead_id = lead.id
        sync_pass(databases["ann"])
        _copy_device_files(folders["ann"], folders["bob"])
        sync_pass(databases["bob"])
        with databases["bob"].session() as session:
            session.add(Activity(lead_id=lead_id, kind="call", summary="Bob called"))
        sync_pass(databases["bob"])

        _copy_device_files(folders["bob"], folders["cid"], _device_id(databases["bob"]))
        sync_pass(databases["cid"])
        with databases["cid"].session() as session:
            assert list(session.scalars(select(Activity.summary))) == []

        _copy_device_files(folders["ann"], folders["cid"])
        sync_pass(databases["cid"])
        with databases["cid"].session() as session:
            assert list(session.scalars(select(Activity.summary))) == ["Bob called"]
    finally:
        for database in databases.values():
            database.dispose()


def _copy_device_files(source: Path, target: Path, device_id: str | None = None) -> None:
    """Copy segment files from one device's team folder to another's, playing the sync tool. With device_id, copy only that device's."""
    for path in sorted((source / "devices").rglob("seg-*.json")):
        if device_id is not None and path.parent.name != device_id:
            continue
        destination = target / path.relative_to(source)
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())


def _device_id(database: Database) -> str:
    with database.session() as session:
        return session.get(SyncIdentity, 1).device_id
