"""`leaddesk evaluate` through the bulk evaluation: same stored results as the ORM path, progress and --json."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Activity, Lead, LeadEvaluation, Rep
from leaddesk.services import evaluation
from leaddesk.services.database import Database
from leaddesk.services.evaluation import evaluate_leads, set_score_override

NOW = datetime(2026, 12, 12, tzinfo=timezone.utc)
COMPARED = (
    "qualification", "qualification_reasons", "fit_points", "engagement_points", "score_total", "grade",
    "score_parts", "score_override", "speed_to_lead_seconds", "speed_to_lead_business_seconds", "evaluated_at",
)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _store_leads(db_path: Path) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        rep = Rep(name="Ana")
        session.add(rep)
        leads = [
            Lead(email="cto@acme.com", title="CTO", employee_count=800, industry="SaaS", source="Website demo",
                 received_at=NOW - timedelta(days=2), segment="general", stage="new", owner=rep),
            Lead(email="sam@gmail.com", title="Engineer", employee_count=20, source="Import",
                 received_at=NOW - timedelta(days=1), segment="general", stage="new"),
            Lead(email="vp@beta.io", title="VP Sales", employee_count=5000, source="Outbound reply",
                 received_at=NOW - timedelta(hours=3), segment="general", stage="new",
                 first_contacted_at=NOW - timedelta(hours=1)),
            Lead(email="gone@beta.io", employee_count=600, received_at=NOW, segment="general", stage="new",
                 deleted_at=NOW),
        ]
        session.add_all(leads)
        session.flush()
        session.add(Activity(lead_id=leads[0].id, kind="meeting", summary="demo requested", occurred_at=NOW - timedelta(days=3)))
        session.add(Activity(lead_id=leads[1].id, kind="note", summary="pricing viewed", occurred_at=NOW - timedelta(days=20)))
        session.flush()
        set_score_override(session, leads[1], 90, "met at a fair", NOW - timedelta(hours=5))
    database.dispose()


def _stored_rows(db_path: Path) -> dict[str, tuple]:
    database = Database.open(db_path)
    with database.session() as session:
        rows = {
            str(row.lead_id): tuple(getattr(row, name) for name in COMPARED)
            for row in session.scalars(select(LeadEvaluation))
        }
    database.dispose()
    return rows


def test_evaluate_matches_orm_path(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _store_leads(db_path)
    orm_copy = tmp_path / "orm.sqlite"
    orm_copy.write_bytes(db_path.read_bytes())

    assert main(["evaluate", "--db", str(db_path), "--now", "2026-12-12T00:00:00Z"]) == 0
    database = Database.open(orm_copy)
    with database.session() as session:
        assert evaluate_leads(session, NOW) == 3
    database.dispose()

    assert capsys.readouterr().out.strip() == "3 lead(s) evaluated"
    bulk_rows, orm_rows = _stored_rows(db_path), _stored_rows(orm_copy)
    assert len(bulk_rows) == 3
    assert bulk_rows == orm_rows


def test_evaluate_skips_orm_evaluation(db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _store_leads(db_path)

    def fail(*_args, **_kwargs):
        raise AssertionError("evaluate_lead ran; leaddesk evaluate should use the bulk evaluation")

    monkeypatch.setattr(evaluation, "evaluate_lead", fail)

    assert main(["evaluate", "--db", str(db_path), "--now", "2026-12-12T00:00:00Z"]) == 0
    assert capsys.readouterr().out.strip() == "3 lead(s) evaluated"


def test_evaluate_progress_on_terminal(db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _store_leads(db_path)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(evaluation, "EVALUATE_ALL_BATCH", 2)

    assert main(["evaluate", "--db", str(db_path), "--now", "2026-12-12T00:00:00Z"]) == 0

    drawn = terminal.getvalue()
    assert "evaluating   67%  2 of 3 leads" in drawn
    assert "evaluating  100%  3 of 3 leads" in drawn
    # close() erases the line, so the terminal ends on a carriage return.
    assert drawn.endswith("\r")
    assert capsys.readouterr().out.strip() == "3 lead(s) evaluated"


def test_evaluate_json_without_progress(db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _store_leads(db_path)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)

    assert main(["evaluate", "--db", str(db_path), "--now", "2026-12-12T00:00:00Z", "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == {"evaluated": 3}
    assert terminal.getvalue() == ""
