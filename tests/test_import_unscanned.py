"""Imports that skip the scan of a whole delimited file for repairs when opening it.

run_import opens a delimited file with scan=False, so its row stream finds the repairs
while the rows are converted, in the importing process or in a worker process. These
tests check that the rows, the rejected rows and the warnings are those of a file that
was scanned when opened.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leaddesk.models import ImportBatch, Lead
from leaddesk.services.database import Database
from leaddesk.services.importing import ImportFileError, importer, run_import, worker
from leaddesk.services.importing.reader import open_table

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

# Each body follows the header "Email,Name,Notes" and needs a repair or has a row that the repair reader must judge.
BROKEN_BODIES = {
    "swallowing quote": 'a@example.com,"Ann,x\nb@example.com,Bob,y\nc@example.com,Cy,z\n',
    "text after a closing quote": 'a@example.com,"Ann"x,x\nb@example.com,Bob,y\n',
    "row wrapped in quotes": 'z@example.com,Zed,ok\n"a@example.com,Ann,x"\nb@example.com,Bob,y\n',
    "short row": "z@example.com,Zed,ok\na@example.com,Ann\nb@example.com,Bob,y\n",
    "long row": "a@example.com,Ann,x,,\nb@example.com,Bob,y,more\n",
    "one-value footer": "a@example.com,Ann,x\nTotal 1\n",
    "late problem": "".join(f"lead{index}@example.com,Name {index},n\n" for index in range(30)) + "bad@example.com,Bad\n",
}


def write_text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def rows_and_reasons(stream) -> list[tuple]:
    return [(number, list(cells), getattr(cells, "reason", None)) for number, cells in stream]


def scanned_open_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make run_import open files with the scan for repairs, as it did before it skipped it."""
    original = importer.open_table

    def opening_with_scan(*args, **options):
        options["scan"] = True
        return original(*args, **options)

    monkeypatch.setattr(importer, "open_table", opening_with_scan)


def import_outcome(report) -> dict:
    return {
        "created": report.created,
        "skipped": report.skipped,
        "rejected_rows": report.rejected_rows,
        "footer_rows": report.footer_rows,
        "rows_read": report.rows_read,
        "warnings": report.warnings,
    }


@pytest.mark.parametrize("kind", sorted(BROKEN_BODIES))
def test_unscanned_stream_matches_scanned(tmp_path: Path, kind: str) -> None:
    path = write_text(tmp_path, "broken.csv", "Email,Name,Notes\n" + BROKEN_BODIES[kind])
    scanned = open_table(path)
    unscanned = open_table(path, scan=False)

    stream = unscanned.rows()
    rows = rows_and_reasons(stream)
    at = unscanned.repair_warnings_at
    warnings = unscanned.warnings[:at] + stream.repair_warnings() + unscanned.warnings[at:]

    assert scanned.repair_warnings_at is None
    assert rows == rows_and_reasons(scanned.rows())
    assert warnings == scanned.warnings


def test_unscanned_header_with_empty_cells_is_scanned(tmp_path: Path) -> None:
    path = write_text(tmp_path, "trailing.csv", "Email,Name,\na@example.com,Ann,\nb@example.com,Bob,extra\n")

    table = open_table(path, scan=False)

    assert table.repair_warnings_at is None
    assert table.headers == ["Email", "Name", "Column 3"]


CELLS = st.one_of(
    st.text(alphabet='ab "', max_size=4),
    st.text(alphabet='ab ,"\r\n', max_size=6).map(lambda text: '"' + text.replace('"', '""') + '"'),
    st.text(alphabet='ab ,"\r\n', max_size=6),
)
BODIES = st.builds(
    lambda rows, ending: "".join(row + ending for row in rows),
    st.lists(st.lists(CELLS, min_size=3, max_size=3).map(",".join) | st.lists(CELLS, max_size=4).map(",".join), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_unscanned_random_file_matches_scanned(tmp_path: Path, body: str) -> None:
    path = write_text(tmp_path, "random.csv", "Email,Name,Notes\n" + body)
    scanned = open_table(path)
    unscanned = open_table(path, scan=False)

    stream = unscanned.rows()
    rows = rows_and_reasons(stream)
    at = unscanned.repair_warnings_at

    assert rows == rows_and_reasons(scanned.rows())
    assert unscanned.warnings[:at] + stream.repair_warnings() + unscanned.warnings[at:] == scanned.warnings


@pytest.mark.parametrize("in_worker", [False, True], ids=["in process", "worker"])
@pytest.mark.parametrize("kind", ["row wrapped in quotes", "short row", "long row", "swallowing quote", "late problem"])
def test_import_warnings_match_scanned_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, in_worker: bool
) -> None:
    if in_worker:
        monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
        monkeypatch.setattr(worker, "MIN_IDLE_CORES", float("-inf"))
    path = write_text(tmp_path, "broken.csv", "Email,Name,Notes\n" + BROKEN_BODIES[kind])
    first = Database.open(tmp_path / "unscanned.sqlite")
    second = Database.open(tmp_path / "scanned.sqlite")
    try:
        unscanned = run_import(first, path, now=NOW, rejected_target=tmp_path / "unscanned.rejected.csv")
        scanned_open_table(monkeypatch)
        scanned = run_import(second, path, now=NOW, rejected_target=tmp_path / "scanned.rejected.csv")
    finally:
        first.dispose()
        second.dispose()

    assert import_outcome(unscanned) == import_outcome(scanned)
    assert any("row" in warning for warning in unscanned.warnings)
    rejected_files = [tmp_path / "unscanned.rejected.csv", tmp_path / "scanned.rejected.csv"]
    assert rejected_files[0].exists() == rejected_files[1].exists()
    if rejected_files[0].exists():
        assert rejected_files[0].read_bytes() == rejected_files[1].read_bytes()


@pytest.mark.parametrize("in_worker", [False, True], ids=["in process", "worker"])
def test_undecodable_late_row_stores_nothing(
    database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_worker: bool
) -> None:
    if in_worker:
        monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
        monkeypatch.setattr(worker, "MIN_IDLE_CORES", float("-inf"))
    path = tmp_path / "latin.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email", "Name"])
        writer.writerows([f"lead{index}@example.com", f"Name {index}"] for index in range(20_000))
    with path.open("ab") as handle:
        # Latin-1 "é" after 20,000 UTF-8 rows, past the sample that chooses the encoding.
        handle.write("late@example.com,Ren\xe9\n".encode("latin-1"))

    with pytest.raises(ImportFileError, match=r"latin\.csv is not valid utf-8 text; choose another encoding"):
        run_import(database, path, encoding="utf-8", now=NOW)

    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
