"""The "Tomorrow 09:00" and "Next Monday 09:00" snoozes read the user's timezone, not the follow-up's."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import FollowUp, Lead
from leaddesk.services.local_time import SnoozeOption
from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.services.user_timezone import set_user_timezone
from leaddesk.ui.main_window import MainWindow
from window_leads import Clock, add_overdue_and_waiting

# Monday 4 May 2026, 12:00 in Berlin (CEST, UTC+2) and 06:00 in New York (EDT, UTC-4).
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def follow_up(database) -> tuple[uuid.UUID, uuid.UUID]:
    leads = add_overdue_and_waiting(database, NOW)
    with database.session() as session:
        row = FollowUp(
            lead_id=leads["overdue"],
            due_at=NOW - timedelta(minutes=5),
            due_local="2026-05-04T05:55",
            time_zone="America/New_York",
            note="call back",
        )
        session.add(row)
        session.flush()
        session.get(Lead, leads["overdue"]).next_follow_up_at = row.due_at
        set_user_timezone(session, "tester", "Europe/Berlin")
        return leads["overdue"], row.id


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        # 09:00 in Berlin on Tuesday 5 May, not 09:00 in New York (13:00 UTC).
        (SnoozeOption.TOMORROW_MORNING, datetime(2026, 5, 5, 7, 0, tzinfo=timezone.utc)),
        (SnoozeOption.NEXT_MONDAY, datetime(2026, 5, 11, 7, 0, tzinfo=timezone.utc)),
    ],
)
def test_snooze_uses_user_zone(qtbot, database, follow_up, option, expected):
    lead_id, follow_up_id = follow_up
    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)

    with qtbot.waitSignal(window.triage.changed, timeout=5000):
        window.triage.snooze(lead_id, option)

    with database.session() as session:
        assert session.get(FollowUp, follow_up_id).due_at == expected
