"""The user's own timezone: stored per user, and passed by the window to the inbox and reminders."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from leaddesk.models import Lead
from leaddesk.services import follow_ups, inbox
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.local_time import LocalDue
from leaddesk.services.notifications.preferences import load_preferences
from leaddesk.services.playbook import system_timezone_name
from leaddesk.services.user_timezone import set_user_timezone, user_timezone

# Auckland is 12 hours ahead of UTC in June, so its date differs from the machine's in the tests.
AUCKLAND = "Pacific/Auckland"
DAY = date(2026, 6, 15)
PLANNED_AT = datetime(2026, 6, 1, tzinfo=timezone.utc)
# 00:30 on DAY in Auckland, while it is still the day before in UTC.
NOW = datetime(2026, 6, 15, 0, 30, tzinfo=ZoneInfo(AUCKLAND)).astimezone(timezone.utc)


def test_user_timezone_defaults_to_machine(database) -> None:
    with database.session() as session:
        assert user_timezone(session, "ana") == system_timezone_name()


def test_user_timezone_per_user(database) -> None:
    with database.session() as session:
        set_user_timezone(session, "ana", AUCKLAND)
    with database.session() as session:
        assert user_timezone(session, "ana") == AUCKLAND
        assert user_timezone(session, "ben") == system_timezone_name()
        # Reminders read the same zone, for quiet hours and date-only follow-ups.
        assert load_preferences(session, "ana", "UTC").zone_name == AUCKLAND


def test_user_timezone_rejects_unknown(database) -> None:
    with database.session() as session, pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'; use an IANA name"):
        set_user_timezone(session, "ana", "Mars/Olympus")


def _lead_with_date_only_follow_up(database):
    with database.session() as session:
        session.info[SKIP_KEY] = True
        contacted = dict(received_at=PLANNED_AT, first_contacted_at=PLANNED_AT, stage="contacted", segment="general")
        session.add(Lead(full_name="No follow-up", score=99, **contacted))
        lead = Lead(full_name="Jo Doe", score=0, **contacted)
        session.add(lead)
        session.flush()
        follow_ups.schedule(session, lead.id, LocalDue.on(DAY, AUCKLAND), "call back", "ana", PLANNED_AT)
        return lead.id


def test_window_passes_user_zone(qtbot, database) -> None:
    from leaddesk.ui.main_window import MainWindow

    lead_id = _lead_with_date_only_follow_up(database)
    with database.session() as session:
        set_user_timezone(session, "ana", AUCKLAND)

    window = MainWindow(database, clock=lambda: NOW, actor="ana")
    qtbot.addWidget(window)
    query = window.current_query()

    assert query.zone_name == AUCKLAND
    assert window.reminders.zone_name() == AUCKLAND
    # DAY has begun in Auckland, so the date-only follow-up is due and leads the inbox.
    with database.session() as session:
        assert inbox.list_lead_ids(session, query)[0] == lead_id
        assert inbox.list_lead_ids(session, inbox.InboxQuery(now=NOW, zone_name="UTC"))[0] != lead_id
    window.reminders.stop()


def test_window_follows_saved_zone(qtbot, database) -> None:
    from leaddesk.ui.main_window import MainWindow

    window = MainWindow(database, clock=lambda: NOW, actor="ana")
    qtbot.addWidget(window)
    dialog = window.open_playbook_dialog()
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        pass
    dialog.user_zone_edit.setCurrentText(AUCKLAND)

    with qtbot.waitSignal(dialog.user_zone_changed, timeout=5000):
        dialog.save()

    assert window.current_query().zone_name == AUCKLAND
    assert window.reminders.zone_name() == AUCKLAND
    window.reminders.stop()
