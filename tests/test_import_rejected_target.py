"""Where the rejected-rows file may go: paths that `leaddesk import` and run_import reject, and long names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leaddesk.cli.main import main
from leaddesk.services.importing import run_import
from leaddesk.services.importing.rejected import (
    MAX_NAME_BYTES,
    RejectedFileError,
    RejectedTarget,
    default_rejected_path,
    default_rejected_target,
    fallback_path,
    partial_path,
)

from import_files import fail_partial_writes_with_full_disk, mixed_rows, read_rows, stored_leads, write_csv

EXIT_USAGE = 2


def import_with_target(source: Path, db_path: Path, target: str) -> int:
    return main(["import", str(source), "--db", str(db_path), "--rejected-file", target])


def test_cli_database_as_target(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    assert main(["import", str(source), "--db", str(db_path)]) == 0
    capsys.readouterr()
    database_bytes = db_path.read_bytes()

    code = import_with_target(source, db_path, str(db_path))

    error = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert f"would overwrite {db_path}, which belongs to the database" in error
    assert db_path.read_bytes() == database_bytes
    assert stored_leads(db_path) == 1


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_cli_database_side_file_target(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))

    code = import_with_target(source, db_path, f"{db_path}{suffix}")

    assert code == EXIT_USAGE
    assert "which belongs to the database" in capsys.readouterr().err
    assert not db_path.exists()


@pytest.mark.parametrize("value", ["", ".", "/", ".."])
def test_cli_folder_target_usage_error(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str], value: str
):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))

    code = import_with_target(source, db_path, value)

    error = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert error.count("\n") == 1
    assert "it names a folder, not a file" in error or "it is empty" in error
    assert "Traceback" not in error
    assert not db_path.exists()


def test_cli_directory_target(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    folder = tmp_path / "out"
    folder.mkdir()

    code = import_with_target(source, db_path, str(folder))

    assert code == EXIT_USAGE
    assert f"{folder} is a folder" in capsys.readouterr().err
    assert folder.is_dir()
    assert not db_path.exists()


def test_cli_fifo_target(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    code = import_with_target(source, db_path, str(fifo))

    assert code == EXIT_USAGE
    assert "is not a regular file" in capsys.readouterr().err
    assert fifo.is_fifo()


def test_cli_symlink_target_writes_through(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(2))
    real = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(real)

    code = import_with_target(source, db_path, str(link))

    assert code == 0
    assert link.is_symlink()
    rows = read_rows(real)
    assert rows[0] == ["Email", "Company", "row", "reason"]
    assert len(rows) == 3


def test_cli_other_file_kept(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    other = write_csv(tmp_path / "notes.csv", [["Name", "Note"], ["Ann", "keep me"]])
    original = other.read_bytes()

    code = import_with_target(source, db_path, str(other))

    error = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "exists and is not a rejected-rows file" in error
    assert other.read_bytes() == original
    assert not db_path.exists()


def test_cli_overwrite_option_replaces(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    other = write_csv(tmp_path / "notes.csv", [["Name", "Note"], ["Ann", "replace me"]])

    code = main([
        "import", str(source), "--db", str(db_path), "--rejected-file", str(other), "--overwrite-rejected-file",
    ])

    assert code == 0
    assert other.read_text(encoding="utf-8-sig").startswith("Email,Company,row,reason")


def test_earlier_rejected_file_replaced(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    earlier = write_csv(tmp_path / "fix.csv", [["Email", "row", "reason"], ["x", "2", "old"]])

    code = import_with_target(source, db_path, str(earlier))

    assert code == 0
    assert "lead0(at)example.com" in earlier.read_text(encoding="utf-8-sig")


def test_run_import_rejects_directory(database, tmp_path: Path):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))

    with pytest.raises(RejectedFileError, match="is a folder"):
        run_import(database, source, rejected_target=RejectedTarget(tmp_path))

    assert source.exists()


def test_stale_other_file_not_removed(database, tmp_path: Path):
    source = write_csv(tmp_path / "leads.csv", [["Email"], ["ann@example.com"]])
    stale = default_rejected_path(source)
    stale.write_text("Name\nnot a rejected-rows file\n", encoding="utf-8")
    target = RejectedTarget(stale, remove_stale=True, overwrite=True)

    report = run_import(database, source, rejected_target=target)

    assert report.rejected == 0
    assert stale.exists()


def test_long_source_name_fits(database, tmp_path: Path):
    source = write_csv(tmp_path / ("l" * (MAX_NAME_BYTES - len(".csv")) + ".csv"), mixed_rows(2))
    target = default_rejected_target(source)

    report = run_import(database, source, rejected_target=target)

    written = Path(report.rejected_file)
    assert written.parent == tmp_path
    assert len(os.fsencode(written.name)) <= MAX_NAME_BYTES
    assert len(os.fsencode(partial_path(written).name)) + len(".padded") <= MAX_NAME_BYTES
    assert report.created == 1
    assert report.rejected == 2


def test_long_names_stay_distinct():
    first = Path("/tmp") / ("a" * 250 + "1.csv")
    second = Path("/tmp") / ("a" * 250 + "2.csv")

    assert default_rejected_path(first) != default_rejected_path(second)
    assert partial_path(first) != partial_path(second)


def test_fallback_names_differ_per_folder(tmp_path: Path):
    fallback = tmp_path / "data"
    first = RejectedTarget(tmp_path / "a" / "leads.csv.rejected.csv", fallback_folder=fallback)
    second = RejectedTarget(tmp_path / "b" / "leads.csv.rejected.csv", fallback_folder=fallback)

    assert fallback_path(first) != fallback_path(second)
    assert fallback_path(first).parent == fallback
    assert fallback_path(first).name.startswith("leads.csv.rejected ")
    assert fallback_path(first) == fallback_path(RejectedTarget(first.path, fallback_folder=fallback))


def test_read_only_sources_same_name(database, tmp_path: Path):
    fallback = tmp_path / "data" / "rejected"
    written = []
    for folder_name in ("a", "b"):
        folder = tmp_path / folder_name
        folder.mkdir()
        source = write_csv(folder / "leads.csv", mixed_rows(1))
        # A file in place of the target's folder makes the folder unwritable, even for root.
        blocker = folder / "read-only"
        blocker.write_text("", encoding="utf-8")
        target = RejectedTarget(blocker / "leads.csv.rejected.csv", fallback_folder=fallback)
        report = run_import(database, source, rejected_target=target)
        written.append(Path(report.rejected_file))

    assert written[0] != written[1]
    assert written[0].parent == fallback
    assert written[1].parent == fallback
    assert len(written[0].read_text(encoding="utf-8-sig").splitlines()) == 2
    assert len(written[1].read_text(encoding="utf-8-sig").splitlines()) == 2


def test_full_disk_message_offers_no_choice(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The window's default target names no other file, so its message must not ask for one."""
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    monkeypatch.setenv("LEADDESK_DATA_DIR", str(tmp_path / "data"))
    fail_partial_writes_with_full_disk(monkeypatch)

    with pytest.raises(RejectedFileError) as raised:
        run_import(database, source, rejected_target=default_rejected_target(source))

    message = str(raised.value)
    assert "No space left on device" in message
    assert "choose another file" not in message
    assert "Free disk space" in message


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX only")
def test_cli_ctrl_c_one_line(tmp_path: Path, db_path: Path):
    source = write_csv(tmp_path / "leads.csv", mixed_rows(200_000))
    partial = partial_path(default_rejected_path(source))
    environment = {**os.environ, "LEADDESK_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "leaddesk.cli.main", "import", str(source), "--db", str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        # A shell without job control starts background commands with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial.exists(), "the import never started writing rejected rows"
    process.send_signal(signal.SIGINT)
    _output, error = process.communicate(timeout=60)

    assert process.returncode == 130
    assert error == "Import cancelled; nothing was imported\n"
    assert not partial.exists()
    assert stored_leads(db_path) == 0


def test_default_target_taken_message(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The window always uses the default target, so the message names a rename, not another path."""
    monkeypatch.setenv("LEADDESK_DATA_DIR", str(tmp_path / "data"))
    source = write_csv(tmp_path / "leads.csv", mixed_rows(1))
    taken = default_rejected_path(source)
    taken.write_text("Name\nkeep me\n", encoding="utf-8")

    with pytest.raises(RejectedFileError) as raised:
        run_import(database, source, rejected_target=default_rejected_target(source))

    message = str(raised.value)
    assert "exists and is not a rejected-rows file" in message
    assert message.endswith("Rename or move leads.csv.rejected.csv away, then import again")
    assert "Choose another file" not in message
    assert taken.read_text(encoding="utf-8") == "Name\nkeep me\n"
