"""`leaddesk team`, `leaddesk sync`, `leaddesk backup` and `leaddesk restore` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from leaddesk.cli.main import main
from leaddesk.models import Activity, FollowUp, Lead, Rep, Setting
from leaddesk.services.database import Database


def test_team_sync_moves_a_lead(tmp_path: Path, capsys) -> None:
    ann_db, bob_db, folder = tmp_path / "ann.sqlite", tmp_path / "bob.sqlite", tmp_path / "Dropbox" / "Team"
    assert main(["--db", str(ann_db), "team", "create", str(folder), "--person", "Ann", "--device", "ann-pc"]) == 0
    assert main(["--db", str(bob_db), "team", "join", str(folder), "--person", "Bob", "--device", "bob-pc"]) == 0
    ann = Database.open(ann_db)
    with ann.session() as session:
        session.add(Lead(first_name="Ada", email="ada@example.com"))
    ann.dispose()
    capsys.readouterr()

    assert main(["--db", str(ann_db), "sync", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["out"]["changes"] > 0
    assert main(["--db", str(bob_db), "sync"]) == 0
    text = capsys.readouterr().out

    assert "1 rows changed (lead 1)" in text
    bob = Database.open(bob_db)
    with bob.session() as session:
        assert session.query(Lead).one().email == "ada@example.com"
    bob.dispose()


def test_sync_json_counts_each_kind(tmp_path: Path, capsys) -> None:
    ann_db, bob_db, folder = tmp_path / "ann.sqlite", tmp_path / "bob.sqlite", tmp_path / "Team"
    main(["--db", str(ann_db), "team", "create", str(folder), "--person", "Ann", "--device", "ann-pc"])
    main(["--db", str(bob_db), "team", "join", str(folder), "--person", "Bob", "--device", "bob-pc"])
    ann = Database.open(ann_db)
    with ann.session() as session:
        rep = Rep(name="Ann")
        lead = Lead(first_name="Ada", owner=rep)
        session.add_all([rep, lead])
        session.flush()
        session.add(Activity(lead_id=lead.id, kind="call", summary="left a voicemail"))
        session.add(FollowUp(lead_id=lead.id, due_at=lead.received_at, note="call again"))
        session.add(Setting(key="team_timezone", value="Europe/Oslo"))
    ann.dispose()
    capsys.readouterr()

    assert main(["--db", str(ann_db), "sync", "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)["out"]["by_kind"]
    assert main(["--db", str(bob_db), "sync", "--json"]) == 0
    received = json.loads(capsys.readouterr().out)["in"]

    assert set(sent) == {"rep", "lead", "activity", "follow_up", "setting"}
    assert received["by_kind"] == sent
    assert received["rows_changed_by_kind"] == {"rep": 1, "lead": 1, "activity": 1, "follow_up": 1, "setting": 1}


def test_sync_without_team_explains_fix(db_path: Path, capsys) -> None:
    Database.open(db_path).dispose()

    assert main(["--db", str(db_path), "sync"]) == 1

    assert "leaddesk team create FOLDER" in capsys.readouterr().err


def test_team_join_rejects_plain_folder(tmp_path: Path, db_path: Path, capsys) -> None:
    assert main(["--db", str(db_path), "team", "join", str(tmp_path)]) == 1

    assert "contains no LeadDesk team" in capsys.readouterr().err


def test_team_status_lists_devices(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "Team"
    main(["--db", str(tmp_path / "a.sqlite"), "team", "create", str(folder), "--person", "Ann", "--device", "ann-pc"])
    main(["--db", str(tmp_path / "b.sqlite"), "team", "join", str(folder), "--person", "Bob", "--device", "bob-pc"])
    capsys.readouterr()

    assert main(["--db", str(tmp_path / "b.sqlite"), "team", "status"]) == 0
    text = capsys.readouterr().out

    assert "Ann on ann-pc" in text
    assert "Bob on bob-pc (this device)" in text


def test_backup_then_restore(db_path: Path, capsys) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        session.add(Lead(first_name="Kept"))
    database.dispose()
    assert main(["--db", str(db_path), "backup"]) == 0
    backup = Path(capsys.readouterr().out.strip())
    database = Database.open(db_path)
    with database.session() as session:
        session.query(Lead).delete()
    database.dispose()

    assert main(["--db", str(db_path), "restore", str(backup)]) == 0
    assert "previous database is kept" in capsys.readouterr().out

    database = Database.open(db_path)
    with database.session() as session:
        assert [lead.first_name for lead in session.query(Lead)] == ["Kept"]
    database.dispose()


def test_restore_rejects_non_sqlite(tmp_path: Path, db_path: Path, capsys) -> None:
    Database.open(db_path).dispose()
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("not a database")

    assert main(["--db", str(db_path), "restore", str(bogus)]) == 1

    assert "is not an SQLite file" in capsys.readouterr().err
