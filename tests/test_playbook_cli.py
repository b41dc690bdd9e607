"""The explain, escalate and evaluate commands on a real database file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Activity, Lead, LeadEvaluation, Rep
from leaddesk.services.database import Database
from leaddesk.services.playbook import load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.sla import start_response_clock

# Friday 2026-12-11 17:55 UTC: five business minutes before closing in a UTC team.
RECEIVED = datetime(2026, 12, 11, 17, 55, tzinfo=timezone.utc)


def _store(db_path: Path, **values) -> str:
    database = Database.open(db_path)
    with database.session() as session:
        set_team_timezone(session, "UTC")
        text = shipped_playbook_text().split("# Routing rules", 1)[0]
        text += '[[routing.rules]]\nname = "Pool"\nstrategy = "fixed"\nreps = ["Ana"]\n\n[reps.Ana]\n\n[team]\nlead = "Tess"\n'
        save_playbook_text(session, text)
        session.add(Rep(name="Ana"))
        fields = dict(
            email="cto@acme.com", full_name="Cat O'Neil", title="CTO", employee_count=300, industry="SaaS",
            source="Website form", received_at=RECEIVED, segment="general", stage="new",
        )
        lead = Lead(**{**fields, **values})
        start_response_clock(lead, load_playbook(session))
        session.add(lead)
        session.flush()
        lead_id = str(lead.id)
    database.dispose()
    return lead_id


def test_explain_prints_every_part(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    lead_id = _store(db_path)

    code = main(["explain", lead_id, "--db", str(db_path), "--now", "2026-12-11T17:58:00Z"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0] == f"lead {lead_id}: Cat O'Neil"
    assert lines[1] == "segment: Mid-market form fill (mid_market_form), respond 15 min in business hours"
    assert lines[2] == "due: Mon 2026-12-14 09:10 UTC (waiting, due in 2d 15h)"
    assert lines[3] == "business time left: 12m"
    assert "qualification: MQL" in lines
    assert "    [FAIL] employees 300 < 500" in lines
    assert "score 30 (fit 30 + engagement 0), grade C" in lines
    assert "route: Ana by rule 'Pool' (fixed)" in lines
    assert lines[-1] == "escalation: none pending"


def test_explain_json_and_contacted_speed(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    lead_id = _store(db_path, first_contacted_at=RECEIVED + timedelta(days=2, hours=15, minutes=20))

    assert main(["explain", lead_id, "--db", str(db_path), "--json", "--now", "2026-12-14T10:00:00Z"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["segment"] == "mid_market_form"
    assert data["sla"][1] == "contacted: speed to lead 2d15h20m wall time, 20m business time"
    assert data["qualification"]["stage"] == "mql"
    assert data["score"]["grade"] == "C"
    assert data["routing"]["rep"] == "Ana"


def test_explain_unknown_lead_fails(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    _store(db_path)

    assert main(["explain", "00000000-0000-0000-0000-000000000000", "--db", str(db_path)]) == 1
    assert "lead 00000000-0000-0000-0000-000000000000 not found" in capsys.readouterr().err


def test_escalate_runs_due_steps_once(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    lead_id = _store(db_path, source="Replied to outbound")

    assert main(["escalate", "--db", str(db_path), "--now", "2026-12-11T18:30:00Z"]) == 0
    assert main(["escalate", "--db", str(db_path), "--now", "2026-12-11T18:31:00Z"]) == 0

    out = capsys.readouterr().out
    assert f"{lead_id}  Alert to Tess (alert team lead at breach): nobody has contacted this lead, overdue by 5m 0s" in out
    assert out.count("1 escalation step(s) run") == 1
    assert out.count("0 escalation step(s) run") == 1


def test_evaluate_stores_scores(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    lead_id = _store(db_path)

    assert main(["evaluate", "--db", str(db_path), "--now", "2026-12-12T00:00:00Z"]) == 0

    assert capsys.readouterr().out.strip() == "1 lead(s) evaluated"
    database = Database.open(db_path)
    with database.session() as session:
        stored = session.scalars(select(LeadEvaluation)).one()
        assert str(stored.lead_id) == lead_id
        assert (stored.qualification, stored.score_total, stored.grade) == ("mql", 30, "C")
        assert session.scalars(select(Activity)).all() == []
    database.dispose()


def test_escalate_runs_imported_leads(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from leaddesk.services.importing.importer import run_import
    from leaddesk.services.post_import_jobs import run_post_import_jobs

    _store(db_path, source="Replied to outbound")
    path = tmp_path / "leads.csv"
    path.write_text("first_name,email,source\nJo,jo@initech.com,Replied to outbound\n", encoding="utf-8")
    database = Database.open(db_path)
    run_import(database, path, now=RECEIVED)
    # Escalation defers the leads of an import until its post-import job has routed them.
    run_post_import_jobs(database)
    database.dispose()

    assert main(["escalate", "--db", str(db_path), "--now", "2026-12-11T18:30:00Z"]) == 0
    assert main(["escalate", "--db", str(db_path), "--now", "2026-12-11T18:31:00Z"]) == 0

    out = capsys.readouterr().out
    # The lead typed in through the ORM and the imported one each reach their breach alert once.
    assert out.count("Alert to Tess (alert team lead at breach)") == 2
    assert out.count("2 escalation step(s) run") == 1
    assert out.count("0 escalation step(s) run") == 1
