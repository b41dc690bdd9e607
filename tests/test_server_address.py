"""Server URLs given to --db: a bad port or an unsupported scheme gets a message, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaddesk.cli.main import main
from leaddesk.services.server_db.address import ServerAddress, ServerAddressError, is_server_url


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("postgresql://ann:pw@127.0.0.1:notaport/team", "notaport"),
        ("postgresql://ann@db.example:99999/team", "99999"),
        ("postgresql://ann@db.example:0/team", "0"),
        ("postgresql://ann@/team?host=/run/pg&port=x", "x"),
    ],
)
def test_invalid_port_rejected(url: str, port: str):
    with pytest.raises(ServerAddressError) as raised:
        ServerAddress.parse(url)

    message = str(raised.value)
    assert f"invalid port {port!r}" in message
    assert "from 1 to 65535" in message
    assert "pw" not in message.replace("postgresql", "")


def test_valid_port_kept():
    assert ServerAddress.parse("postgresql://ann@db.example:5433/team").port == 5433


@pytest.mark.parametrize("url", ["mysql://ann:pw@db.example/team", "sqlite:///tmp/leads.sqlite", "https://example.com/x"])
def test_unsupported_scheme_rejected(url: str):
    assert is_server_url(url)
    with pytest.raises(ServerAddressError) as raised:
        ServerAddress.parse(url)

    message = str(raised.value)
    assert f"unsupported scheme {url.split('://')[0]}://" in message
    assert "postgresql://" in message
    assert "SQLite files" in message


@pytest.mark.parametrize("path", ["/tmp/leads.sqlite", "leads.sqlite", "C://Users/ann/leads.sqlite"])
def test_file_paths_stay_paths(path: str):
    assert not is_server_url(path)


def test_cli_names_bad_port(capsys: pytest.CaptureFixture[str]):
    code = main(["--db", "postgresql://ann:pw@127.0.0.1:notaport/team", "inbox"])

    error = capsys.readouterr().err
    assert code != 0
    assert "invalid port 'notaport'" in error
    assert "Traceback" not in error


def test_cli_rejects_mysql_url(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    code = main(["--db", "mysql://ann@db.example/team", "inbox"])

    error = capsys.readouterr().err
    assert code != 0
    assert "unsupported scheme mysql://" in error
    assert list(workdir.rglob("*")) == [], "no file may be created for a URL"


@pytest.mark.parametrize(
    ("command", "sentence"),
    [
        (["sync"], "synced-folder sync applies to SQLite database files only"),
        (["backup"], "backups apply to SQLite database files only"),
        (["restore", "old.sqlite"], "restoring a backup applies to SQLite database files only"),
    ],
)
def test_sqlite_only_command_message(command: list[str], sentence: str, capsys: pytest.CaptureFixture[str]):
    # The command is rejected before any connection, so the server in the URL is never contacted.
    code = main(["--db", "postgresql://ann@db.example/team", *command])

    assert code != 0
    assert sentence in capsys.readouterr().err
