"""A new playbook moves the deadlines of leads still waiting for first contact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.deadline_refresh import recompute_waiting_deadlines
from leaddesk.services.playbook import load_playbook, parse_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.sla import start_response_clock

SHIPPED = shipped_playbook_text()
# Wednesday 2026-12-09 10:00 UTC. The shipped outbound-reply segment has a 30m budget around the clock.
RECEIVED = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
LONGER = SHIPPED.replace('respond_within = "30m"', 'respond_within = "2h"', 1)


def _add_lead(session, email: str, **columns) -> Lead:
    lead = Lead(email=email, source="Replied to outbound", received_at=RECEIVED, segment="outbound_reply", stage="new", **columns)
    start_response_clock(lead, load_playbook(session))
    session.add(lead)
    session.flush()
    return lead


def _leads(database: Database) -> dict[str, Lead]:
    with database.session() as session:
        leads = session.query(Lead).all()
        session.expunge_all()
        return {lead.email: lead for lead in leads}


def test_new_sla_moves_waiting_deadline(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "UTC")
        _add_lead(session, "waiting@example.com")
        _add_lead(session, "called@example.com", first_contacted_at=RECEIVED + timedelta(minutes=2))
        _add_lead(session, "working@example.com")
        session.query(Lead).filter(Lead.email == "working@example.com").one().stage = "working"

    with database.session() as session:
        previous = load_playbook(session)
        moved = recompute_waiting_deadlines(session, previous, save_playbook_text(session, LONGER))

    leads = _leads(database)
    assert moved == 1
    assert leads["waiting@example.com"].response_due_at == RECEIVED + timedelta(hours=2)
    assert leads["working@example.com"].response_due_at == RECEIVED + timedelta(minutes=30)


def test_unchanged_sla_moves_nothing(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "UTC")
        _add_lead(session, "waiting@example.com")
        previous = load_playbook(session)
        changed = SHIPPED.replace("points = 20", "points = 25", 1)

        moved = recompute_waiting_deadlines(session, previous, parse_playbook(changed, default_timezone="UTC"))

    assert moved == 0
    assert _leads(database)["waiting@example.com"].response_due_at == RECEIVED + timedelta(minutes=30)


def test_cli_import_reports_moved_deadlines(db_path: Path, tmp_path: Path, capsys) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        set_team_timezone(session, "UTC")
        _add_lead(session, "waiting@example.com")
    database.dispose()
    path = tmp_path / "longer.toml"
    path.write_text(LONGER, encoding="utf-8")

    assert main(["playbook", "import", str(path), "--db", str(db_path)]) == 0

    assert "1 waiting lead deadline(s) moved to the new response times" in capsys.readouterr().out
    opened = Database.open(db_path)
    assert _leads(opened)["waiting@example.com"].response_due_at == RECEIVED + timedelta(hours=2)
    opened.dispose()
