"""`leaddesk imports undo` output for what an undo deletes beyond the leads."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from leaddesk.cli.imports_cmd import format_undo
from leaddesk.services.importing import run_import
from leaddesk.services.importing.undo import undo_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_undo_text_names_deleted_reps(database, tmp_path: Path):
    path = tmp_path / "owners.csv"
    path.write_text("Email,Owner\nann@example.com,Sam\nbo@example.com,Lee\n", encoding="utf-8")
    report = run_import(database, path, now=NOW)

    text = format_undo(undo_import(database, report.batch_id, now=NOW))

    lines = text.splitlines()
    assert lines[0].startswith("Undid the import owners.csv of 2026-03-02 10:00 UTC")
    assert lines[0].endswith("deleted 2 leads, restored 0 fields on 0 leads.")
    assert lines[1] == "Deleted 2 reps that the import created: Lee, Sam."
