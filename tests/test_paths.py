"""Choosing the database file: --db, then LEADDESK_DB, then the user data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaddesk.cli.main import main
from leaddesk.services.paths import resolve_database_path


def test_cli_value_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEADDESK_DB", str(tmp_path / "from-env.sqlite"))

    assert resolve_database_path(str(tmp_path / "from-cli.sqlite")) == tmp_path / "from-cli.sqlite"


def test_environment_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEADDESK_DB", str(tmp_path / "from-env.sqlite"))

    assert resolve_database_path(None) == tmp_path / "from-env.sqlite"


def test_default_in_data_folder(isolated_data_dir: Path) -> None:
    assert resolve_database_path(None) == isolated_data_dir / "leaddesk.sqlite"


def test_unknown_subcommand_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])

    assert exit_info.value.code == 2
    assert "frobnicate" in capsys.readouterr().err


def test_logging_setup_replaces_handlers() -> None:
    import logging

    from leaddesk.services.logging_setup import configure_logging

    configure_logging(to_stderr=True)
    first_count = len(logging.getLogger().handlers)
    configure_logging(to_stderr=True)

    assert len(logging.getLogger().handlers) == first_count
