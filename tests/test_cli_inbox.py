"""`leaddesk inbox`: table and JSON output, --now, filters and exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.cli.main import main
from leaddesk.models import Lead, Rep
from leaddesk.services.auto_evaluation import SKIP_KEY

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)

JSON_KEYS = {"id", "name", "email", "company", "segment", "stage", "received_at", "response_due_at", "state"}


@pytest.fixture
def leads(database, database_target):
    with database.session() as session:
        # Left unevaluated, so the inbox shows Lead.score and no grade.
        session.info[SKIP_KEY] = True
        rep = Rep(name="Ana Lopez")
        session.add(rep)
        session.flush()
        session.add_all(
            [
                Lead(
                    full_name="Late Lara",
                    email="lara@example.com",
                    company="Acme",
                    owner_id=rep.id,
                    received_at=NOW - timedelta(hours=2),
                    response_due_at=NOW - timedelta(hours=1),
                    response_warn_at=NOW - timedelta(hours=1, minutes=10),
                    score=10,
                ),
                Lead(
                    full_name="Soon Sami",
                    company="Globex",
                    received_at=NOW - timedelta(minutes=20),
                    response_due_at=NOW + timedelta(minutes=5),
                    response_warn_at=NOW - timedelta(minutes=1),
                    score=20,
                ),
                Lead(
                    full_name="Old Olga",
                    stage="won",
                    received_at=NOW - timedelta(days=30),
                    score=99,
                ),
            ]
        )
    return database_target


def run_json(capsys, *args: str) -> list[dict]:
    exit_code = main(["inbox", "--json", *args])
    captured = capsys.readouterr()
    assert exit_code == 0, captured.err
    return json.loads(captured.out)


def test_json_keys_and_order(capsys, leads):
    rows = run_json(capsys, "--db", str(leads), "--now", "2024-05-06T12:00:00Z")

    assert [row["name"] for row in rows] == ["Late Lara", "Soon Sami", "Old Olga"]
    assert JSON_KEYS <= set(rows[0])
    assert [row["state"] for row in rows] == ["overdue", "due_soon", "waiting"]
    assert rows[0]["response_due_at"] == "2024-05-06T11:00:00Z"
    assert rows[2]["response_due_at"] is None


def test_now_moves_deadlines(capsys, leads):
    rows = run_json(capsys, "--db", str(leads), "--now", "2024-05-06T10:00:00+00:00")

    assert [row["state"] for row in rows] == ["waiting", "waiting", "waiting"]


def test_now_naive_is_utc(capsys, leads):
    naive = run_json(capsys, "--db", str(leads), "--now", "2024-05-06T12:04:59")
    shifted = run_json(capsys, "--db", str(leads), "--now", "2024-05-06T14:04:59+02:00")

    assert naive == shifted
    assert naive[1]["state"] == "due_soon"


def test_db_before_subcommand(capsys, leads):
    exit_code = main(["--db", str(leads), "inbox", "--json", "--now", "2024-05-06T12:00:00Z"])

    assert exit_code == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_filters_and_limit(capsys, leads):
    base = ("--db", str(leads), "--now", "2024-05-06T12:00:00Z")

    assert [row["name"] for row in run_json(capsys, *base, "--stage", "won")] == ["Old Olga"]
    assert [row["name"] for row in run_json(capsys, *base, "--owner", "ana lopez")] == ["Late Lara"]
    assert [row["name"] for row in run_json(capsys, *base, "--search", "GLOBEX")] == ["Soon Sami"]
    assert [row["name"] for row in run_json(capsys, *base, "--segment", "enterprise_demo")] == []
    assert len(run_json(capsys, *base, "--limit", "1")) == 1


def test_table_output(capsys, leads):
    exit_code = main(["inbox", "--db", str(leads), "--now", "2024-05-06T12:00:00Z"])
    lines = capsys.readouterr().out.splitlines()

    assert exit_code == 0
    assert lines[0].split() == [
        "State", "Due", "Name", "Company", "Segment", "Stage", "Owner", "Follow-up", "Qual", "Grade", "Score"
    ]
    assert lines[2].startswith("OVERDUE")
    assert "overdue by 1h 0m" in lines[2]
    assert "Ana Lopez" in lines[2]
    assert lines[-1] == "3 of 3 leads"


def test_table_empty(capsys, leads):
    exit_code = main(["inbox", "--db", str(leads), "--search", "nobody"])

    assert exit_code == 0
    assert capsys.readouterr().out == "No leads match.\n"


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00", ""])
def test_bad_now_exits_2(capsys, leads, value):
    exit_code = main(["inbox", "--db", str(leads), "--now", value])
    err = capsys.readouterr().err

    assert exit_code == 2
    assert len(err.strip().splitlines()) == 1
    assert repr(value) in err
    assert "ISO-8601" in err


def test_bad_stage_exits_2(capsys, leads):
    with pytest.raises(SystemExit) as raised:
        main(["inbox", "--db", str(leads), "--stage", "closed"])

    assert raised.value.code == 2
    assert "'closed'" in capsys.readouterr().err


def test_bad_limit_exits_2(capsys, leads):
    with pytest.raises(SystemExit) as raised:
        main(["inbox", "--db", str(leads), "--limit", "-3"])

    assert raised.value.code == 2
    assert "'-3'" in capsys.readouterr().err


def test_missing_database_exits_1(capsys, tmp_path):
    missing = tmp_path / "typo.sqlite"

    exit_code = main(["inbox", "--db", str(missing)])

    assert exit_code == 1
    assert str(missing) in capsys.readouterr().err
    assert not missing.exists()


def test_not_sqlite_exits_1(capsys, tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n")

    exit_code = main(["inbox", "--db", str(text_file)])

    assert exit_code == 1
    assert "not a LeadDesk database" in capsys.readouterr().err


def test_unknown_owner_lists_reps(capsys, leads):
    exit_code = main(["inbox", "--db", str(leads), "--owner", "nobody"])
    captured = capsys.readouterr()

    assert exit_code == 1
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert "no rep is named 'nobody'" in captured.err
    assert "known reps: Ana Lopez." in captured.err
    assert "No leads match" not in captured.err


def test_unknown_owner_json_exits_1(capsys, leads):
    exit_code = main(["inbox", "--db", str(leads), "--json", "--owner", "nobody"])
    captured = capsys.readouterr()

    assert exit_code == 1
    assert captured.out == ""
    assert "no rep is named 'nobody'" in captured.err


def test_unknown_owner_id(capsys, leads):
    missing_id = "00000000-0000-0000-0000-000000000001"

    exit_code = main(["inbox", "--db", str(leads), "--owner", missing_id])

    assert exit_code == 1
    assert f"no rep has the id {missing_id}" in capsys.readouterr().err


def test_owner_by_id(capsys, leads, database):
    with database.session() as session:
        rep_id = session.query(Rep.id).filter_by(name="Ana Lopez").scalar()

    rows = run_json(capsys, "--db", str(leads), "--now", "2024-05-06T12:00:00Z", "--owner", str(rep_id))

    assert [row["name"] for row in rows] == ["Late Lara"]


def test_unknown_owner_without_reps(capsys, database, database_target):
    exit_code = main(["inbox", "--db", database_target, "--owner", "nobody"])

    assert exit_code == 1
    assert "this database has no reps yet" in capsys.readouterr().err


def test_many_reps_listed_briefly(capsys, leads, database):
    with database.session() as session:
        session.add_all([Rep(name=f"Rep {number:02d}") for number in range(30)])

    exit_code = main(["inbox", "--db", str(leads), "--owner", "nobody"])
    err = capsys.readouterr().err

    assert exit_code == 1
    assert "Ana Lopez, Rep 00," in err
    assert "Rep 18 and 11 more." in err
    assert "Rep 19" not in err


def test_table_shows_next_follow_up(capsys, leads, database):
    from leaddesk.services.follow_ups import add_follow_up, local_due_for_instant

    with database.session() as session:
        lara = session.query(Lead).filter_by(full_name="Late Lara").one()
        sami = session.query(Lead).filter_by(full_name="Soon Sami").one()
        add_follow_up(session, lara, local_due_for_instant(NOW - timedelta(hours=3), "UTC"), "call back", NOW)
        add_follow_up(session, sami, local_due_for_instant(NOW + timedelta(days=1), "UTC"), "send deck", NOW)

    exit_code = main(["inbox", "--db", str(leads), "--now", "2024-05-06T12:00:00Z"])
    lines = capsys.readouterr().out.splitlines()

    assert exit_code == 0
    lara_line = next(line for line in lines if "Late Lara" in line)
    sami_line = next(line for line in lines if "Soon Sami" in line)
    olga_line = next(line for line in lines if "Old Olga" in line)
    assert "2024-05-06 09:00Z overdue" in lara_line
    assert "2024-05-07 12:00Z" in sami_line
    assert "overdue" not in sami_line
    assert "Z" not in olga_line.split("Old Olga", 1)[1]


def test_closed_lead_not_overdue(capsys, leads, database):
    with database.session() as session:
        lara = session.query(Lead).filter_by(full_name="Late Lara").one()
        lara.stage = "lost"

    assert main(["inbox", "--db", leads, "--now", NOW.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    (lara_line,) = [line for line in lines if "Late Lara" in line]

    assert lara_line.startswith("closed ")
    assert "overdue" not in lara_line
    assert not any(line.startswith("OVERDUE") for line in lines)
