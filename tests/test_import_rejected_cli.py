"""The rejected-rows file of `leaddesk import` and of the import dialog: its location and content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.importing.rejected import default_rejected_target, fallback_path, partial_path
from leaddesk.services.importing.report import REJECTED_ROWS_KEPT
from leaddesk.ui.import_dialog import REJECTED_ROWS_SHOWN
from leaddesk.ui.tasks import TaskRunner

from import_dialogs import import_in_dialog, open_dialog
from import_files import (
    EMAIL_REASON,
    fail_partial_writes_with_full_disk,
    mixed_rows,
    read_rows,
    stored_leads,
    write_csv,
)


def test_cli_json_keeps_first_rows(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = REJECTED_ROWS_KEPT + 50
    source = write_csv(tmp_path / "many.csv", mixed_rows(bad))

    code = main(["import", str(source), "--db", str(db_path), "--json", "--no-wait"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["created"], data["rejected"]) == (1, bad)
    assert len(data["rejected_rows"]) == REJECTED_ROWS_KEPT
    assert data["rejected_file"] == f"{source}.rejected.csv"
    rows = read_rows(Path(data["rejected_file"]))
    assert len(rows) == bad + 1
    assert rows[-1] == [
        f"lead{bad - 1}(at)example.com", f"Company {bad - 1}", str(bad + 2),
        f"Email: 'lead{bad - 1}(at)example.com' {EMAIL_REASON}",
    ]


def test_cli_falls_back_to_data_folder(
    tmp_path: Path, db_path: Path, isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
):
    source = write_csv(tmp_path / "share.csv", mixed_rows(2))
    # A folder in the place of the partial file makes the source's folder unusable for it, even for root.
    partial_path(tmp_path / "share.csv.rejected.csv").mkdir()

    code = main(["import", str(source), "--db", str(db_path), "--no-wait"])

    output = capsys.readouterr().out
    fallback = fallback_path(default_rejected_target(source))
    assert fallback.parent == isolated_data_dir / "rejected"
    assert fallback.name.startswith("share.csv.rejected ")
    assert code == 0
    assert f"Rejected rows with their original columns, row and reason: {fallback}" in output
    assert len(read_rows(fallback)) == 3
    assert not (tmp_path / "share.csv.rejected.csv").exists()


def test_cli_unwritable_rejected_file(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "fix.csv"

    code = main(["import", str(source), "--db", str(db_path), "--rejected-file", str(target)])

    error = capsys.readouterr().err
    assert code == 1
    assert error.startswith(f"leaddesk import: failed to write the rejected rows to {target}: ")
    assert "nothing was imported" in error
    assert stored_leads(db_path) == 0


def test_cli_rejected_file_is_source(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    original = source.read_bytes()

    code = main(["import", str(source), "--db", str(db_path), "--rejected-file", str(source)])

    error = capsys.readouterr().err
    assert code == 2
    assert "the rejected rows would overwrite" in error
    assert source.read_bytes() == original


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


def test_dialog_writes_rejected_file(qtbot, runner, tmp_path: Path):
    bad = REJECTED_ROWS_SHOWN + 2
    source = write_csv(tmp_path / "window.csv", mixed_rows(bad))
    dialog = open_dialog(qtbot, runner, source)

    import_in_dialog(qtbot, dialog)

    target = tmp_path / "window.csv.rejected.csv"
    assert dialog.report is not None
    assert dialog.report.rejected == bad
    assert dialog.report.rejected_file == str(target)
    rows = read_rows(target)
    assert rows[0] == ["Email", "Company", "row", "reason"]
    assert [row[2] for row in rows[1:]] == [str(number) for number in range(3, bad + 3)]
    text = dialog.status_label.text()
    assert "Row 3: 'lead0(at)example.com' " in text
    assert "... and 2 more rejected rows." in text
    assert f"Rejected rows with their original columns, row and reason: {target}." in text
    assert "Correct them there and import that file again." in text


def test_dialog_clean_import_no_file(qtbot, runner, tmp_path: Path):
    source = write_csv(tmp_path / "clean.csv", mixed_rows(0))
    stale = tmp_path / "clean.csv.rejected.csv"
    stale.write_text("Email,row,reason\r\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, source)

    import_in_dialog(qtbot, dialog)

    assert dialog.report.rejected_file is None
    assert not stale.exists()
    assert "Rejected rows with" not in dialog.status_label.text()


def test_dialog_full_disk_message(qtbot, runner, database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The window has no control to choose another rejected-rows file, so its message must not ask for one."""
    monkeypatch.setenv("LEADDESK_DATA_DIR", str(tmp_path / "data"))
    source = write_csv(tmp_path / "full.csv", mixed_rows(3))
    dialog = open_dialog(qtbot, runner, source)
    fail_partial_writes_with_full_disk(monkeypatch)

    import_in_dialog(qtbot, dialog)

    text = dialog.status_label.text()
    assert text.startswith("Import failed: failed to write the rejected rows")
    assert "No space left on device" in text
    assert "Free disk space or make the folder writable, then import again" in text
    assert "choose another file" not in text
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
