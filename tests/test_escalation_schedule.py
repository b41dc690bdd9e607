"""Escalation steps run as due events of the reminder timer, without the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, EscalationPlan, Lead, LeadEvaluation, Rep
from leaddesk.services.escalation_schedule import run_due_escalations, scan_ladders, with_escalation_wake
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.playbook import load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.scheduler import CheckResult
from leaddesk.services.sla import start_response_clock
from leaddesk.ui.reminder_timer import ReminderTimer
from leaddesk.ui.tasks import TaskRunner

# Wednesday 2026-12-09 10:00 UTC. The shipped outbound-reply ladder alerts the team lead at
# the 30-minute breach and reassigns after 1 hour, both around the clock.
RECEIVED = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
BREACH = RECEIVED + timedelta(minutes=30)
REASSIGN = RECEIVED + timedelta(hours=1)

TEAM = """
[routing]
assign_new_leads = false

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben"]

[team]
lead = "Tess"
"""


@pytest.fixture
def waiting_lead(database):
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        set_team_timezone(session, "UTC")
        save_playbook_text(session, head + TEAM)
        ana = Rep(name="Ana")
        session.add_all([ana, Rep(name="Ben"), Rep(name="Tess")])
        lead = Lead(
            full_name="Jo Doe",
            email="jo@initech.com",
            source="Replied to outbound",
            received_at=RECEIVED,
            segment="general",
            stage="new",
            owner=ana,
        )
        start_response_clock(lead, load_playbook(session))
        session.add(lead)
        session.flush()
        return lead.id


def escalations(database, lead_id) -> list[str]:
    with database.session() as session:
        statement = select(Activity.summary).where(Activity.lead_id == lead_id, Activity.kind == "escalation")
        return list(session.scalars(statement.order_by(Activity.created_at)))


def test_scan_before_breach(database, waiting_lead):
    with database.session() as session:
        due, next_at = scan_ladders(session, load_playbook(session), RECEIVED + timedelta(minutes=10))
    assert due == []
    assert next_at == BREACH


def test_run_due_steps_in_order(database, waiting_lead):
    with database.session() as session:
        playbook = load_playbook(session)
        early, early_next = run_due_escalations(session, playbook, RECEIVED + timedelta(minutes=10))
        breach, breach_next = run_due_escalations(session, playbook, BREACH)
        again, _ = run_due_escalations(session, playbook, BREACH + timedelta(minutes=1))
        late, late_next = run_due_escalations(session, playbook, REASSIGN)

    assert early == []
    assert early_next == BREACH
    assert len(breach) == 1
    assert breach_next == REASSIGN
    assert again == []
    assert len(late) == 1
    assert late_next is None
    summaries = escalations(database, waiting_lead)
    assert len(summaries) == 2
    assert summaries[0].startswith("Alert to Tess")
    assert summaries[1].startswith("Reassigned from Ana to Ben")


def test_catch_up_runs_whole_ladder(database, waiting_lead):
    with database.session() as session:
        events, next_at = run_due_escalations(session, load_playbook(session), REASSIGN + timedelta(hours=5))
    assert len(events) == 2
    assert next_at is None
    with database.session() as session:
        assert session.get(LeadEvaluation, waiting_lead).escalation_steps_done == 2


def test_contact_stops_ladder(database, waiting_lead):
    with database.session() as session:
        session.get(Lead, waiting_lead).first_contacted_at = RECEIVED + timedelta(minutes=5)
    with database.session() as session:
        events, next_at = run_due_escalations(session, load_playbook(session), REASSIGN)
    assert events == []
    assert next_at is None


def test_wake_moves_earlier_only():
    check = CheckResult((), None, RECEIVED + timedelta(hours=2))
    assert with_escalation_wake(check, BREACH).next_wake == BREACH
    assert with_escalation_wake(check, RECEIVED + timedelta(hours=3)).next_wake == RECEIVED + timedelta(hours=2)
    assert with_escalation_wake(check, None) is check
    idle = CheckResult((), None, None)
    assert with_escalation_wake(idle, BREACH).next_wake == BREACH


def test_timer_escalates_and_notifies(qtbot, database, waiting_lead):
    runner = TaskRunner(database)
    notifier = RecordingNotifier()
    clock = {"now": RECEIVED + timedelta(minutes=1)}
    timer = ReminderTimer(runner, notifier, "ana", lambda: clock["now"], zone_name=lambda: "UTC")
    try:
        with qtbot.waitSignal(timer.checked, timeout=20_000) as first:
            timer.check_now()
        # The SLA warning at 75% of the 30 minutes comes before the first escalation step.
        assert first.args[0].next_wake == RECEIVED + timedelta(minutes=22, seconds=30)

        clock["now"] = BREACH
        with qtbot.waitSignal(timer.checked, timeout=20_000) as at_breach:
            timer.check_now()
        # Only the escalation ladder has a later event, so it sets the wake.
        assert at_breach.args[0].next_wake == REASSIGN
        assert timer.next_wake == REASSIGN
    finally:
        timer.stop()
        runner.shut_down()

    summaries = escalations(database, waiting_lead)
    assert len(summaries) == 1
    assert summaries[0].startswith("Alert to Tess")
    # The warning, the breach and the escalation fell due since the first check, so they come as one group.
    assert len(notifier.posted) == 1
    assert "1 escalation" in notifier.posted[0].title
    assert notifier.posted[0].body == "Jo Doe"


@pytest.fixture
def counted_ladders(monkeypatch):
    """Count the ladder computations of escalation_schedule, by lead arrival."""
    from leaddesk.services import escalation_schedule

    calls: list[datetime] = []
    original = escalation_schedule.ladder_schedule

    def counting(rule, received_at, playbook):
        calls.append(received_at)
        return original(rule, received_at, playbook)

    monkeypatch.setattr(escalation_schedule, "ladder_schedule", counting)
    return calls


def _add_waiting_leads(database, count: int) -> list:
    ids = []
    with database.session() as session:
        playbook = load_playbook(session)
        for index in range(count):
            lead = Lead(
                email=f"buyer{index}@example.com",
                source="Replied to outbound",
                received_at=RECEIVED + timedelta(minutes=index + 1),
                segment="general",
                stage="new",
            )
            start_response_clock(lead, playbook)
            session.add(lead)
            session.flush()
            ids.append(lead.id)
    return ids


def _scan(database, now):
    with database.session() as session:
        return scan_ladders(session, load_playbook(session), now)


def test_scan_recomputes_changed_leads_only(database, waiting_lead, counted_ladders):
    others = _add_waiting_leads(database, 4)

    _scan(database, RECEIVED + timedelta(minutes=10))
    assert len(counted_ladders) == 5

    counted_ladders.clear()
    due, next_at = _scan(database, RECEIVED + timedelta(minutes=20))
    assert counted_ladders == []
    assert due == []
    assert next_at == BREACH

    with database.session() as session:
        session.get(Lead, others[0]).received_at = RECEIVED + timedelta(minutes=30)
    counted_ladders.clear()
    _scan(database, RECEIVED + timedelta(minutes=20))
    assert counted_ladders == [RECEIVED + timedelta(minutes=30)]


def test_scan_after_step_recomputes_that_lead(database, waiting_lead, counted_ladders):
    _add_waiting_leads(database, 3)
    _scan(database, RECEIVED)

    counted_ladders.clear()
    with database.session() as session:
        events, next_at = run_due_escalations(session, load_playbook(session), BREACH)

    assert len(events) == 1
    # The first scan finds the due lead without computing; the second recomputes the escalated lead.
    assert counted_ladders == [RECEIVED]
    assert next_at == BREACH + timedelta(minutes=1)


def test_scan_after_playbook_change_recomputes_all(database, waiting_lead, counted_ladders):
    _add_waiting_leads(database, 2)
    _scan(database, RECEIVED)
    changed = shipped_playbook_text().split("# Routing rules", 1)[0].replace('at = "1h"', 'at = "2h"') + TEAM

    with database.session() as session:
        save_playbook_text(session, changed)
    counted_ladders.clear()
    due, next_at = _scan(database, REASSIGN + timedelta(minutes=10))

    assert len(counted_ladders) == 3
    # Every breach has passed, and the reassignment now waits 2 hours.
    assert len(due) == 3
    assert next_at is None


def test_scan_drops_contacted_lead(database, waiting_lead, counted_ladders):
    _scan(database, RECEIVED)
    with database.session() as session:
        session.get(Lead, waiting_lead).first_contacted_at = RECEIVED + timedelta(minutes=5)

    counted_ladders.clear()
    due, next_at = _scan(database, BREACH)

    assert counted_ladders == []
    assert due == []
    assert next_at is None
    with database.session() as session:
        assert session.scalars(select(EscalationPlan)).all() == []


def test_imported_leads_escalate(database, tmp_path, counted_ladders):
    """Leads written by the importer's bulk path keep their plans current and escalate once their job ran."""
    from leaddesk.services.importing.importer import run_import
    from leaddesk.services.post_import_jobs import run_post_import_jobs

    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        set_team_timezone(session, "UTC")
        save_playbook_text(session, head + TEAM)
        session.add_all([Rep(name="Ana"), Rep(name="Ben"), Rep(name="Tess")])
    path = tmp_path / "leads.csv"
    path.write_text("first_name,email,source\nJo,jo@initech.com,Replied to outbound\nAl,al@acme.com,Replied to outbound\n", encoding="utf-8")
    run_import(database, path, now=RECEIVED)

    # The pending post-import job defers the leads.
    due, _ = _scan(database, BREACH)
    assert due == []
    assert counted_ladders == []

    run_post_import_jobs(database)
    _scan(database, RECEIVED + timedelta(minutes=10))
    assert len(counted_ladders) == 2

    counted_ladders.clear()
    _scan(database, RECEIVED + timedelta(minutes=20))
    assert counted_ladders == []

    with database.session() as session:
        events, _ = run_due_escalations(session, load_playbook(session), BREACH)
    assert len(events) == 2


def _plan_text(database, lead_id) -> tuple[str, str, str]:
    with database.session() as session:
        connection = session.connection()
        return connection.exec_driver_sql(
            "SELECT received_at, response_due_at, next_step_at FROM escalation_plans WHERE lead_id = ?", (lead_id.hex,)
        ).one()


@pytest.mark.sqlite_only("PostgreSQL stores instants as timestamptz, not as text")
def test_plan_written_in_importer_form(database, waiting_lead):
    _scan(database, RECEIVED)

    assert _plan_text(database, waiting_lead) == ("2026-12-09 10:00:00", "2026-12-09 10:30:00", "2026-12-09 10:30:00")
    with database.session() as session:
        assert session.get(EscalationPlan, waiting_lead).next_step_at == BREACH


@pytest.mark.sqlite_only("the two spellings of one instant exist only in SQLite's text storage")
def test_plan_with_microseconds_stays_current(database, waiting_lead, counted_ladders):
    """A plan stored in the ORM's spelling ('.000000') still matches its lead, so it is not recomputed."""
    _scan(database, RECEIVED)
    with database.session() as session:
        session.connection().exec_driver_sql(
            "UPDATE escalation_plans SET received_at = received_at || '.000000', next_step_at = next_step_at || '.000000'"
        )
    counted_ladders.clear()

    due, next_at = _scan(database, BREACH - timedelta(microseconds=1))

    assert counted_ladders == []
    assert due == []
    assert next_at == BREACH
    due, _ = _scan(database, BREACH)
    assert due == [waiting_lead]


@pytest.mark.parametrize(
    ("offset", "is_due"),
    [(timedelta(microseconds=-1), False), (timedelta(0), True), (timedelta(microseconds=1), True)],
)
def test_step_due_exactly_at_its_instant(database, waiting_lead, offset, is_due):
    """A step is due from its instant on, whichever way the plan and now are spelled."""
    _scan(database, RECEIVED)

    due, next_at = _scan(database, BREACH + offset)

    assert (due == [waiting_lead]) is is_due
    # A due plan counts as due, not as a later step, until its step runs.
    assert next_at == (None if is_due else BREACH)
