"""Escalation ladders: each step at its age with an injected clock, and contact stops the ladder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from leaddesk.models import Activity, Lead, Rep
from leaddesk.services.database import Database
from leaddesk.services.escalation import ladder_schedule, next_step, run_escalations
from leaddesk.services.playbook import EscalationAction, parse_playbook, shipped_playbook_text
from leaddesk.services.sla import start_response_clock

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 2026-12-09 10:00 UTC.
RECEIVED = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)

LADDER = """
[[segments.escalation]]
at = "80%"
action = "remind_owner"

[[segments.escalation]]
at = "100%"
action = "alert_team_lead"

[[segments.escalation]]
at = "1h"
action = "reassign"
"""

ROUTING = """
[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben"]

[team]
lead = "Tess"
"""


def _playbook(zone: str = "UTC"):
    text = shipped_playbook_text()
    outbound_ladder = text[text.index("[[segments.escalation]]"):text.index("[[segments]]\nkey = \"mid_market_form\"")]
    text = text.replace(outbound_ladder, LADDER + "\n")
    # The mid-market segment gets a reminder at 80% of its 15 business minutes.
    general = '[[segments]]\nkey = "general"'
    text = text.replace(general, '[[segments.escalation]]\nat = "80%"\naction = "remind_owner"\n\n' + general)
    head = text.split("# Routing rules", 1)[0]
    return parse_playbook(head + ROUTING, default_timezone=zone)


def _add_lead(session, playbook, received=RECEIVED, source="Replied to outbound", employees=None, owner=None) -> Lead:
    lead = Lead(email="x@initech.com", received_at=received, source=source, employee_count=employees, segment="general", stage="new", owner=owner)
    start_response_clock(lead, playbook)
    session.add(lead)
    session.flush()
    return lead


def _timeline(session, lead: Lead) -> list[str]:
    return list(session.scalars(select(Activity.summary).where(Activity.lead_id == lead.id, Activity.kind == "escalation").order_by(Activity.created_at)))


def test_schedule_of_outbound_ladder() -> None:
    playbook = _playbook()

    schedule = ladder_schedule(playbook.segment("outbound_reply"), RECEIVED, playbook)

    assert [(item.step.action, item.due_at) for item in schedule] == [
        (EscalationAction.REMIND_OWNER, RECEIVED + timedelta(minutes=24)),
        (EscalationAction.ALERT_TEAM_LEAD, RECEIVED + timedelta(minutes=30)),
        (EscalationAction.REASSIGN, RECEIVED + timedelta(hours=1)),
    ]


def test_business_hours_step_waits_for_opening() -> None:
    playbook = _playbook("Europe/Berlin")
    friday_evening = datetime(2026, 12, 4, 17, 55, tzinfo=BERLIN)
    rule = playbook.segment("mid_market_form")

    schedule = ladder_schedule(rule, friday_evening, playbook)

    # 80% of 15 business minutes is 12: 5 on Friday and 7 on Monday.
    assert [item.due_at for item in schedule] == [datetime(2026, 12, 7, 9, 7, tzinfo=BERLIN)]


def test_steps_run_at_their_ages(database: Database) -> None:
    playbook = _playbook()
    with database.session() as session:
        ana, ben = Rep(name="Ana"), Rep(name="Ben")
        session.add_all([ana, ben])
        lead = _add_lead(session, playbook, owner=ana)

        at_10m = run_escalations(session, RECEIVED + timedelta(minutes=10), playbook)
        at_24m = run_escalations(session, RECEIVED + timedelta(minutes=24), playbook)
        at_30m = run_escalations(session, RECEIVED + timedelta(minutes=30), playbook)
        at_59m = run_escalations(session, RECEIVED + timedelta(minutes=59), playbook)
        at_60m = run_escalations(session, RECEIVED + timedelta(minutes=60), playbook)
        again = run_escalations(session, RECEIVED + timedelta(minutes=61), playbook)

        assert at_10m == []
        assert [event.step.action for event in at_24m] == [EscalationAction.REMIND_OWNER]
        assert [event.step.action for event in at_30m] == [EscalationAction.ALERT_TEAM_LEAD]
        assert at_59m == []
        assert [event.step.action for event in at_60m] == [EscalationAction.REASSIGN]
        assert again == []
        assert lead.owner_id == ben.id
        assert _timeline(session, lead) == [
            "Reminder to Ana (remind owner at 80% of the SLA): respond to this lead, due in 6m 0s",
            "Alert to Tess (alert team lead at breach): nobody has contacted this lead, overdue by 0s",
            "Reassigned from Ana to Ben (reassign 1h after arrival)",
        ]


def test_late_run_catches_up_in_order(database: Database) -> None:
    playbook = _playbook()
    with database.session() as session:
        lead = _add_lead(session, playbook)

        events = run_escalations(session, RECEIVED + timedelta(hours=2), playbook)

        assert [event.step.action for event in events] == [
            EscalationAction.REMIND_OWNER, EscalationAction.ALERT_TEAM_LEAD, EscalationAction.REASSIGN,
        ]
        # No rep exists, so the lead stays unassigned and the timeline states why.
        assert _timeline(session, lead)[-1].startswith("Reassignment (reassign 1h after arrival) found no available rep, so nobody keeps it: skipped Ana: no rep of that name")


def test_contact_stops_the_ladder(database: Database) -> None:
    playbook = _playbook()
    with database.session() as session:
        lead = _add_lead(session, playbook)
        run_escalations(session, RECEIVED + timedelta(minutes=25), playbook)
        lead.first_contacted_at = RECEIVED + timedelta(minutes=26)
        session.flush()

        later = run_escalations(session, RECEIVED + timedelta(hours=3), playbook)

        assert later == []
        assert len(_timeline(session, lead)) == 1
        assert next_step(session, lead, playbook) is None


def test_next_step_reports_pending(database: Database) -> None:
    playbook = _playbook()
    with database.session() as session:
        lead = _add_lead(session, playbook)
        run_escalations(session, RECEIVED + timedelta(minutes=25), playbook)

        pending = next_step(session, lead, playbook)

        assert pending.step.action is EscalationAction.ALERT_TEAM_LEAD
        assert pending.due_at == RECEIVED + timedelta(minutes=30)


def test_segment_without_ladder_never_escalates(database: Database) -> None:
    playbook = _playbook()
    with database.session() as session:
        lead = _add_lead(session, playbook, source="Website visit")

        assert run_escalations(session, RECEIVED + timedelta(days=3), playbook) == []
        assert lead.segment == "general"
