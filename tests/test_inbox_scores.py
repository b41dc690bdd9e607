"""The inbox orders, filters and shows leads by their playbook evaluation, on a real SQLite file."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from leaddesk.cli.main import main
from leaddesk.models import Lead, LeadEvaluation
from leaddesk.services import inbox, lead_actions
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.evaluation import set_score_override
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.playbook import DEFAULT_SEGMENTS
from leaddesk.ui.filter_bar import FilterBar
from leaddesk.ui.lead_table_model import COLUMN_INDEX, SORT_ROLE, LeadTableModel
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)

# Director title, 800 employees, company e-mail and a demo source: fit 20 + 15 + 10 = 45
# under the shipped playbook, grade C, and sales qualified.
STRONG = {
    "full_name": "Strong Sol",
    "title": "VP Sales",
    "employee_count": 800,
    "email": "sol@bigcorp.example",
    "source": "Demo request",
}
# 60 employees and a company e-mail: fit 10, grade D, marketing qualified.
MEDIUM = {"full_name": "Medium Mia", "employee_count": 60, "email": "mia@midco.example"}
# A free-mail address and no company data: fit 0, grade D, not qualified.
WEAK = {"full_name": "Weak Wes", "email": "wes@gmail.com"}


def add_lead(session, score: int = 0, evaluate: bool = True, **fields) -> uuid.UUID:
    values = {"received_at": NOW - timedelta(days=1), "segment": "general", "stage": "contacted", "score": score}
    values["first_contacted_at"] = NOW - timedelta(hours=20)
    values.update(fields)
    session.info[SKIP_KEY] = not evaluate
    lead = Lead(**values)
    session.add(lead)
    session.flush()
    session.info[SKIP_KEY] = False
    return lead.id


@pytest.fixture
def scored(database) -> dict[str, uuid.UUID]:
    with database.session() as session:
        ids = {
            # Lead.score 90 is ignored once the lead is evaluated.
            "strong": add_lead(session, score=90, **STRONG),
            "medium": add_lead(session, score=95, **MEDIUM),
            "weak": add_lead(session, score=99, **WEAK),
            # Not evaluated yet, so Lead.score 30 counts.
            "raw": add_lead(session, score=30, evaluate=False, full_name="Raw Rita"),
        }
    return ids


def rows(database, **filters) -> list[inbox.InboxRow]:
    query = InboxQuery(now=NOW, **filters)
    with database.session() as session:
        return inbox.page(session, query, 0, None)


def test_order_uses_evaluated_score(database, scored):
    assert [row.name for row in rows(database)] == ["Strong Sol", "Raw Rita", "Medium Mia", "Weak Wes"]


def test_row_carries_grade_and_qualification(database, scored):
    by_name = {row.name: row for row in rows(database)}

    strong = by_name["Strong Sol"]
    assert strong.score == 45
    assert strong.grade == "C"
    assert strong.qualification == "sql"
    assert any("Director or above" in line for line in strong.score_reasons)

    assert by_name["Medium Mia"].qualification == "mql"
    assert by_name["Weak Wes"].qualification is None
    assert by_name["Weak Wes"].score_reasons == ()

    raw = by_name["Raw Rita"]
    assert raw.score == 30
    assert raw.grade is None
    assert raw.qualification is None


def test_fetch_rows_matches_page(database, scored):
    with database.session() as session:
        ids = inbox.list_lead_ids(session, InboxQuery(now=NOW))
        fetched = inbox.fetch_rows(session, ids, NOW)
    assert fetched == rows(database)


def test_score_override_moves_lead(database, scored):
    with database.session() as session:
        weak = session.get(Lead, scored["weak"])
        set_score_override(session, weak, 80, "met at a fair", NOW)
    ordered = rows(database)
    assert ordered[0].name == "Weak Wes"
    assert ordered[0].score == 80
    assert ordered[0].grade == "A"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"grade": "C"}, ["Strong Sol"]),
        ({"grade": "D"}, ["Medium Mia", "Weak Wes"]),
        ({"qualification": "sql"}, ["Strong Sol"]),
        ({"qualification": "mql"}, ["Medium Mia"]),
        ({"qualification": "none"}, ["Raw Rita", "Weak Wes"]),
    ],
)
def test_filter_by_grade_and_qualification(database, scored, filters, expected):
    assert [row.name for row in rows(database, **filters)] == expected
    with database.session() as session:
        assert inbox.count_leads(session, InboxQuery(now=NOW, **filters)) == len(expected)


@pytest.mark.parametrize(
    ("sort_key", "descending", "first"),
    [
        ("score", True, "Strong Sol"),
        ("score", False, "Weak Wes"),
        ("grade", False, "Strong Sol"),
        ("qualification", True, "Strong Sol"),
    ],
)
def test_sort_by_evaluation_columns(database, scored, sort_key, descending, first):
    assert rows(database, sort_key=sort_key, descending=descending)[0].name == first


def test_unknown_grade_rejected():
    with pytest.raises(ValueError, match="unknown grade 'E'"):
        InboxQuery(now=NOW, grade="E")
    with pytest.raises(ValueError, match="unknown qualification 'hot'"):
        InboxQuery(now=NOW, qualification="hot")


def test_evaluation_row_outlives_lead_score_change(database, scored):
    # An import may write Lead.score from a CRM column, but an evaluated lead keeps its playbook score.
    with database.session() as session:
        session.info[SKIP_KEY] = True
        session.get(Lead, scored["strong"]).score = 1
    assert {row.name: row.score for row in rows(database)}["Strong Sol"] == 45
    with database.session() as session:
        assert session.get(LeadEvaluation, scored["strong"]).score_total == 45


def test_cli_json_has_grade(database_target, database, scored, capsys, monkeypatch):
    monkeypatch.setenv("LEADDESK_DB", database_target)
    exit_code = main(["inbox", "--json", "--now", NOW.isoformat(), "--qualification", "sql"])
    captured = capsys.readouterr()
    assert exit_code == 0, captured.err
    listed = json.loads(captured.out)
    assert [row["name"] for row in listed] == ["Strong Sol"]
    assert listed[0]["grade"] == "C"
    assert listed[0]["qualification"] == "sql"
    assert listed[0]["score"] == 45
    assert listed[0]["score_reasons"]


def test_cli_rejects_unknown_grade(db_path, database, scored, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["inbox", "--db", str(db_path), "--grade", "E"])
    assert raised.value.code == 2
    assert "invalid choice: 'E'" in capsys.readouterr().err


def test_table_shows_grade_and_tooltip(qtbot, database, scored):
    runner = TaskRunner(database)
    model = LeadTableModel(runner)
    with database.session() as session:
        model.set_lead_ids(inbox.list_lead_ids(session, InboxQuery(now=NOW)), NOW)
    with qtbot.waitSignal(model.page_loaded):
        model.row_data(0)

    def cell(row: int, column: str, role=Qt.ItemDataRole.DisplayRole):
        return model.data(model.index(row, COLUMN_INDEX[column]), role)

    assert cell(0, "name") == "Strong Sol"
    assert cell(0, "score") == "45"
    assert cell(0, "grade") == "C SQL"
    assert cell(0, "grade", SORT_ROLE) == ("C", -2)
    tooltip = cell(0, "score", Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("Score 45, grade C, sales qualified (SQL)")
    assert "Director or above" in tooltip

    assert cell(1, "name") == "Raw Rita"
    assert cell(1, "grade") == ""
    assert cell(2, "name") == "Medium Mia"
    assert cell(2, "grade") == "D MQL"
    assert cell(3, "grade") == "D"
    assert "not evaluated" in cell(1, "score", Qt.ItemDataRole.ToolTipRole)
    runner.shut_down()


def test_filter_bar_score_choice(qtbot):
    bar = FilterBar(DEFAULT_SEGMENTS)
    qtbot.addWidget(bar)
    assert bar.filters().grade is None
    assert bar.filters().qualification is None

    with qtbot.waitSignal(bar.changed):
        bar.score_combo.setCurrentIndex(bar.score_combo.findData("grade:B"))
    assert bar.filters().grade == "B"
    assert bar.filters().qualification is None

    bar.score_combo.setCurrentIndex(bar.score_combo.findData("qualification:none"))
    assert bar.filters().grade is None
    assert bar.filters().qualification == "none"


def test_detail_score_matches_inbox(database, scored):
    with database.session() as session:
        assert lead_actions.lead_detail(session, scored["strong"]).score == 45
        assert lead_actions.lead_detail(session, scored["raw"]).score == 30
