"""The playbook dialog's section forms with real widgets: edit, save, reload, then check the TOML and its effect."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from leaddesk.models import Lead
from leaddesk.services.playbook import active_playbook_text, load_playbook, shipped_playbook_text
from leaddesk.services.qualification import qualify
from leaddesk.services.user_timezone import user_timezone
from leaddesk.ui.playbook_dialog import (
    QUALIFICATION_TAB,
    ROUTING_FORM_TAB,
    SCORING_TAB,
    SEGMENTS_TAB,
    TEXT_TAB,
    PlaybookDialog,
)
from leaddesk.ui.playbook_segments import ACTION_COLUMN, AT_COLUMN, KEY_COLUMN, MAX_COLUMN, RESPOND_COLUMN, SOURCE_COLUMN
from leaddesk.ui.playbook_widgets import ADVANCED, FIELD_COLUMN, OPERATOR_COLUMN, VALUE_COLUMN
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


def _open(qtbot, runner) -> PlaybookDialog:
    opened = PlaybookDialog(runner, user="ana")
    qtbot.addWidget(opened)
    with qtbot.waitSignal(opened.loaded, timeout=5000):
        pass
    return opened


@pytest.fixture
def dialog(qtbot, runner):
    return _open(qtbot, runner)


def _save(qtbot, dialog: PlaybookDialog) -> None:
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()


def _stored(database) -> str:
    with database.session() as session:
        return active_playbook_text(session)


def _playbook(database):
    with database.session() as session:
        return load_playbook(session)


def _changed_lines(database) -> tuple[set[str], set[str]]:
    """Return the lines only the shipped text has and the lines only the stored text has."""
    shipped, stored = shipped_playbook_text().splitlines(), _stored(database).splitlines()
    return set(shipped) - set(stored), set(stored) - set(shipped)


def _set_test(editor, row: int, field: str, operator: str, value: str) -> None:
    editor.table.cellWidget(row, FIELD_COLUMN).setCurrentText(field)
    editor.table.cellWidget(row, OPERATOR_COLUMN).setCurrentText(operator)
    editor.table.item(row, VALUE_COLUMN).setText(value)


def test_segment_form_edits_sla(qtbot, dialog, database) -> None:
    dialog.tabs.setCurrentIndex(SEGMENTS_TAB)
    table = dialog.segments_form.table
    table.item(2, RESPOND_COLUMN).setText("20m")
    table.cellWidget(2, MAX_COLUMN).setValue(2000)
    table.item(2, SOURCE_COLUMN).setText("form, web")

    _save(qtbot, dialog)

    removed, added = _changed_lines(database)
    assert removed == {'respond_within = "15m"', "max_employees = 1000", 'source_contains = ["form", "web", "contact", "landing", "demo", "trial", "pricing"]'}
    assert added == {'respond_within = "20m"', "max_employees = 2000", 'source_contains = ["form", "web"]'}
    rule = _playbook(database).segment("mid_market_form")
    assert rule.budget == timedelta(minutes=20)
    assert rule.max_employees == 2000
    assert rule.source_keywords == ("form", "web")


def test_segment_form_adds_and_removes(qtbot, runner, dialog, database) -> None:
    form = dialog.segments_form
    dialog.tabs.setCurrentIndex(SEGMENTS_TAB)
    form.table.setCurrentCell(0, KEY_COLUMN)
    form.remove_segment()
    form.add_segment()
    row = form.table.currentRow()
    form.table.item(row, KEY_COLUMN).setText("partner")
    form.add_step()
    form.ladder.item(0, AT_COLUMN).setText("80%")
    form.ladder.cellWidget(0, ACTION_COLUMN).setCurrentText("remind_owner")
    form.condition.add_row()
    _set_test(form.condition, 0, "country", "in", "Germany, Austria")

    _save(qtbot, dialog)

    stored = _stored(database)
    assert 'key = "enterprise_demo"' not in stored
    assert '[[segments]]\nkey = "partner"' in stored
    assert 'when = { field = "country", in = ["Germany", "Austria"] }' in stored
    assert "# Segments in match order" in stored
    playbook = _playbook(database)
    assert [rule.key for rule in playbook.segments] == ["outbound_reply", "mid_market_form", "partner", "general"]
    partner = playbook.segment("partner")
    assert [step.describe() for step in partner.escalation] == ["remind owner at 80% of the SLA"]
    assert len(playbook.segment("outbound_reply").escalation) == 2

    reopened = _open(qtbot, runner)
    assert reopened.segments_form.table.rowCount() == 4
    assert reopened.segments_form.table.item(2, KEY_COLUMN).text() == "partner"


def test_segment_form_keeps_last_segment(dialog) -> None:
    form = dialog.segments_form
    for _ in range(3):
        form.table.setCurrentCell(0, KEY_COLUMN)
        form.remove_segment()
    messages = []
    form.message.connect(messages.append)

    form.table.setCurrentCell(0, KEY_COLUMN)
    form.remove_segment()

    assert form.table.rowCount() == 1
    assert messages == ["A playbook needs at least one segment, so the last one cannot be removed."]


def test_qualification_form_edits_rule(qtbot, runner, dialog, database) -> None:
    dialog.tabs.setCurrentIndex(QUALIFICATION_TAB)
    dialog.qualification_form.editors["mql"].table.item(0, VALUE_COLUMN).setText("200")
    dialog.qualification_form.domains_edit.setText("acme.com")

    _save(qtbot, dialog)

    removed, added = _changed_lines(database)
    assert removed == {"    { field = \"employees\", at_least = 50 },", "domains = []"}
    assert '    { field = "employees", at_least = 200 },' in added
    assert 'domains = ["acme.com"]' in added
    playbook = _playbook(database)
    lead = Lead(email="cto@initech.com", employee_count=150, custom_fields={}, received_at=NOW)
    lead.activities = []
    assert qualify(lead, playbook, NOW).stage is None
    lead.employee_count = 250
    assert qualify(lead, playbook, NOW).stage == "mql"
    assert playbook.customer_domains == frozenset({"acme.com"})

    reopened_dialog = _open(qtbot, runner)
    reopened = reopened_dialog.qualification_form
    assert reopened.editors["mql"].table.item(0, VALUE_COLUMN).text() == "200"
    assert reopened.domains_edit.text() == "acme.com"


def test_qualification_form_rejects_bad_number(dialog, database) -> None:
    dialog.tabs.setCurrentIndex(QUALIFICATION_TAB)
    dialog.qualification_form.editors["mql"].table.item(0, VALUE_COLUMN).setText("lots")

    issues = dialog.check()
    dialog.save()

    assert len(issues) == 1
    message = dialog.issue_list.item(0).text()
    assert "Marketing qualified (MQL), row 1: employees at_least needs a number, got 'lots'" in message
    assert "enter a number such as 500" in message
    assert _stored(database) == shipped_playbook_text()


def test_qualification_form_drops_unticked_rule(qtbot, dialog, database) -> None:
    dialog.tabs.setCurrentIndex(QUALIFICATION_TAB)
    dialog.qualification_form.stage_boxes["sql"].setChecked(False)

    _save(qtbot, dialog)

    assert "[qualification.sql]" not in _stored(database)
    assert "[qualification.mql]" in _stored(database)
    assert [rule.stage for rule in _playbook(database).qualification] == ["mql"]


def test_scoring_form_edits_points(qtbot, runner, dialog, database) -> None:
    form = dialog.scoring_form
    dialog.tabs.setCurrentIndex(SCORING_TAB)
    form.fit_cap.setValue(40)
    form.half_life.setValue(7)
    form.grade_spins["A"].setValue(80)
    form.fit.table.cellWidget(0, 1).setValue(25)
    form.engagement.add_entry()
    form.engagement.table.item(3, 0).setText("Webinar")
    form.engagement.table.item(3, 2).setText("webinar attended")

    _save(qtbot, dialog)

    removed, added = _changed_lines(database)
    assert removed == {"fit_cap = 50", "half_life_days = 14", "grades = { A = 70, B = 50, C = 25 }", "points = 20"}
    # "points = 25" is already a line of the shipped text, so only the other new lines show here.
    assert {"fit_cap = 40", "half_life_days = 7", "grades = { A = 80, B = 50, C = 25 }"} <= added
    assert '[[scoring.fit]]\nlabel = "Director or above"\npoints = 25\n' in _stored(database)
    assert 'activity = ["webinar attended"]' in added
    scoring = _playbook(database).scoring
    assert (scoring.fit_cap, scoring.engagement_cap, scoring.half_life_days) == (40, 50, 7.0)
    assert scoring.grades == (("A", 80), ("B", 50), ("C", 25))
    assert scoring.fit[0].points == 25
    assert [rule.label for rule in scoring.engagement][-1] == "Webinar"

    reopened_dialog = _open(qtbot, runner)
    reopened = reopened_dialog.scoring_form
    assert (reopened.fit_cap.value(), reopened.half_life.value(), reopened.grade_spins["A"].value()) == (40, 7.0, 80)
    assert reopened.engagement.table.rowCount() == 4


def test_scoring_form_rejects_grade_order(dialog, database) -> None:
    dialog.tabs.setCurrentIndex(SCORING_TAB)
    dialog.scoring_form.grade_spins["B"].setValue(90)

    issues = dialog.check()

    assert len(issues) == 1
    assert "grade thresholds A 70, B 90, C 25 are not in falling order" in dialog.issue_list.item(0).text()
    assert _stored(database) == shipped_playbook_text()


def test_fit_rule_condition_edit(qtbot, dialog, database) -> None:
    form = dialog.scoring_form
    dialog.tabs.setCurrentIndex(SCORING_TAB)
    form.fit.table.setCurrentCell(1, 0)
    _set_test(form.fit.condition, 0, "employees", "at_least", "1000")

    _save(qtbot, dialog)

    assert 'when = { field = "employees", at_least = 1000 }' in _stored(database)
    condition = _playbook(database).scoring.fit[1].condition
    assert (condition.name, condition.operator, condition.expected) == ("employees", "at_least", 1000)


def test_routing_form_builds_rules(qtbot, runner, dialog, database) -> None:
    form = dialog.routing_form
    dialog.tabs.setCurrentIndex(ROUTING_FORM_TAB)
    form.rules.add_entry()
    form.rules.table.item(0, 0).setText("DACH pool")
    form.rules.table.item(0, 2).setText("Ana, Ben")
    form.rules.condition.add_row()
    _set_test(form.rules.condition, 0, "country", "in", "Germany, Austria")
    form.add_account()
    form.accounts.item(0, 0).setText("acme.com")
    form.accounts.item(0, 1).setText("Ana")
    form.add_rep()
    form.reps.item(0, 0).setText("Ana Lee")
    form.reps.cellWidget(0, 1).setValue(5)
    form.reps.item(0, 3).setText("2026-12-24, 2026-12-28..2026-12-30")
    form.team_lead_edit.setText("Tess")
    form.assign_check.setChecked(False)

    _save(qtbot, dialog)

    stored = _stored(database)
    assert '[[routing.rules]]\nname = "DACH pool"\nstrategy = "round_robin"\nreps = ["Ana", "Ben"]' in stored
    assert '"acme.com" = "Ana"' in stored
    assert "rules = []" not in stored
    playbook = _playbook(database)
    assert playbook.assign_new_leads is False
    assert [(rule.name, rule.strategy.value, rule.reps) for rule in playbook.routing] == [("DACH pool", "round_robin", ("Ana", "Ben"))]
    assert playbook.routing[0].condition is not None
    assert playbook.named_accounts == {"acme.com": "Ana"}
    assert playbook.reps["Ana Lee"].capacity == 5
    assert playbook.reps["Ana Lee"].time_off == frozenset({date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30)})
    assert playbook.team_lead == "Tess"

    reopened_dialog = _open(qtbot, runner)
    reopened = reopened_dialog.routing_form
    assert reopened.rules.table.item(0, 0).text() == "DACH pool"
    assert reopened.accounts.item(0, 0).text() == "acme.com"
    assert reopened.reps.item(0, 3).text() == "2026-12-24, 2026-12-28..2026-12-30"
    assert reopened.assign_check.isChecked() is False


def test_routing_form_rejects_account_without_rep(dialog, database) -> None:
    dialog.tabs.setCurrentIndex(ROUTING_FORM_TAB)
    dialog.routing_form.add_account()
    dialog.routing_form.accounts.item(0, 0).setText("acme.com")

    issues = dialog.check()

    assert len(issues) == 1
    assert dialog.issue_list.item(0).text().startswith("named account 'acme.com': missing rep; enter the rep who owns it")


def test_routing_rule_without_reps_fails_check(dialog) -> None:
    dialog.tabs.setCurrentIndex(ROUTING_FORM_TAB)
    dialog.routing_form.rules.add_entry()

    issues = dialog.check()

    assert [issue.path for issue in issues] == ["routing.rules[0].reps"]
    assert "strategy round_robin needs reps" in dialog.issue_list.item(0).text()


def test_forms_and_text_stay_in_step(dialog) -> None:
    dialog.tabs.setCurrentIndex(SCORING_TAB)
    dialog.scoring_form.engagement_cap.setValue(30)

    dialog.tabs.setCurrentIndex(TEXT_TAB)
    assert "engagement_cap = 30" in dialog.text_edit.toPlainText()

    dialog.text_edit.setPlainText(dialog.text_edit.toPlainText().replace('label = "Pricing viewed"', 'label = "Pricing page"'))
    dialog.tabs.setCurrentIndex(SCORING_TAB)
    assert dialog.scoring_form.engagement.table.item(1, 0).text() == "Pricing page"
    assert dialog.scoring_form.engagement_cap.value() == 30


def test_unchanged_forms_keep_text(dialog) -> None:
    for index in (SEGMENTS_TAB, QUALIFICATION_TAB, SCORING_TAB, ROUTING_FORM_TAB):
        dialog.tabs.setCurrentIndex(index)

    assert dialog.current_text() == shipped_playbook_text()


def test_bad_form_value_keeps_form_tab(dialog) -> None:
    dialog.tabs.setCurrentIndex(QUALIFICATION_TAB)
    dialog.qualification_form.editors["mql"].table.item(0, VALUE_COLUMN).setText("many")

    dialog.tabs.setCurrentIndex(TEXT_TAB)

    assert dialog.tabs.currentIndex() == QUALIFICATION_TAB
    assert "needs a number, got 'many'" in dialog.issue_list.item(0).text()


def test_user_timezone_saved(qtbot, dialog, database) -> None:
    # The tests run with the machine's zone or UTC, so a zone far from both shows the setting is used.
    dialog.user_zone_edit.setCurrentText("Pacific/Auckland")

    with qtbot.waitSignal(dialog.user_zone_changed, timeout=5000) as changed:
        dialog.save()

    assert changed.args == ["Pacific/Auckland"]
    with database.session() as session:
        assert user_timezone(session, "ana") == "Pacific/Auckland"
        assert user_timezone(session, "ben") != "Pacific/Auckland"
    assert _stored(database) == shipped_playbook_text()


def test_user_timezone_rejects_unknown(dialog) -> None:
    dialog.user_zone_edit.setCurrentText("Mars/Olympus")

    issues = dialog.check()

    assert [issue.path for issue in issues] == ["your timezone"]
    assert "unknown timezone 'Mars/Olympus'" in dialog.issue_list.item(0).text()


def test_routing_rules_reorder(qtbot, runner, database) -> None:
    text = shipped_playbook_text().replace(
        "rules = []\n",
        "",
    ).replace(
        "[routing.named_accounts]\n",
        '[routing.named_accounts]\n\n[[routing.rules]]\nname = "First"\nstrategy = "fixed"\nreps = ["Ana"]\n\n'
        '[[routing.rules]]\nname = "Second"\nstrategy = "round_robin"\nreps = ["Ben", "Cleo"]\n'
        'when = { field = "country", equals = "Germany" }\n',
    )
    with database.session() as session:
        from leaddesk.services.playbook import save_playbook_text

        save_playbook_text(session, text)
    dialog = _open(qtbot, runner)
    dialog.tabs.setCurrentIndex(ROUTING_FORM_TAB)
    dialog.routing_form.rules.table.setCurrentCell(1, 0)

    dialog.routing_form.rules.move_entry(-1)
    _save(qtbot, dialog)

    rules = _playbook(database).routing
    assert [(rule.name, rule.reps) for rule in rules] == [("Second", ("Ben", "Cleo")), ("First", ("Ana",))]
    assert rules[0].condition is not None
    assert rules[1].condition is None


def test_segments_reorder(qtbot, dialog, database) -> None:
    form = dialog.segments_form
    dialog.tabs.setCurrentIndex(SEGMENTS_TAB)
    form.table.setCurrentCell(1, KEY_COLUMN)

    form.move_segment(-1)
    _save(qtbot, dialog)

    playbook = _playbook(database)
    assert [rule.key for rule in playbook.segments] == ["outbound_reply", "enterprise_demo", "mid_market_form", "general"]
    assert len(playbook.segment("outbound_reply").escalation) == 2
    assert playbook.segment("enterprise_demo").min_employees == 1000


def test_forms_keep_minimal_file(qtbot, runner, database) -> None:
    minimal = '[[segments]]\nkey = "all"\nrespond_within = "1h"\n\n[qualification.mql]\nwhen = { field = "employees", at_least = 10 }\n'
    with database.session() as session:
        from leaddesk.services.playbook import save_playbook_text

        save_playbook_text(session, minimal)
    opened = _open(qtbot, runner)
    for index in (SEGMENTS_TAB, QUALIFICATION_TAB, SCORING_TAB, ROUTING_FORM_TAB):
        opened.tabs.setCurrentIndex(index)

    assert opened.current_text() == minimal


def test_advanced_test_value_tooltip(dialog) -> None:
    dialog.tabs.setCurrentIndex(QUALIFICATION_TAB)
    table = dialog.qualification_form.editors["sql"].table
    advanced = [row for row in range(table.rowCount()) if table.cellWidget(row, FIELD_COLUMN).currentText() == ADVANCED]
    assert advanced
    item = table.item(advanced[0], VALUE_COLUMN)

    assert item.toolTip() == item.text()
    assert "activity" in item.toolTip()

    item.setText('{ activity = ["meeting"] }')
    assert item.toolTip() == '{ activity = ["meeting"] }'
