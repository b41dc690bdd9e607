"""`leaddesk migrate-to` between SQLite and a real PostgreSQL server, and the CLI on a server URL."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.follow_ups import add_follow_up, local_due_for_instant
from leaddesk.services.paths import resources_dir
from leaddesk.services.server_db.copy import copied_tables, table_checksum

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def filled_sqlite(tmp_path: Path) -> Path:
    """An SQLite database with imports, an update batch, evaluations, a merge and a follow-up."""
    path = tmp_path / "source.sqlite"
    samples = shutil.copy(resources_dir() / "sample_leads.csv", tmp_path / "samples.csv")
    assert main(["--db", str(path), "import", str(samples), "--json"]) == 0
    update = _write_csv(
        tmp_path / "update.csv",
        [
            ["Email", "First Name", "Company", "Notes"],
            ["amara.lindqvist@northwind-logistics.example", "Amara", "Northwind Logistics AB", "ünïcode ✓ and 'quotes'"],
            ["twin@example.com", "Twin", "Acme", ""],
            ["twin@example.org", "Twin", "Acme", "a second address"],
        ],
    )
    assert main(["--db", str(path), "import", str(update), "--json"]) == 0
    assert main(["--db", str(path), "evaluate"]) == 0

    database = Database.open(path)
    try:
        with database.session() as session:
            twins = list(session.scalars(select(Lead).where(Lead.first_name == "Twin").order_by(Lead.email)))
            add_follow_up(session, twins[0], local_due_for_instant(NOW, "UTC"), "call back", NOW)
            session.flush()
            merge_leads(session, twins[0].id, [twins[1].id], actor="test", now=NOW)
    finally:
        database.dispose()
    return path


def _checksums(target: str | Path) -> dict[str, tuple[int, str]]:
    database = Database.open(target)
    try:
        with database.engine.connect() as connection:
            return {table.name: table_checksum(connection, table) for table in copied_tables()}
    finally:
        database.dispose()


def test_round_trip_loses_nothing(filled_sqlite: Path, pg_url: str, tmp_path: Path, capsys):
    before = _checksums(filled_sqlite)
    back = tmp_path / "back.sqlite"

    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite)]) == 0
    assert main(["migrate-to", str(back), "--db", pg_url]) == 0

    output = capsys.readouterr().out
    assert "row counts and checksums match" in output
    assert _checksums(pg_url) == before
    assert _checksums(back) == before
    assert before["leads"][0] > 10
    assert before["merge_operations"][0] == 1
    assert before["follow_ups"][0] == 1
    assert before["import_changes"][0] >= 1


def test_copy_keeps_values_and_types(filled_sqlite: Path, pg_url: str):
    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite)]) == 0

    server = Database.open(pg_url)
    try:
        with server.session() as session:
            lead = session.scalars(select(Lead).where(Lead.email == "amara.lindqvist@northwind-logistics.example")).one()
            assert lead.company == "Northwind Logistics AB"
            assert lead.received_at.tzinfo is not None
            assert isinstance(lead.custom_fields, dict)
        with server.engine.connect() as connection:
            notes = connection.execute(text("SELECT notes FROM leads WHERE first_name = 'Amara'")).scalar_one()
        assert notes == "ünïcode ✓ and 'quotes'"
    finally:
        server.dispose()


def test_new_rows_after_copy_get_fresh_ids(filled_sqlite: Path, pg_url: str, tmp_path: Path):
    """Integer ids keep counting after the copied ones, so the next insert does not collide."""
    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite)]) == 0
    more = _write_csv(tmp_path / "more.csv", [["Email", "Company"], ["amara.lindqvist@northwind-logistics.example", "NW"]])

    assert main(["--db", pg_url, "import", str(more), "--json"]) == 0


def test_non_empty_target_rejected(filled_sqlite: Path, pg_url: str, capsys):
    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite)]) == 0
    capsys.readouterr()

    code = main(["migrate-to", pg_url, "--db", str(filled_sqlite)])

    error = capsys.readouterr().err
    assert code == 1
    assert "already contains LeadDesk data" in error
    assert "--replace" in error


def test_replace_overwrites_target(filled_sqlite: Path, pg_url: str, tmp_path: Path, capsys):
    other = tmp_path / "other.sqlite"
    _write_csv(tmp_path / "one.csv", [["Email"], ["solo@example.com"]])
    assert main(["--db", str(other), "import", str(tmp_path / "one.csv"), "--json"]) == 0
    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite)]) == 0
    capsys.readouterr()

    assert main(["migrate-to", pg_url, "--db", str(other), "--replace", "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    tables = {table["name"]: table["rows"] for table in report["tables"]}
    assert tables["leads"] == 1
    assert _checksums(pg_url) == _checksums(other)


def test_json_report_lists_every_table(filled_sqlite: Path, pg_url: str, capsys):
    assert main(["migrate-to", pg_url, "--db", str(filled_sqlite), "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert [table["name"] for table in report["tables"]] == [table.name for table in copied_tables()]
    assert report["total_rows"] == sum(table["rows"] for table in report["tables"])
    assert report["target"] == pg_url
    assert all(len(table["sha256"]) == 64 for table in report["tables"])


def test_too_long_value_named(tmp_path: Path, pg_url: str, capsys):
    """SQLite stores text longer than a column's declared length; PostgreSQL does not, so the copy stops first."""
    source = tmp_path / "long.sqlite"
    _write_csv(tmp_path / "one.csv", [["Email"], ["long@example.com"]])
    assert main(["--db", str(source), "import", str(tmp_path / "one.csv"), "--json"]) == 0
    database = Database.open(source)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE leads SET city = :city"), {"city": "x" * 300})
    finally:
        database.dispose()
    capsys.readouterr()

    code = main(["migrate-to", pg_url, "--db", str(source)])

    error = capsys.readouterr().err
    assert code == 1
    assert "leads.city" in error
    assert "300 characters" in error
    assert "nothing was copied" in error
    server = Database.open(pg_url)
    try:
        with server.session() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 0
    finally:
        server.dispose()


def test_same_database_rejected(pg_url: str, capsys):
    code = main(["migrate-to", pg_url, "--db", pg_url])

    assert code == 1
    assert "same database" in capsys.readouterr().err


def test_cli_commands_on_server(pg_url: str, tmp_path: Path, capsys):
    leads = _write_csv(tmp_path / "leads.csv", [["Email", "First Name"], ["ann@example.com", "Ann"]])

    assert main(["--db", pg_url, "import", str(leads), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert main(["--db", pg_url, "inbox", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["email"] for row in rows] == ["ann@example.com"]


@pytest.mark.parametrize("command", [["backup"], ["sync"], ["team", "status"], ["restore", "x.sqlite"]])
def test_sqlite_only_commands_explain(pg_url: str, command: list[str], capsys):
    code = main(["--db", pg_url, *command])

    assert code == 1
    assert "to SQLite database files only" in capsys.readouterr().err


def test_env_url_selects_server(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("LEADDESK_DB", pg_url)
    leads = _write_csv(tmp_path / "leads.csv", [["Email"], ["env@example.com"]])

    assert main(["import", str(leads), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["database"] == pg_url
    assert main(["backup"]) == 1
    assert "SQLite database files only" in capsys.readouterr().err
