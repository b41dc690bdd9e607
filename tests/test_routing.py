"""Routing: named accounts, round-robin, least-loaded, skips, persistence and the simulator."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Activity, Lead, Rep
from leaddesk.services.database import Database
from leaddesk.services.playbook import parse_playbook, save_playbook_text, shipped_playbook_text
from leaddesk.services.routing import assign_lead, route_lead

# Wednesday 2026-12-09 12:00 UTC, inside the UTC team calendar's 09:00-18:00.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)

ROUTING = """
[[routing.rules]]
name = "Named accounts"
strategy = "named_accounts"

[[routing.rules]]
name = "Enterprise"
strategy = "fixed"
reps = ["Erin"]
when = { field = "employees", at_least = 1000 }

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben", "Cy"]

[[routing.rules]]
name = "Overflow"
strategy = "least_loaded"
reps = ["Dee", "Eli"]

[routing.named_accounts]
"acme.com" = "Cy"
"Globex" = "Ben"

[calendars.mornings]
timezone = "UTC"
[calendars.mornings.hours]
wednesday = ["08:00-11:00"]

[reps.Ana]
capacity = 10
[reps.Ben]
time_off = ["2026-12-08..2026-12-10"]
[reps.Cy]
calendar = "mornings"
[reps.Dee]
capacity = 4
[reps.Eli]
capacity = 2

[team]
lead = "Tess"
"""


def _playbook_text(routing: str = ROUTING) -> str:
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    return head + routing


def _playbook():
    return parse_playbook(_playbook_text(), default_timezone="UTC")


@pytest.fixture
def reps(database: Database) -> Database:
    with database.session() as session:
        for name in ("Ana", "Ben", "Cy", "Dee", "Eli", "Erin", "Tess"):
            session.add(Rep(name=name, active=name != "Erin"))
    return database


def _new_lead(session, **values) -> Lead:
    lead = Lead(email=values.pop("email", "x@initech.com"), received_at=NOW, segment="general", stage="new", **values)
    session.add(lead)
    session.flush()
    return lead


def _give_open_leads(session, name: str, count: int) -> None:
    rep = session.scalars(select(Rep).where(Rep.name == name)).one()
    for _ in range(count):
        _new_lead(session, owner_id=rep.id)


def test_shipped_playbook_routes_nobody(database: Database) -> None:
    with database.session() as session:
        lead = _new_lead(session)
        decision = route_lead(session, lead, parse_playbook(shipped_playbook_text()), NOW)

    assert decision.rep is None
    assert decision.reasons == ["the playbook has no routing rules"]


def test_named_account_by_domain_wins(reps: Database) -> None:
    with reps.session() as session:
        lead = _new_lead(session, email="ana@sales.acme.com", employee_count=5000)
        decision = route_lead(session, lead, _playbook(), NOW)

    # Cy is outside hours, but a named account always goes to its owner.
    assert decision.rep.name == "Cy"
    assert decision.rule == "Named accounts"
    assert decision.reasons == ["named account 'acme.com' belongs to Cy"]


def test_named_account_by_company(reps: Database) -> None:
    with reps.session() as session:
        lead = _new_lead(session, company="GLOBEX ")
        decision = route_lead(session, lead, _playbook(), NOW)

    assert decision.rep.name == "Ben"


def test_condition_rule_skips_inactive_rep(reps: Database) -> None:
    with reps.session() as session:
        lead = _new_lead(session, employee_count=5000)
        decision = route_lead(session, lead, _playbook(), NOW)

    assert decision.rule == "Pool"
    assert "skipped Erin: inactive" in decision.reasons
    assert "rule 'Enterprise' found no available rep" in decision.reasons


def test_round_robin_skips_time_off_and_hours(reps: Database) -> None:
    with reps.session() as session:
        picks = [assign_lead(session, _new_lead(session), _playbook(), NOW) for _ in range(3)]

    assert [pick.rep.name for pick in picks] == ["Ana", "Ana", "Ana"]
    assert "skipped Ben: on time off on 2026-12-09" in picks[0].reasons
    assert "skipped Cy: outside working hours (next opening Wed 2026-12-16 08:00 UTC)" in picks[0].reasons


def test_round_robin_rotates_and_survives_restart(reps: Database, database_target: str) -> None:
    thursday = datetime(2026, 12, 10, 9, 30, tzinfo=timezone.utc)
    with reps.session() as session:
        first = assign_lead(session, _new_lead(session), _playbook(), thursday).rep.name
    reps.dispose()

    reopened = Database.open(database_target)
    with reopened.session() as session:
        playbook = _playbook()
        # Ben is off until the 10th and Cy only works Wednesday mornings, so Friday has Ana and Ben.
        friday = datetime(2026, 12, 11, 9, 30, tzinfo=timezone.utc)
        later = [assign_lead(session, _new_lead(session), playbook, friday).rep.name for _ in range(3)]
    reopened.dispose()

    assert first == "Ana"
    assert later == ["Ben", "Ana", "Ben"]


def test_round_robin_skips_full_rep(reps: Database) -> None:
    with reps.session() as session:
        _give_open_leads(session, "Ana", 10)
        decision = route_lead(session, _new_lead(session), _playbook(), NOW)

    assert decision.rule == "Overflow"
    assert "skipped Ana: at capacity (10 of 10 open leads)" in decision.reasons


def test_least_loaded_uses_share_of_capacity(reps: Database) -> None:
    with reps.session() as session:
        _give_open_leads(session, "Ana", 10)
        _give_open_leads(session, "Dee", 2)
        _give_open_leads(session, "Eli", 1)
        decision = route_lead(session, _new_lead(session), _playbook(), NOW)

    # Dee uses 2 of 4 and Eli 1 of 2: equal shares, so the first listed wins.
    assert decision.rep.name == "Dee"
    assert decision.reasons[-1] == "Dee: lowest share of capacity in use (open leads: Dee 2, Eli 1)"


def test_least_loaded_picks_lower_share(reps: Database) -> None:
    with reps.session() as session:
        _give_open_leads(session, "Ana", 10)
        _give_open_leads(session, "Dee", 3)
        decision = route_lead(session, _new_lead(session), _playbook(), NOW)

    assert decision.rep.name == "Eli"


def test_simulator_changes_nothing(reps: Database) -> None:
    with reps.session() as session:
        lead = _new_lead(session)
        playbook = _playbook()
        simulated = [route_lead(session, lead, playbook, NOW, remember=False).rep.name for _ in range(2)]
        assigned = assign_lead(session, lead, playbook, NOW)
        activities = session.scalars(select(Activity.summary).where(Activity.lead_id == lead.id)).all()

    assert simulated == ["Ana", "Ana"]
    assert assigned.rep.name == "Ana"
    assert activities == ["Assigned to Ana by routing rule 'Pool' (round_robin)"]


def test_route_cli_explains_without_assigning(reps: Database, database_target: str, capsys: pytest.CaptureFixture) -> None:
    with reps.session() as session:
        save_playbook_text(session, _playbook_text())
        lead_id = _new_lead(session, email="ana@acme.com").id
    reps.dispose()

    assert main(["route", str(lead_id), "--explain", "--db", database_target, "--now", "2026-12-09T12:00:00Z"]) == 0

    out = capsys.readouterr().out
    assert "route: Cy by rule 'Named accounts' (named_accounts)" in out
    reopened = Database.open(database_target)
    with reopened.session() as session:
        assert session.get(Lead, lead_id).owner_id is None
    reopened.dispose()


def test_route_cli_hypothetical_lead(reps: Database, database_target: str, capsys: pytest.CaptureFixture) -> None:
    with reps.session() as session:
        save_playbook_text(session, _playbook_text())
    reps.dispose()

    code = main(["route", "--set", "company=Globex", "--set", "employees=20", "--db", database_target, "--now", "2026-12-09T12:00:00Z", "--json"])

    assert code == 0
    assert '"rep": "Ben"' in capsys.readouterr().out


def test_route_cli_assign_sets_owner(reps: Database, database_target: str, capsys: pytest.CaptureFixture) -> None:
    with reps.session() as session:
        save_playbook_text(session, _playbook_text())
        lead_id = _new_lead(session).id
    reps.dispose()

    assert main(["route", str(lead_id), "--assign", "--db", database_target, "--now", "2026-12-09T12:00:00Z"]) == 0

    assert "route: Ana by rule 'Pool' (round_robin)" in capsys.readouterr().out
    reopened = Database.open(database_target)
    with reopened.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.owner.name == "Ana"
        kinds = session.scalars(select(Activity.kind).where(Activity.lead_id == lead_id)).all()
        assert kinds == ["assignment"]
    reopened.dispose()
