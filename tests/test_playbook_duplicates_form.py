"""The playbook dialog's Duplicates form with real widgets: edit, save, then check the TOML and the scan settings."""

from __future__ import annotations

import pytest

from leaddesk.services.dedup.settings import Thresholds, load_auto_merge_enabled, load_thresholds
from leaddesk.services.playbook import active_playbook_text, shipped_playbook_text
from leaddesk.ui.playbook_dialog import DUPLICATES_TAB, TEXT_TAB, PlaybookDialog
from leaddesk.ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


@pytest.fixture
def dialog(qtbot, runner) -> PlaybookDialog:
    opened = PlaybookDialog(runner)
    qtbot.addWidget(opened)
    with qtbot.waitSignal(opened.loaded, timeout=5000):
        pass
    return opened


def _changed_lines(text: str) -> list[tuple[str, str]]:
    return [(old, new) for old, new in zip(shipped_playbook_text().splitlines(), text.splitlines()) if old != new]


def test_form_shows_shipped_values(dialog) -> None:
    form = dialog.duplicates_form
    assert form.review_spin.value() == 0.5
    assert form.auto_merge_spin.value() == 0.9
    assert form.auto_merge_check.isChecked() is False


def test_form_saves_section_lines(qtbot, dialog, database) -> None:
    dialog.tabs.setCurrentIndex(DUPLICATES_TAB)
    form = dialog.duplicates_form
    form.review_spin.setValue(0.4)
    form.auto_merge_spin.setValue(0.85)
    form.auto_merge_check.setChecked(True)

    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()

    with database.session() as session:
        text = active_playbook_text(session)
        assert load_thresholds(session) == Thresholds(0.4, 0.85)
        assert load_auto_merge_enabled(session) is True
    assert len(text.splitlines()) == len(shipped_playbook_text().splitlines())
    assert _changed_lines(text) == [
        ("review_threshold = 0.5", "review_threshold = 0.4"),
        ("auto_merge_threshold = 0.9", "auto_merge_threshold = 0.85"),
        ("auto_merge = false", "auto_merge = true"),
    ]


def test_untouched_form_writes_nothing(dialog) -> None:
    dialog.tabs.setCurrentIndex(DUPLICATES_TAB)
    dialog.tabs.setCurrentIndex(TEXT_TAB)
    assert dialog.text_edit.toPlainText() == shipped_playbook_text()


def test_form_reports_review_above_auto_merge(dialog) -> None:
    dialog.tabs.setCurrentIndex(DUPLICATES_TAB)
    dialog.duplicates_form.review_spin.setValue(0.95)

    issues = dialog.check()

    assert [issue.path for issue in issues] == ["duplicates.review_threshold"]
    assert "above auto_merge_threshold 0.9" in issues[0].message


def test_text_edit_shows_form_edit(dialog) -> None:
    dialog.tabs.setCurrentIndex(DUPLICATES_TAB)
    dialog.duplicates_form.auto_merge_check.setChecked(True)
    dialog.tabs.setCurrentIndex(TEXT_TAB)
    assert "auto_merge = true" in dialog.text_edit.toPlainText().splitlines()


def test_form_adds_missing_section(qtbot, runner, database) -> None:
    from leaddesk.services.playbook import save_playbook_text

    head, _section, tail = shipped_playbook_text().partition("[duplicates]\n")
    with database.session() as session:
        save_playbook_text(session, head + tail.split("\n\n", 1)[1])
    opened = PlaybookDialog(runner)
    qtbot.addWidget(opened)
    with qtbot.waitSignal(opened.loaded, timeout=5000):
        pass

    opened.tabs.setCurrentIndex(DUPLICATES_TAB)
    opened.duplicates_form.auto_merge_check.setChecked(True)
    with qtbot.waitSignal(opened.saved, timeout=5000):
        opened.save()

    with database.session() as session:
        assert load_auto_merge_enabled(session) is True
        assert load_thresholds(session) == Thresholds(0.5, 0.9)
