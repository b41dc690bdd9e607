"""The dedupe, merge and undo commands on a real database file."""

from __future__ import annotations

import json

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database


def _seed(db_path) -> list[str]:
    database = Database.open(db_path)
    with database.session() as session:
        leads = [
            Lead(first_name="Bill", last_name="Turner", email="bill.turner@gmail.com"),
            Lead(first_name="William", last_name="Turner", email="billturner@gmail.com"),
            Lead(first_name="Ann", last_name="Lee", company="Globex"),
        ]
        session.add_all(leads)
        session.flush()
        ids = [str(lead.id) for lead in leads]
    database.dispose()
    return ids


def test_dedupe_json_lists_group(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["dedupe", "--db", str(db_path), "--json"])

    groups = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(groups) == 1
    assert sorted(groups[0]["lead_ids"]) == sorted([bill, william])
    assert "same e-mail billturner@gmail.com" in groups[0]["pairs"][0]["reasons"]


def test_merge_then_undo(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    merged = main(["merge", bill, william, "--db", str(db_path), "--json"])
    operation = json.loads(capsys.readouterr().out)["operation_id"]
    undone = main(["undo", operation[:8], "--db", str(db_path)])
    output = capsys.readouterr().out

    assert merged == 0
    assert undone == 0
    assert output.startswith(f"Undid merge {operation}: restored 1 leads")


def test_merge_invalid_id(db_path, capsys) -> None:
    bill, _william, _ann = _seed(db_path)

    code = main(["merge", bill, "12345", "--db", str(db_path)])

    assert code != 0
    assert "invalid lead id '12345'" in capsys.readouterr().err


def test_undo_unknown_id(db_path, capsys) -> None:
    _seed(db_path)

    code = main(["undo", "abcdef12", "--db", str(db_path)])

    assert code != 0
    assert "no merge operation or import batch" in capsys.readouterr().err
