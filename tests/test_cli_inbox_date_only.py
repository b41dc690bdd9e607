"""`leaddesk inbox` shows a date-only follow-up as its date in the user's timezone, not as a UTC time."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services import follow_ups
from leaddesk.services.local_time import LocalDue

# 23:30 UTC on 4 December is already 5 December in Tokyo (UTC+9).
NOW = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)


@pytest.fixture
def leads(database, database_target):
    with database.session() as session:
        for name, day, zone_name in (
            ("Today Tom", date(2026, 12, 5), "Asia/Tokyo"),
            ("Past Pia", date(2026, 12, 3), "UTC"),
            ("Later Lin", date(2026, 12, 9), "UTC"),
        ):
            lead = Lead(full_name=name, received_at=NOW, stage="contacted")
            session.add(lead)
            session.flush()
            follow_ups.add_follow_up(session, lead, LocalDue.on(day, zone_name), "", NOW)
        timed = Lead(full_name="Timed Tia", received_at=NOW, stage="contacted")
        session.add(timed)
        session.flush()
        follow_ups.add_follow_up(session, timed, LocalDue.at(datetime(2026, 12, 6, 15, 45), "UTC"), "", NOW)
    return database_target


def follow_up_cells(capsys, target: str, *args: str) -> dict[str, str]:
    exit_code = main(["inbox", "--db", target, "--now", NOW.isoformat(), *args])
    captured = capsys.readouterr()
    assert exit_code == 0, captured.err
    lines = captured.out.splitlines()
    start = lines[0].index("Follow-up")
    end = lines[0].index("Qual")
    return {name: line[start:end].strip() for line in lines[2:-1] for name in ("Today Tom", "Past Pia", "Later Lin", "Timed Tia") if name in line}


def test_date_only_shows_date(capsys, leads):
    cells = follow_up_cells(capsys, leads, "--timezone", "Asia/Tokyo")

    assert cells["Today Tom"] == "2026-12-05 due today"
    assert cells["Past Pia"] == "2026-12-03 overdue"
    assert cells["Later Lin"] == "2026-12-09"
    assert cells["Timed Tia"] == "2026-12-06 15:45Z"


def test_due_today_follows_user_zone(capsys, leads):
    cells = follow_up_cells(capsys, leads, "--timezone", "UTC")

    assert cells["Today Tom"] == "2026-12-05"


def test_bad_timezone_exits_2(capsys, leads):
    assert main(["inbox", "--db", leads, "--timezone", "Mars/Base"]) == 2
    assert "invalid --timezone value 'Mars/Base'" in capsys.readouterr().err


def test_json_has_follow_up_date(capsys, leads):
    assert main(["inbox", "--db", leads, "--json", "--now", NOW.isoformat()]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}

    assert rows["Today Tom"]["next_follow_up_date"] == "2026-12-05"
    assert rows["Timed Tia"]["next_follow_up_date"] is None
    assert rows["Timed Tia"]["next_follow_up_at"] == "2026-12-06T15:45:00Z"
