"""The playbook TOML file: the shipped default, validation messages, and check/import/export."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from leaddesk.cli.main import main
from leaddesk.models import Rep
from leaddesk.services.database import Database
from leaddesk.services.playbook import (
    BudgetKind,
    ClockKind,
    EscalationAction,
    PlaybookError,
    active_playbook_text,
    check_playbook,
    load_playbook,
    parse_playbook,
    save_playbook_text,
    set_team_timezone,
    shipped_playbook_text,
)
from leaddesk.services.playbook.form import read_form, set_value, write_form

SHIPPED = shipped_playbook_text()


def _replace(old: str, new: str) -> str:
    assert old in SHIPPED, old
    return SHIPPED.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_shipped_default_has_four_standard_slas() -> None:
    playbook = parse_playbook(SHIPPED)

    keys = [rule.key for rule in playbook.segments]
    assert keys == ["enterprise_demo", "outbound_reply", "mid_market_form", "general"]
    enterprise, outbound, mid_market, general = playbook.segments
    assert (enterprise.budget, enterprise.clock) == (timedelta(minutes=5), ClockKind.AROUND_THE_CLOCK)
    assert enterprise.min_employees == 1000
    assert (outbound.budget, outbound.clock) == (timedelta(minutes=30), ClockKind.AROUND_THE_CLOCK)
    assert outbound.escalate_after == timedelta(hours=1)
    assert [step.action for step in outbound.escalation] == [EscalationAction.ALERT_TEAM_LEAD, EscalationAction.REASSIGN]
    assert (mid_market.budget, mid_market.clock) == (timedelta(minutes=15), ClockKind.BUSINESS_HOURS)
    assert (mid_market.min_employees, mid_market.max_employees) == (100, 1000)
    assert general.budget_kind is BudgetKind.SAME_BUSINESS_DAY


def test_shipped_calendar_is_weekdays_nine_to_six() -> None:
    calendar = parse_playbook(SHIPPED, default_timezone="Asia/Tokyo").calendar

    assert calendar.timezone_name == "Asia/Tokyo"
    assert dict(calendar.weekly_hours) == {day: ((time(9), time(18)),) for day in range(5)}
    assert calendar.holiday_country is None


def test_check_valid_file_has_no_issues() -> None:
    assert check_playbook(SHIPPED) == []


def test_unknown_field_names_line_and_guess() -> None:
    text = _replace('source_contains = ["demo"]', 'source_contans = ["demo"]')

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].line == _line_of(text, "source_contans")
    assert issues[0].path == "segments[0].source_contans"
    assert issues[0].message == 'unknown field "source_contans"'
    assert issues[0].fix.startswith('did you mean "source_contains"?')


def test_bad_duration_names_value_and_fix() -> None:
    text = _replace('respond_within = "15m"', 'respond_within = "15 minuets"')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["segments[2].respond_within"]
    assert issues[0].line == _line_of(text, "15 minuets")
    assert issues[0].message == "invalid duration '15 minuets'"
    assert '"same business day"' in issues[0].fix


def test_overlapping_hours_reported() -> None:
    text = _replace('monday = ["09:00-18:00"]', 'monday = ["09:00-13:00", "12:00-18:00"]')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["calendar.hours.monday"]
    assert issues[0].message == "the hours 09:00-13:00 and 12:00-18:00 overlap"
    assert issues[0].line == _line_of(text, "monday =")


def test_unknown_timezone_suggests_closest() -> None:
    text = _replace('# timezone = "Europe/Berlin"', 'timezone = "Europe/Berln"')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["calendar.timezone"]
    assert issues[0].fix == 'did you mean "Europe/Berlin"?'


def test_all_errors_reported_in_line_order() -> None:
    text = _replace('respond_within = "15m"', 'respond_within = "soon"')
    text = text.replace('# timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"')
    text = text.replace('action = "reassign"', 'action = "page_everyone"')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == [
        "calendar.timezone",
        "segments[1].escalation[1].action",
        "segments[2].respond_within",
    ]
    assert [issue.line for issue in issues] == sorted(issue.line for issue in issues)


def test_toml_syntax_error_has_line() -> None:
    text = _replace('label = "Mid-market form fill"', 'label = Mid-market form fill')

    issues = check_playbook(text)

    assert len(issues) == 1
    assert issues[0].line == _line_of(text, "label = Mid-market")
    assert issues[0].message.startswith("invalid TOML")


def test_bad_condition_field_and_operator() -> None:
    text = _replace('{ field = "employees", at_least = 500 }', '{ field = "headcount", at_least = 500 }')
    text = text.replace('{ field = "employees", at_least = 50 }', '{ field = "employees", at_least = "many" }')

    issues = check_playbook(text)

    paths = [issue.path for issue in issues]
    assert paths == ["qualification.mql.when.all[0].at_least", "qualification.sql.when.all[1].field"]
    assert issues[0].message == "at_least needs a number, got 'many'"
    assert issues[1].message == "unknown field 'headcount'"
    assert issues[1].line == _line_of(text, "[qualification.sql]") + 2


def test_holidays_country_and_region_checked() -> None:
    text = _replace("# holidays = \"DE\"\n# holiday_region = \"BY\"", 'holidays = "DE"\nholiday_region = "XX"')

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["calendar.holiday_region"]
    assert "BY" in issues[0].fix


def test_holidays_and_split_shifts_parsed() -> None:
    text = _replace("# holidays = \"DE\"\n# holiday_region = \"BY\"", 'holidays = "de"\nholiday_region = "by"')
    text = text.replace('closed_dates = []', "closed_dates = [2026-12-24]")
    text = text.replace('saturday = []', 'saturday = ["10:00-12:00", "13:00-14:30"]')

    calendar = parse_playbook(text).calendar

    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BY")
    assert calendar.closed_dates == frozenset({date(2026, 12, 24)})
    assert calendar.weekly_hours[5] == ((time(10), time(12)), (time(13), time(14, 30)))


def test_parse_raises_with_every_issue() -> None:
    text = _replace('respond_within = "5m"', 'respond_within = "0m"')

    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, source="team.toml")

    assert len(caught.value.issues) == 1
    assert str(caught.value).startswith("team.toml has 1 error(s):")
    assert "respond_within '0m' is not positive" in str(caught.value)


def test_rejected_playbook_keeps_active(database: Database) -> None:
    custom = _replace('respond_within = "5m"', 'respond_within = "10m"')
    with database.session() as session:
        save_playbook_text(session, custom)

    with database.session() as session:
        with pytest.raises(PlaybookError):
            save_playbook_text(session, _replace('clock = "business_hours"', 'clock = "sometimes"'))

    with database.session() as session:
        assert active_playbook_text(session) == custom
        assert load_playbook(session).segments[0].budget == timedelta(minutes=10)


def test_team_timezone_applies_without_file_timezone(database: Database) -> None:
    with database.session() as session:
        set_team_timezone(session, "America/Chicago")
    with database.session() as session:
        assert load_playbook(session).calendar.timezone_name == "America/Chicago"


def test_cli_round_trip_export_import(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    edited = tmp_path / "edited.toml"
    edited.write_text(_replace('respond_within = "30m"', 'respond_within = "45m"'), encoding="utf-8")
    exported = tmp_path / "exported.toml"

    assert main(["playbook", "import", str(edited), "--db", str(db_path)]) == 0
    assert main(["playbook", "export", str(exported), "--db", str(db_path)]) == 0

    assert exported.read_text(encoding="utf-8") == edited.read_text(encoding="utf-8")
    assert parse_playbook(exported.read_text(encoding="utf-8")).segments[1].budget == timedelta(minutes=45)
    assert "imported; 4 segments are active" in capsys.readouterr().out


def test_cli_check_broken_file_changes_nothing(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken.toml"
    text = _replace('respond_within = "15m"', 'respond_within = "15 minuets"')
    broken.write_text(text, encoding="utf-8")

    assert main(["playbook", "check", str(broken)]) == 1

    error = capsys.readouterr().err
    line = _line_of(text, "15 minuets")
    assert f"{broken}:{line}: segments[2].respond_within: invalid duration '15 minuets';" in error
    assert "1 error(s); nothing was changed" in error


def test_cli_import_rejects_broken_file(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(_replace('clock = "around_the_clock"', 'clock = "never"'), encoding="utf-8")

    assert main(["playbook", "import", str(broken), "--db", str(db_path)]) == 1

    assert "The active playbook was kept." in capsys.readouterr().err
    opened = Database.open(db_path)
    with opened.session() as session:
        assert active_playbook_text(session) == SHIPPED
    opened.dispose()


def test_form_round_trip_changes_nothing() -> None:
    assert write_form(SHIPPED, read_form(SHIPPED)) == SHIPPED


def test_form_replaces_commented_example_and_removes() -> None:
    form = read_form(SHIPPED)
    form.timezone = "Asia/Kolkata"

    with_zone = write_form(SHIPPED, form)
    form.timezone = ""
    without_zone = write_form(with_zone, form)

    assert 'timezone = "Asia/Kolkata"' in with_zone.splitlines()
    assert '# timezone = "Europe/Berlin"' not in with_zone
    assert parse_playbook(with_zone).calendar.timezone_name == "Asia/Kolkata"
    assert "timezone =" not in without_zone.split("[calendar.hours]")[0].replace("# ", "#")
    assert parse_playbook(without_zone, default_timezone="UTC").calendar.timezone_name == "UTC"


def test_set_value_adds_missing_table() -> None:
    text = set_value("version = 1\n", "team.lead", "Tess")

    assert text == 'version = 1\n\n[team]\nlead = "Tess"\n'


SEGMENT_WHEN = '''[[segments]]
key = "dach_enterprise"
label = "DACH enterprise"
respond_within = "10m"
clock = "business_hours"
when = { all = [{ field = "country", in = ["Germany", "Austria", "Switzerland"] }, { field = "employees", at_least = 500 }] }

'''


def test_segment_when_condition_matches(tmp_path: Path, database: Database) -> None:
    text = SHIPPED.replace("[[segments]]\nkey = \"enterprise_demo\"", SEGMENT_WHEN + "[[segments]]\nkey = \"enterprise_demo\"", 1)
    playbook = parse_playbook(text)
    from leaddesk.models import Lead

    german = Lead(country="germany", employee_count=800, source="Demo request", segment="general")
    french = Lead(country="France", employee_count=800, source="Demo request", segment="general")

    assert playbook.segment_for(german).key == "dach_enterprise"
    assert playbook.segment_for(french).key == "mid_market_form"
    assert playbook.segment_input_columns == ("employee_count", "source", "country")


def test_segment_when_rejects_activity() -> None:
    text = SHIPPED.replace('source_contains = ["demo"]', 'source_contains = ["demo"]\nwhen = { activity = "pricing viewed" }', 1)

    issues = check_playbook(text)

    assert [issue.path for issue in issues] == ["segments[0].when"]
    assert issues[0].message == "a segment condition cannot use activity"


def test_import_uses_segment_when(tmp_path: Path, database: Database) -> None:
    from sqlalchemy import select

    from leaddesk.models import Lead
    from leaddesk.services.importing import run_import

    text = SHIPPED.replace("[[segments]]\nkey = \"enterprise_demo\"", SEGMENT_WHEN + "[[segments]]\nkey = \"enterprise_demo\"", 1)
    with database.session() as session:
        save_playbook_text(session, text)
    source = tmp_path / "leads.csv"
    source.write_text(
        "Email,Country,Employees,Lead Source\n"
        "a@one.de,Germany,800,Website form\n"
        "b@two.fr,France,800,Website form\n"
        "c@three.at,Austria,20,Website form\n",
        encoding="utf-8",
    )

    run_import(database, source)

    with database.session() as session:
        segments = dict(session.execute(select(Lead.email, Lead.segment)).all())
    assert segments == {"a@one.de": "dach_enterprise", "b@two.fr": "mid_market_form", "c@three.at": "general"}


def test_cli_warns_unknown_routing_rep(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        session.add(Rep(name="Ana"))
    database.dispose()
    routed = tmp_path / "routed.toml"
    text = SHIPPED.split("# Routing rules", 1)[0]
    text += '[[routing.rules]]\nname = "Pool"\nstrategy = "round_robin"\nreps = ["Ana", "Ghost"]\n'
    routed.write_text(text, encoding="utf-8")
    warning = (
        f"{routed}: warning: routing rule 'Pool' names the rep 'Ghost', who is not a rep in this database, "
        "so routing skips them; fix the name, or import leads whose owner column names the rep"
    )

    assert main(["playbook", "check", str(routed), "--db", str(db_path)]) == 0
    checked = capsys.readouterr().err
    assert main(["playbook", "import", str(routed), "--db", str(db_path)]) == 0
    imported = capsys.readouterr().err

    assert checked.strip() == warning
    assert imported.strip() == warning
