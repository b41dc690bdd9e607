"""Starting the `leaddesk` command: only the module of the requested command is imported."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from leaddesk.cli.main import COMMAND_MODULES, main, requested_command
from leaddesk.services.database import Database


def test_command_table_matches_parsers() -> None:
    for module_name in dict.fromkeys(COMMAND_MODULES.values()):
        module = importlib.import_module(f"leaddesk.cli.{module_name}")
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        module.add_parser(subparsers)
        mapped = {command for command, name in COMMAND_MODULES.items() if name == module_name}
        assert set(subparsers.choices) == mapped, module_name


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["jobs", "--list"], "jobs"),
        (["--db", "jobs", "imports", "undo", "x"], "imports"),
        (["--db=a.sqlite", "--verbose", "score", "show"], "score"),
        (["--d", "a.sqlite", "jobs"], "jobs"),
        (["--help", "jobs"], None),
        (["--verbose"], None),
        ([], None),
    ],
)
def test_requested_command_cases(argv: list[str], expected: str | None) -> None:
    assert requested_command(argv) == expected


def test_jobs_list_skips_scikit_learn(db_path: Path) -> None:
    Database.open(db_path).dispose()
    script = (
        "import sys\n"
        "from leaddesk.cli.main import main\n"
        f"code = main(['--db', {str(db_path)!r}, 'jobs', '--list'])\n"
        "print('exit', code)\n"
        "print('sklearn', 'sklearn' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "exit 0" in result.stdout
    assert "sklearn False" in result.stdout


def test_unknown_command_lists_all(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["no-such-command"])

    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "no-such-command" in error
    assert "migrate-to" in error
