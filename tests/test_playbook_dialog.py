"""The playbook settings dialog with real widgets: forms and text share one validation."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from leaddesk.models import Lead, Rep
from leaddesk.services.playbook import active_playbook_text, load_playbook, save_playbook_text, shipped_playbook_text
from leaddesk.ui.playbook_dialog import FORM_TAB, ROUTING_TAB, TEXT_TAB, PlaybookDialog
from leaddesk.ui.playbook_segments import KEY_COLUMN, RESPOND_COLUMN
from leaddesk.ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


@pytest.fixture
def dialog(qtbot, runner):
    opened = PlaybookDialog(runner)
    qtbot.addWidget(opened)
    with qtbot.waitSignal(opened.loaded, timeout=5000):
        pass
    return opened


def _stored_text(database) -> str:
    with database.session() as session:
        return active_playbook_text(session)


def test_form_shows_shipped_values(dialog) -> None:
    assert dialog.hour_edits["monday"].text() == "09:00-18:00"
    assert dialog.hour_edits["sunday"].text() == ""
    assert dialog.segments_form.table.rowCount() == 4
    assert dialog.segments_form.table.item(2, RESPOND_COLUMN).text() == "15m"
    assert dialog.timezone_edit.text() == ""


def test_form_edit_saves_and_keeps_comments(qtbot, dialog, database) -> None:
    dialog.hour_edits["saturday"].setText("10:00-12:00, 13:00-14:00")
    dialog.segments_form.table.item(2, RESPOND_COLUMN).setText("20m")
    dialog.timezone_edit.setText("Europe/Berlin")

    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()

    stored = _stored_text(database)
    assert 'saturday = ["10:00-12:00", "13:00-14:00"]' in stored
    assert "# Segments in match order" in stored
    with database.session() as session:
        playbook = load_playbook(session)
    assert playbook.calendar.timezone_name == "Europe/Berlin"
    assert playbook.calendar.weekly_hours[5] == ((time(10), time(12)), (time(13), time(14)))
    assert playbook.segment("mid_market_form").budget == timedelta(minutes=20)


def test_form_error_blocks_save(dialog, database) -> None:
    dialog.hour_edits["monday"].setText("09:00-13:00, 12:00-18:00")

    dialog.save()

    assert dialog.issue_list.count() == 1
    assert "the hours 09:00-13:00 and 12:00-18:00 overlap" in dialog.issue_list.item(0).text()
    assert dialog.status_label.text() == "1 error(s); nothing was saved."
    assert _stored_text(database) == shipped_playbook_text()


def test_text_tab_uses_same_check(dialog) -> None:
    dialog.tabs.setCurrentIndex(TEXT_TAB)
    text = dialog.text_edit.toPlainText().replace('clock = "business_hours"', 'clock = "sometimes"', 1)
    dialog.text_edit.setPlainText(text)

    issues = dialog.check()

    assert [issue.path for issue in issues] == ["segments[2].clock"]
    assert dialog.issue_list.item(0).text().startswith("line ")


def test_text_edit_shows_in_form(dialog) -> None:
    dialog.tabs.setCurrentIndex(TEXT_TAB)
    dialog.text_edit.setPlainText(dialog.text_edit.toPlainText().replace('respond_within = "5m"', 'respond_within = "7m"'))

    dialog.tabs.setCurrentIndex(FORM_TAB)

    assert dialog.segments_form.table.item(0, RESPOND_COLUMN).text() == "7m"


def test_routing_simulator_shows_decision(qtbot, runner, database) -> None:
    text = shipped_playbook_text().split("# Routing rules", 1)[0]
    text += '[[routing.rules]]\nname = "Named"\nstrategy = "named_accounts"\n\n[routing.named_accounts]\n"acme.com" = "Ana"\n'
    with database.session() as session:
        session.add(Rep(name="Ana"))
        save_playbook_text(session, text)
    opened = PlaybookDialog(runner)
    qtbot.addWidget(opened)
    with qtbot.waitSignal(opened.loaded, timeout=5000):
        pass
    opened.tabs.setCurrentIndex(ROUTING_TAB)
    opened.simulator_edits["email"].setText("buyer@acme.com")

    with qtbot.waitSignal(opened.routed, timeout=5000) as blocker:
        opened.simulate()

    assert blocker.args[0][0] == "route: Ana by rule 'Named' (named_accounts)"
    # The simulated lead is never stored.
    with database.session() as session:
        assert session.query(Lead).count() == 0


def test_main_window_opens_playbook(qtbot, database) -> None:
    from leaddesk.ui.main_window import MainWindow

    window = MainWindow(database, actor="tester")
    qtbot.addWidget(window)
    window.show()

    window.playbook_action.trigger()
    dialog = qtbot.waitUntil(lambda: window.findChild(PlaybookDialog) is not None) or window.findChild(PlaybookDialog)
    qtbot.waitUntil(lambda: dialog.segments_form.table.rowCount() == 4)

    assert dialog.isVisible()


def test_save_huge_duration_shows_error(dialog, database) -> None:
    dialog.segments_form.table.item(2, RESPOND_COLUMN).setText("999999999d")

    dialog.save()

    assert dialog.issue_list.count() == 1
    assert "longer than the maximum of 365 days" in dialog.issue_list.item(0).text()
    assert dialog.status_label.text() == "1 error(s); nothing was saved."
    assert _stored_text(database) == shipped_playbook_text()


def test_cleared_segment_key_says_empty(dialog, database) -> None:
    dialog.segments_form.table.item(2, KEY_COLUMN).setText("")

    dialog.save()

    assert dialog.issue_list.count() == 1
    assert "the segment key is empty" in dialog.issue_list.item(0).text()
    assert "None" not in dialog.issue_list.item(0).text()
    assert _stored_text(database) == shipped_playbook_text()
