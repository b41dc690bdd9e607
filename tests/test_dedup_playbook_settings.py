"""Duplicate thresholds and the auto-merge switch as the playbook's [duplicates] section."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest
from lead_rows import add_lead

from leaddesk.cli.main import main
from leaddesk.models import Setting
from leaddesk.services.database import Database
from leaddesk.services.dedup.scan import scan_duplicates
from leaddesk.services.dedup.settings import (
    DedupSettingsError,
    Thresholds,
    load_auto_merge_enabled,
    load_thresholds,
    save_auto_merge_enabled,
    save_thresholds,
)
from leaddesk.services.playbook import active_playbook_text, check_playbook, parse_playbook, shipped_playbook_text
from leaddesk.services.playbook.model import DuplicateSettings


def _with_section(body: str) -> str:
    """Return the shipped playbook with its [duplicates] section replaced by body."""
    head, _section, tail = shipped_playbook_text().partition("[duplicates]\n")
    rest = tail.split("\n\n", 1)[1]
    return f"{head}[duplicates]\n{body}\n\n{rest}"


def test_shipped_section_has_defaults() -> None:
    playbook = parse_playbook(shipped_playbook_text())
    assert playbook.duplicates == DuplicateSettings(0.5, 0.9, False)


def test_section_parses_good_values() -> None:
    text = _with_section("review_threshold = 0.4\nauto_merge_threshold = 1\nauto_merge = true")
    assert parse_playbook(text).duplicates == DuplicateSettings(0.4, 1.0, True)


def test_missing_section_is_none() -> None:
    head, _section, tail = shipped_playbook_text().partition("[duplicates]\n")
    text = head + tail.split("\n\n", 1)[1]
    assert parse_playbook(text).duplicates is None


@pytest.mark.parametrize(
    ("body", "path", "message", "fix"),
    [
        ("review_threshold = 1.5", "duplicates.review_threshold", "invalid review_threshold 1.5", "from 0 to 1"),
        ('auto_merge_threshold = "high"', "duplicates.auto_merge_threshold", "invalid auto_merge_threshold 'high'", "from 0 to 1"),
        ("review_threshold = -0.1", "duplicates.review_threshold", "invalid review_threshold -0.1", "from 0 to 1"),
        ("review_threshold = true", "duplicates.review_threshold", "invalid review_threshold True", "from 0 to 1"),
        ('auto_merge = "yes"', "duplicates.auto_merge", "expected true or false, got 'yes'", "auto_merge = true"),
        ("review_threshold = 0.95\nauto_merge_threshold = 0.9", "duplicates.review_threshold", "above auto_merge_threshold 0.9", "lower review_threshold"),
        ("review_treshold = 0.6", "duplicates.review_treshold", "review_treshold", "review_threshold"),
    ],
)
def test_section_bad_value_reported(body: str, path: str, message: str, fix: str) -> None:
    issues = check_playbook(_with_section(body))
    assert [issue.path for issue in issues] == [path]
    assert message in issues[0].message
    assert fix in issues[0].fix
    assert issues[0].line is not None


def test_cli_check_names_bad_threshold(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "playbook.toml"
    path.write_text(_with_section("review_threshold = 2"), encoding="utf-8")
    assert main(["playbook", "check", str(path)]) == 1
    output = capsys.readouterr()
    assert "review_threshold 2" in output.out + output.err
    assert "from 0 to 1" in output.out + output.err


def test_import_changes_scan_thresholds(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        add_lead(session, first_name="Katherine", last_name="Moss", email="kate.moss@acme.com", company="Acme")
        add_lead(session, first_name="Kate", last_name="Moss", email="kmoss@acme.com", company="Acme Inc")
    with database.session() as session:
        groups = scan_duplicates(session)
    assert len(groups) == 1
    assert groups[0].confidence < 0.95

    edited = tmp_path / "playbook.toml"
    edited.write_text(_with_section("review_threshold = 0.95\nauto_merge_threshold = 1.0\nauto_merge = false"), encoding="utf-8")
    assert main(["playbook", "import", str(edited), "--db", str(db_path)]) == 0

    with database.session() as session:
        assert load_thresholds(session) == Thresholds(0.95, 1.0)
        assert scan_duplicates(session) == []

    exported = tmp_path / "exported.toml"
    assert main(["playbook", "export", str(exported), "--db", str(db_path)]) == 0
    section = tomllib.loads(exported.read_text(encoding="utf-8"))["duplicates"]
    assert section == {"review_threshold": 0.95, "auto_merge_threshold": 1.0, "auto_merge": False}
    database.dispose()


def test_save_rewrites_only_section_lines(database) -> None:
    with database.session() as session:
        save_thresholds(session, Thresholds(0.3, 0.8))
        save_auto_merge_enabled(session, True)
    with database.session() as session:
        text = active_playbook_text(session)
        assert load_thresholds(session) == Thresholds(0.3, 0.8)
        assert load_auto_merge_enabled(session) is True

    shipped = shipped_playbook_text().splitlines()
    changed = [(old, new) for old, new in zip(shipped, text.splitlines()) if old != new]
    assert len(text.splitlines()) == len(shipped)
    assert changed == [
        ("review_threshold = 0.5", "review_threshold = 0.3"),
        ("auto_merge_threshold = 0.9", "auto_merge_threshold = 0.8"),
        ("auto_merge = false", "auto_merge = true"),
    ]


def test_save_rejects_out_of_order(database) -> None:
    with database.session() as session:
        with pytest.raises(DedupSettingsError, match="above the auto-merge threshold"):
            save_thresholds(session, Thresholds(0.9, 0.5))
        with pytest.raises(DedupSettingsError, match="from 0 to 1"):
            save_thresholds(session, Thresholds(0.5, 1.2))


def test_old_rows_carried_into_playbook(database, caplog: pytest.LogCaptureFixture) -> None:
    with database.session() as session:
        session.add(Setting(key="dedup.review_threshold", value="0.35"))
        session.add(Setting(key="dedup.auto_merge_threshold", value="0.75"))
        session.add(Setting(key="dedup.auto_merge_enabled", value="true"))

    with caplog.at_level(logging.INFO, logger="leaddesk.services.dedup.settings"):
        with database.session() as session:
            assert load_thresholds(session) == Thresholds(0.35, 0.75)
    assert "carried the settings" in caplog.text

    with database.session() as session:
        assert session.get(Setting, "dedup.review_threshold") is None
        assert session.get(Setting, "dedup.auto_merge_enabled") is None
        assert load_auto_merge_enabled(session) is True
        section = tomllib.loads(active_playbook_text(session))["duplicates"]
    assert section == {"review_threshold": 0.35, "auto_merge_threshold": 0.75, "auto_merge": True}


def test_old_rows_added_to_playbook_without_section(database) -> None:
    head, _section, tail = shipped_playbook_text().partition("[duplicates]\n")
    from leaddesk.services.playbook import save_playbook_text

    with database.session() as session:
        save_playbook_text(session, head + tail.split("\n\n", 1)[1])
        session.add(Setting(key="dedup.auto_merge_enabled", value="1"))

    with database.session() as session:
        assert load_auto_merge_enabled(session) is True
        assert load_thresholds(session) == Thresholds(0.5, 0.9)
    with database.session() as session:
        assert tomllib.loads(active_playbook_text(session))["duplicates"] == {"auto_merge": True}


def test_imported_section_wins_over_rows(database, caplog: pytest.LogCaptureFixture) -> None:
    from leaddesk.services.playbook import save_playbook_text

    with database.session() as session:
        save_playbook_text(session, _with_section("review_threshold = 0.6\nauto_merge_threshold = 0.95"))
        session.add(Setting(key="dedup.review_threshold", value="0.2"))

    with caplog.at_level(logging.WARNING, logger="leaddesk.services.dedup.settings"):
        with database.session() as session:
            assert load_thresholds(session) == Thresholds(0.6, 0.95)
    assert "dedup.review_threshold=0.2" in caplog.text
    with database.session() as session:
        assert session.get(Setting, "dedup.review_threshold") is None


def test_invalid_old_row_kept(database) -> None:
    with database.session() as session:
        session.add(Setting(key="dedup.auto_merge_threshold", value="1.4"))
    with database.session() as session:
        with pytest.raises(DedupSettingsError, match="dedup.auto_merge_threshold is 1.4"):
            load_thresholds(session)
    with database.session() as session:
        assert session.get(Setting, "dedup.auto_merge_threshold").value == "1.4"
