"""Playbook values that would crash deadline arithmetic are rejected with their line and a fix."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from leaddesk.cli.main import main
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook import check_playbook, parse_playbook, shipped_playbook_text
from leaddesk.services.playbook.durations import END_OF_DAY, parse_duration, parse_hours_range

SHIPPED = shipped_playbook_text()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _replace(old: str, new: str, text: str = SHIPPED) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def _closed_all_week() -> str:
    text = SHIPPED
    for day in WEEKDAYS:
        text = _replace(f'{day} = ["09:00-18:00"]', f"{day} = []", text)
    return text


def test_calendar_without_open_hours_rejected() -> None:
    text = _closed_all_week()

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["calendar.hours"]
    assert "no open hours" in issues[0].message
    assert "00:00-24:00" in issues[0].fix
    assert issues[0].line == _line_of(text, "[calendar.hours]")


def test_calendar_without_hours_table_opens_weekdays() -> None:
    text = '[[segments]]\nkey = "all"\nrespond_within = "1h"\n'

    playbook = parse_playbook(text)

    assert playbook.calendar.weekly_hours[0] == ((time(9), time(18)),)
    assert 5 not in playbook.calendar.weekly_hours


@pytest.mark.parametrize("value", ["999999999d", "366d", "9" * 400 + "h"])
def test_huge_respond_within_rejected(value: str) -> None:
    text = _replace('respond_within = "15m"', f'respond_within = "{value}"')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["segments[2].respond_within"]
    assert "maximum of 365 days" in issues[0].message
    assert issues[0].line == _line_of(text, value[:20])


def test_duration_at_maximum_accepted() -> None:
    assert parse_duration("365d") == timedelta(days=365)


def test_huge_step_time_rejected() -> None:
    text = _replace('at = "1h"', 'at = "999999999d"')

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].path.endswith(".at")
    assert "maximum of 365 days" in issues[0].message


def test_huge_step_share_rejected() -> None:
    text = _replace('at = "100%"', 'at = "100000000000%"')

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].message == "invalid share '100000000000%'"
    assert "at most 1000%" in issues[0].fix


@pytest.mark.parametrize("points", ["-1000000000000000000000", "1001"])
def test_huge_fit_points_rejected(points: str) -> None:
    text = _replace("points = 20", f"points = {points}")

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].path.endswith(".points")
    assert "from -1000 to 1000" in issues[0].fix


def test_full_day_hours_accepted() -> None:
    text = _replace('monday = ["09:00-18:00"]', 'monday = ["00:00-24:00"]')

    playbook = parse_playbook(text)

    assert playbook.calendar.weekly_hours[0] == ((time(0), END_OF_DAY),)


def test_full_day_open_until_midnight() -> None:
    opens, closes = parse_hours_range("00:00-24:00")
    calendar = BusinessCalendar(weekly_hours={0: ((opens, closes),), 1: ((opens, closes),)})
    # Monday 2026-12-07 23:30 UTC: a 1-hour budget runs into Tuesday without a gap at midnight.
    start = datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc)

    assert calendar.is_open(start)
    assert calendar.add_business_time(start, timedelta(hours=1)) == start + timedelta(hours=1)


def test_hours_past_midnight_rejected() -> None:
    with pytest.raises(ValueError, match="invalid clock time"):
        parse_hours_range("00:00-24:30")


def test_cli_check_huge_duration_reports(tmp_path, capsys) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(_replace('respond_within = "15m"', 'respond_within = "999999999d"'), encoding="utf-8")

    assert main(["playbook", "check", str(path)]) == 1

    error = capsys.readouterr().err
    assert "segments[2].respond_within: duration '999999999d' is longer than the maximum of 365 days" in error


BAD_SEQUENCES = """
[[sequences]]
key = "x"
label = "X"
[[sequences.steps]]
day = 5
channel = "fax"
[[sequences.steps]]
day = 2
channel = "call"
template = "first_touch"
[[sequences]]
key = "x"
label = "Duplicate"
[[sequences.steps]]
day = 0
channel = "pigeon"
"""


def test_sequence_check_reports_every_error() -> None:
    text = SHIPPED.split("[[sequences]]", 1)[0] + BAD_SEQUENCES

    paths = [issue.path for issue in check_playbook(text)]

    assert "sequences[0].steps[0].channel" in paths
    assert "sequences[0].steps[1].day" in paths
    assert "sequences[0].steps[1].template" in paths
    assert "sequences[1].key" in paths
    assert "sequences[1].steps[0].channel" in paths


def test_utf8_bom_accepted(tmp_path, capsys) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SHIPPED.encode("utf-8"))

    assert check_playbook("\ufeff" + SHIPPED) == []
    assert main(["playbook", "check", str(path)]) == 0
    assert "the playbook is valid" in capsys.readouterr().out


def test_localtime_zone_rejected(database) -> None:
    from leaddesk.services.playbook import set_team_timezone
    from leaddesk.services.user_timezone import set_user_timezone

    text = _replace("[calendar]", '[calendar]\ntimezone = "localtime"')
    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["calendar.timezone"]
    assert issues[0].message == "unknown timezone 'localtime'"
    with database.session() as session:
        with pytest.raises(ValueError, match="unknown timezone 'localtime'"):
            set_user_timezone(session, "ana", "localtime")
        with pytest.raises(ValueError, match="unknown timezone 'localtime'"):
            set_team_timezone(session, "localtime")
        set_user_timezone(session, "ana", "Europe/Berlin")


def test_fallback_segment_condition_warns(tmp_path, capsys) -> None:
    last_key = 'key = "general"'
    text = _replace(last_key, last_key + '\nwhen = { field = "country", in = ["Germany"] }')
    path = tmp_path / "fallback.toml"
    path.write_text(text, encoding="utf-8")

    assert main(["playbook", "check", str(path)]) == 0

    error = capsys.readouterr().err
    assert "warning: segments[3]: the last segment 'general' is the fallback" in error
    assert "its when is ignored" in error
