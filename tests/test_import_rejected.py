"""The rejected-rows file that run_import and plan_import write while they run, on real files."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import ImportBatch, Lead
from leaddesk.services.importing import ImportCancelled, plan_import, run_import
from leaddesk.services.importing import date_order, importer
from leaddesk.services.importing.rejected import (
    RejectedFileError,
    RejectedTarget,
    default_rejected_target,
    fallback_path,
    partial_path,
)
from leaddesk.services.importing.report import REJECTED_ROWS_KEPT

from import_files import EMAIL_REASON, read_rows, write_csv

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

BOM = "\ufeff"

# Cells as a spreadsheet saves them: a formula-like note, a cell over two lines, a row without identity.
BAD_ROWS_CSV = (
    "Email,Notes,Created Date\r\n"
    "ann@example.com,,2025-01-01\r\n"
    "bo(at)example.com,\"=cmd|' /C calc'!A0\",2025-01-02\r\n"
    'cy@example.com,"two\nlines",31/02/2025\r\n'
    ",Zoë only,2025-01-03\r\n"
)

BAD_ROWS_REJECTED = (
    BOM
    + "Email,Notes,Created Date,row,reason\r\n"
    + f"bo(at)example.com,'=cmd|' /C calc'!A0,2025-01-02,3,Email: 'bo(at)example.com' {EMAIL_REASON}\r\n"
    + 'cy@example.com,"two\nlines",31/02/2025,4,'
    + "Created Date: '31/02/2025' is not a valid date: February 2025 has 28 days; correct the cell\r\n"
    + ',Zoë only,2025-01-03,5,"the row has no name, e-mail, phone, company or external id, so it cannot '
    + 'become a lead; fill one of them in the file, or remove the row if it is not a lead"\r\n'
)


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def leftovers(folder: Path) -> list[str]:
    """Return the names of unfinished rejected-rows files in folder."""
    return sorted(path.name for path in folder.iterdir() if path.name.endswith((".partial", ".padded")))


def bad_email_rows(total: int) -> list[list[str]]:
    return [["Email", "Company"]] + [[f"lead{index}(at)example.com", f"Company {index}"] for index in range(total)]


def test_rejected_file_exact_content(database, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROWS_CSV, encoding="utf-8", newline="")
    target = tmp_path / "fix.csv"

    report = run_import(database, source, now=NOW, rejected_target=target)

    assert (report.created, report.rejected) == (1, 3)
    assert report.rejected_file == str(target)
    assert target.read_bytes().decode("utf-8") == BAD_ROWS_REJECTED
    assert [row.row for row in report.rejected_rows] == [3, 4, 5]
    assert leftovers(tmp_path) == []


def test_rejected_file_extra_cells(database, tmp_path: Path):
    # Rows written before a longer row appears get the new columns when the import ends.
    source = tmp_path / "wide.csv"
    source.write_text(
        "Email,Name\nbad1,A\nbad2,B,extra3\nbad3,C,x,extra4\nok@example.com,D\n", encoding="utf-8", newline=""
    )
    target = tmp_path / "wide.rejected.csv"

    report = run_import(database, source, now=NOW, rejected_target=target)

    assert (report.created, report.rejected) == (1, 3)
    assert target.read_bytes().decode("utf-8") == (
        BOM
        + "Email,Name,Column 3,Column 4,row,reason\r\n"
        + f"bad1,A,,,2,Email: 'bad1' {EMAIL_REASON}\r\n"
        + f"bad2,B,extra3,,3,Email: 'bad2' {EMAIL_REASON}\r\n"
        + f"bad3,C,x,extra4,4,Email: 'bad3' {EMAIL_REASON}\r\n"
    )
    assert leftovers(tmp_path) == []


def test_rejected_file_first_row_wide(database, tmp_path: Path):
    source = write_csv(tmp_path / "first.csv", [["Email"], ["bad1", "extra"], ["bad2"]])
    target = tmp_path / "first.rejected.csv"

    run_import(database, source, now=NOW, rejected_target=target)

    assert read_rows(target) == [
        ["Email", "Column 2", "row", "reason"],
        ["bad1", "extra", "2", f"Email: 'bad1' {EMAIL_REASON}"],
        ["bad2", "", "3", f"Email: 'bad2' {EMAIL_REASON}"],
    ]


def test_report_keeps_first_rows_only(database, tmp_path: Path):
    total = 3 * REJECTED_ROWS_KEPT + 7
    source = write_csv(tmp_path / "many.csv", bad_email_rows(total))
    target = tmp_path / "many.rejected.csv"

    report = run_import(database, source, now=NOW, rejected_target=target)

    assert report.rejected == total
    assert len(report.rejected_rows) == REJECTED_ROWS_KEPT
    assert [row.row for row in report.rejected_rows] == list(range(2, REJECTED_ROWS_KEPT + 2))
    rows = read_rows(target)
    assert len(rows) == total + 1
    assert [row[2] for row in rows[1:]] == [str(number) for number in range(2, total + 2)]
    assert rows[-1][:2] == [f"lead{total - 1}(at)example.com", f"Company {total - 1}"]
    with database.session() as session:
        assert session.scalar(select(ImportBatch.rejected_count)) == total


def test_bad_rows_arrive_in_chunks(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Chunks of rejected rows alone reach the importer as they fill, so a file of bad rows
    # is never held in one chunk, and the import reports progress while reading it.
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0)
    source = write_csv(tmp_path / "bad.csv", bad_email_rows(35))
    messages: list[str] = []

    report = run_import(
        database, source, now=NOW, progress=lambda _fraction, message: messages.append(message),
        rejected_target=tmp_path / "bad.rejected.csv",
    )

    assert report.rejected == 35
    assert [message for message in messages if message.endswith("rows read")] == [
        "10 rows read", "20 rows read", "30 rows read", "35 rows read",
    ]


def test_report_without_target(database, tmp_path: Path):
    source = write_csv(tmp_path / "nowhere.csv", bad_email_rows(REJECTED_ROWS_KEPT + 1))

    report = run_import(database, source, now=NOW)

    assert report.rejected == REJECTED_ROWS_KEPT + 1
    assert len(report.rejected_rows) == REJECTED_ROWS_KEPT
    assert report.rejected_file is None
    assert sorted(path.name for path in tmp_path.glob("*.csv*")) == ["nowhere.csv"]


def test_no_rejected_rows_no_file(database, tmp_path: Path):
    source = write_csv(tmp_path / "clean.csv", [["Email"], ["ann@example.com"]])
    target = tmp_path / "clean.rejected.csv"

    report = run_import(database, source, now=NOW, rejected_target=target)

    assert report.rejected == 0
    assert report.rejected_file is None
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_stale_file_removal(database, tmp_path: Path):
    source = write_csv(tmp_path / "clean.csv", [["Email"], ["ann@example.com"]])
    stale = tmp_path / "old.rejected.csv"
    stale.write_text("Email,row,reason\r\nbad,2,old\r\n", encoding="utf-8")

    run_import(database, source, now=NOW, rejected_target=RejectedTarget(path=stale))
    assert stale.exists()

    run_import(database, source, now=NOW, rejected_target=RejectedTarget(path=stale, remove_stale=True))
    assert not stale.exists()


def test_cancel_leaves_no_file(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    monkeypatch.setattr(importer, "PROGRESS_INTERVAL_SECONDS", 0)
    rows = [["Email"]]
    for index in range(60):
        rows.append([f"lead{index}@example.com" if index % 2 else f"bad{index}"])
    source = write_csv(tmp_path / "cancel.csv", rows)
    target = tmp_path / "cancel.rejected.csv"
    earlier = b"Email,row,reason\r\nbad,2,from an earlier import\r\n"
    target.write_bytes(earlier)
    cancel = threading.Event()
    partial_seen: list[bool] = []

    def progress(fraction: float, message: str) -> None:
        if fraction > 0 and not cancel.is_set():
            partial_seen.append(partial_path(target).exists())
            cancel.set()

    with pytest.raises(ImportCancelled):
        run_import(database, source, now=NOW, progress=progress, cancel=cancel, rejected_target=target)

    assert partial_seen == [True]
    assert target.read_bytes() == earlier
    assert leftovers(tmp_path) == []
    assert count(database, Lead) == 0


def test_date_order_rerun_rewrites_file(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The sample decides month first, so the first pass rejects the day-first dates. The whole
    # column decides day first, so the second pass rejects only the invalid e-mail.
    monkeypatch.setattr(date_order, "SAMPLE_ROWS", 2)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    source = write_csv(
        tmp_path / "late.csv",
        [
            ["Email", "Created Date"],
            ["a@example.com", "03/04/2025"],
            ["b@example.com", "05/06/2025"],
            ["c@example.com", "21/02/2025"],
            ["d(at)example.com", "25/12/2024"],
            ["e@example.com", "30/01/2025"],
        ],
    )
    target = tmp_path / "late.rejected.csv"

    report = run_import(database, source, now=NOW, rejected_target=target)

    assert (report.created, report.rejected) == (4, 1)
    assert read_rows(target) == [
        ["Email", "Created Date", "row", "reason"],
        ["d(at)example.com", "25/12/2024", "5", f"Email: 'd(at)example.com' {EMAIL_REASON}"],
    ]
    assert leftovers(tmp_path) == []


def test_dry_run_writes_to_target(database, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROWS_CSV, encoding="utf-8", newline="")
    target = tmp_path / "planned.csv"

    plan = plan_import(database, source, now=NOW, rejected_target=target)

    assert plan.totals()["reject"] == 3
    assert plan.report.rejected_file == str(target)
    assert target.read_bytes().decode("utf-8") == BAD_ROWS_REJECTED
    assert count(database, Lead) == 0


def test_dry_run_without_target(database, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROWS_CSV, encoding="utf-8", newline="")

    plan = plan_import(database, source, now=NOW)

    assert plan.report.rejected == 3
    assert plan.report.rejected_file is None
    assert sorted(path.name for path in tmp_path.glob("*.csv*")) == ["bad.csv"]


def test_reimport_ignores_annotations(database, tmp_path: Path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROWS_CSV, encoding="utf-8", newline="")
    first = run_import(database, source, now=NOW, rejected_target=default_rejected_target(source))
    rejected = Path(first.rejected_file)

    # Imported again unchanged, the same rows are rejected, with one pair of row and reason columns.
    again = run_import(database, rejected, now=NOW, rejected_target=default_rejected_target(rejected))
    rows = read_rows(Path(again.rejected_file))
    assert rows[0] == ["Email", "Notes", "Created Date", "row", "reason"]
    assert [row[0] for row in rows[1:]] == ["bo(at)example.com", "cy@example.com", ""]
    assert [row[3] for row in rows[1:]] == ["2", "3", "4"]
    assert "the last two columns, row and reason, come from a rejected-rows file and are not imported" in again.warnings

    fixed = read_rows(rejected)
    fixed[1][0] = "bo@example.com"
    fixed[2][2] = "2025-02-28"
    fixed[3][0] = "dee@example.com"
    write_csv(rejected, fixed)
    second = run_import(database, rejected, now=NOW, rejected_target=default_rejected_target(rejected))

    assert (second.created, second.rejected) == (3, 0)
    assert second.rejected_file is None
    assert not default_rejected_target(rejected).path.exists()
    with database.session() as session:
        notes = dict(session.execute(select(Lead.email, Lead.notes)).all())
    assert notes["bo@example.com"] == "=cmd|' /C calc'!A0"
    assert notes["cy@example.com"] == "two\nlines"
    assert notes["dee@example.com"] == "Zoë only"


def test_fallback_folder_used(database, tmp_path: Path):
    # A file in place of the target's folder makes the folder unwritable, even for root.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    source = write_csv(tmp_path / "fallback.csv", bad_email_rows(2))
    fallback = tmp_path / "userdata" / "rejected"
    target = RejectedTarget(path=blocker / "fallback.csv.rejected.csv", fallback_folder=fallback)

    report = run_import(database, source, now=NOW, rejected_target=target)

    written = fallback_path(target)
    assert written.parent == fallback
    assert report.rejected_file == str(written)
    assert len(read_rows(written)) == 3
    assert leftovers(fallback) == []


def test_unwritable_target_stores_nothing(database, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    source = write_csv(tmp_path / "stop.csv", [["Email"], ["ann@example.com"], ["bad"]])

    with pytest.raises(RejectedFileError) as raised:
        run_import(database, source, now=NOW, rejected_target=blocker / "stop.rejected.csv")

    message = str(raised.value)
    assert message.startswith(f"failed to write the rejected rows to {blocker / 'stop.rejected.csv'}: ")
    assert "nothing was imported" in message
    assert count(database, Lead) == 0
    assert count(database, ImportBatch) == 0


def test_target_is_source_rejected(database, tmp_path: Path):
    source = write_csv(tmp_path / "self.csv", [["Email"], ["ann@example.com"], ["bad"]])
    original = source.read_bytes()

    with pytest.raises(RejectedFileError) as raised:
        run_import(database, source, now=NOW, rejected_target=tmp_path / "." / "self.csv")

    assert "would overwrite" in str(raised.value)
    assert source.read_bytes() == original
    assert count(database, Lead) == 0


def test_locked_target_gets_other_name(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = write_csv(tmp_path / "locked.csv", bad_email_rows(2))
    target = tmp_path / "locked.csv.rejected.csv"
    target.write_text("Email,row,reason\r\n", encoding="utf-8")
    replace = Path.replace

    def locked_replace(path: Path, destination: Path) -> Path:
        # Windows refuses to replace a file that a spreadsheet program keeps open.
        if Path(destination) == target:
            raise PermissionError(13, "Permission denied", str(destination))
        return replace(path, destination)

    monkeypatch.setattr(Path, "replace", locked_replace)

    report = run_import(database, source, now=NOW, rejected_target=target)

    alternative = tmp_path / "locked.csv.rejected (2).csv"
    assert report.rejected_file == str(alternative)
    assert len(read_rows(alternative)) == 3
    assert any(warning.startswith(f"cannot replace {target}") for warning in report.warnings)
    assert count(database, Lead) == 0
    assert count(database, ImportBatch) == 1
    assert leftovers(tmp_path) == []


def test_reimport_keeps_formula_headers(database, tmp_path: Path):
    headers = ["Email", "=Score", "+Plus", "-Minus", "@Handle"]
    source = write_csv(
        tmp_path / "formula.csv", [headers, ["ann(at)example.com", "1", "2", "3", "4"]]
    )
    first = run_import(database, source, now=NOW, rejected_target=default_rejected_target(source))
    rejected = Path(first.rejected_file)
    rows = read_rows(rejected)
    # Spreadsheets would run these header cells as formulas, so the file escapes them.
    assert rows[0] == ["Email", "'=Score", "'+Plus", "'-Minus", "'@Handle", "row", "reason"]

    rows[1][0] = "ann@example.com"
    write_csv(rejected, rows)
    second = run_import(database, rejected, now=NOW, rejected_target=default_rejected_target(rejected))

    assert second.created == 1
    with database.session() as session:
        custom = session.scalars(select(Lead.custom_fields)).one()
    assert custom == {"=Score": "1", "+Plus": "2", "-Minus": "3", "@Handle": "4"}
