"""Writing form edits into playbook TOML: only changed lines move, and the result reads back equal."""

from __future__ import annotations

import copy
import tomllib

import pytest

from leaddesk.services.playbook import parse_playbook, shipped_playbook_text
from leaddesk.services.playbook.condition_rows import (
    ACTIVITY,
    ADVANCED,
    ConditionFormError,
    ConditionRow,
    read_condition,
    write_condition,
)
from leaddesk.services.playbook.toml_writer import ORIGIN_KEY, set_key, write_document


def _clean(value):
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items() if key != ORIGIN_KEY}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _marked(document: dict) -> dict:
    """Return a copy whose segments and their ladders carry their origin, as the forms mark them."""
    edited = copy.deepcopy(document)
    for index, segment in enumerate(edited["segments"]):
        segment[ORIGIN_KEY] = index
        for step_index, step in enumerate(segment.get("escalation", [])):
            step[ORIGIN_KEY] = step_index
    for key in ("fit", "engagement"):
        for index, rule in enumerate(edited["scoring"][key]):
            rule[ORIGIN_KEY] = index
    return edited


def test_writer_without_changes_keeps_text() -> None:
    text = shipped_playbook_text()
    document = tomllib.loads(text)

    assert write_document(text, document, _marked(document)) == text


def test_writer_round_trips_structural_edits() -> None:
    text = shipped_playbook_text()
    document = tomllib.loads(text)
    edited = _marked(document)
    segments = edited["segments"]
    segments[1]["escalation"][1]["at"] = "2h"
    segments[1]["escalation"].append({"at": "80%", "action": "remind_owner"})
    partner = {
        "key": "partner", "label": "Partner", "respond_within": "1h", "clock": "business_hours",
        "escalation": [{"at": "100%", "action": "alert_team_lead"}],
    }
    edited["segments"] = [segments[1], segments[2], partner, segments[3]]
    edited["qualification"]["mql"]["when"] = {"all": [{"field": "employees", "at_least": 100}, {"field": "free_mail", "is": False}]}
    edited["scoring"]["grades"]["A"] = 80
    del edited["scoring"]["engagement"][2]
    edited["routing"]["rules"] = [{"name": "Pool", "strategy": "round_robin", "reps": ["Ana", "Ben"]}]
    edited["routing"]["named_accounts"] = {"acme.com": "Ana"}
    edited["reps"] = {"Ana Lee": {"capacity": 10}}
    edited["team"] = {"lead": "Tess"}

    written = write_document(text, document, edited)

    assert tomllib.loads(written) == _clean(edited)
    playbook = parse_playbook(written)
    assert [rule.key for rule in playbook.segments] == ["outbound_reply", "mid_market_form", "partner", "general"]
    assert [step.describe() for step in playbook.segment("outbound_reply").escalation] == [
        "alert team lead at breach", "reassign 2h after arrival", "remind owner at 80% of the SLA",
    ]
    assert playbook.reps["Ana Lee"].capacity == 10
    # The comments above the edited sections stay where they were.
    for comment in ("# Segments in match order", "# Escalation steps run while", "# Routing rules run in order", "# Qualification: a lead is SQL"):
        assert comment in written


def test_set_key_replaces_multiline_value() -> None:
    text = 'a = 1\nwhen = { all = [\n    { field = "employees", at_least = 5 },\n    { field = "free_mail", is = false },\n] }\nb = 2\n'

    written = set_key(text, "", "when", {"field": "country", "equals": "Germany"})

    assert written == 'a = 1\nwhen = { field = "country", equals = "Germany" }\nb = 2\n'


def test_set_key_removes_multiline_value() -> None:
    text = '[t]\nwhen = { any = [\n    { field = "employees", at_least = 5 },\n] }\nb = 2\n'

    assert set_key(text, "t", "when", None) == "[t]\nb = 2\n"


def test_set_key_quotes_dotted_key() -> None:
    text = "[routing.named_accounts]\n\n[reps]\n"

    written = set_key(text, "routing.named_accounts", "acme.com", "Ana")

    assert tomllib.loads(written)["routing"]["named_accounts"] == {"acme.com": "Ana"}


@pytest.mark.parametrize("stage", ["mql", "sql"])
def test_condition_rows_round_trip(stage: str) -> None:
    condition = tomllib.loads(shipped_playbook_text())["qualification"][stage]["when"]

    mode, rows = read_condition(condition)

    assert write_condition(mode, rows, stage) == condition


def test_condition_rows_kinds() -> None:
    mode, rows = read_condition({"any": [
        {"activity": ["demo requested", "meeting"], "within": "7d"},
        {"not": {"field": "industry", "in": ["SaaS", "Fintech"]}},
        {"all": [{"field": "employees", "at_least": 5}]},
    ]})

    assert mode == "any"
    assert rows[0] == ConditionRow(ACTIVITY, "", "demo requested, meeting", False, "7d")
    assert rows[1] == ConditionRow("industry", "in", "SaaS, Fintech", True)
    assert rows[2].field == ADVANCED


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ConditionRow("employees", "at_least", "many"), "row 1: employees at_least needs a number, got 'many'; enter a number such as 500"),
        (ConditionRow("free_mail", "is", "maybe"), "row 1: free_mail is needs yes or no, got 'maybe'; enter yes or no"),
        (ConditionRow("industry", "in", " , "), "row 1: industry in needs values"),
        (ConditionRow(ACTIVITY, "", ""), "row 1: missing activity names"),
        (ConditionRow(ADVANCED, "", "{ field = "), "row 1: invalid condition '{ field = '"),
        (ConditionRow("country", "resembles", "DE"), "row 1: unknown operator 'resembles'"),
    ],
)
def test_condition_rows_reject_bad_values(row: ConditionRow, message: str) -> None:
    with pytest.raises(ConditionFormError) as raised:
        write_condition("all", [row], "MQL")

    assert str(raised.value).startswith("MQL, ")
    assert message in str(raised.value)
