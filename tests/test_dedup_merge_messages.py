"""Messages about merges: the dedupe label of groups above the auto-merge threshold, and import undo of a merged lead."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.dedup.settings import Thresholds, save_auto_merge_enabled, save_thresholds
from leaddesk.services.importing import run_import
from leaddesk.services.importing.undo import undo_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def _seed_pair(db_path: Path) -> None:
    """Add two leads with the same Gmail address and lower the thresholds, so their group is above auto-merge."""
    database = Database.open(db_path)
    with database.session() as session:
        session.add_all(
            [
                Lead(first_name="Bill", last_name="Turner", email="bill.turner@gmail.com"),
                Lead(first_name="William", last_name="Turner", email="billturner@gmail.com"),
            ]
        )
        save_thresholds(session, Thresholds(review=0.3, auto_merge=0.4))
    database.dispose()


def test_dedupe_label_auto_merge_off(db_path, capsys) -> None:
    _seed_pair(db_path)

    code = main(["dedupe", "--db", str(db_path)])

    output = capsys.readouterr().out
    assert code == 0
    assert "(above the auto-merge threshold; auto-merge is off)" in output
    assert "(auto-merge)" not in output


def test_dedupe_auto_merge_on_merges(db_path, capsys) -> None:
    _seed_pair(db_path)
    database = Database.open(db_path)
    with database.session() as session:
        save_auto_merge_enabled(session, True)
    database.dispose()

    code = main(["dedupe", "--db", str(db_path)])

    output = capsys.readouterr().out
    assert code == 0
    assert output.startswith("Auto-merged ")
    assert "auto-merge threshold" not in output


def test_import_undo_names_survivor(database, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["Email", "Company"], ["ann@example.com", "Acme"]])
    batch_id = run_import(database, path, now=NOW).batch_id
    with database.session() as session:
        survivor = Lead(full_name="Ann Lee", email="ann.lee@acme.example")
        session.add(survivor)
        session.flush()
        imported = session.scalars(select(Lead).where(Lead.email == "ann@example.com")).one()
        merge_leads(session, survivor.id, [imported.id], now=NOW + timedelta(hours=1))
        survivor_id = survivor.id

    undone = undo_import(database, batch_id, now=NOW + timedelta(days=1))

    assert len(undone.kept_leads) == 1
    reason = undone.kept_leads[0].reason
    assert f"merged into lead {survivor_id}" in reason
    assert f"delete lead {survivor_id} in LeadDesk" in reason
    assert "delete it in LeadDesk" not in reason
