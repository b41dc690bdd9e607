"""A playbook condition as form rows: "match all/any of" and one row per field or activity test.

Rows cover the conditions a form can show flat: field tests, activity tests and "not" on
either. Any other item, such as an "any" list inside an "all" list, becomes an ADVANCED
row that keeps the item's inline TOML as text, so reading a condition into rows and
writing the rows back returns an equal condition.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from leaddesk.services.playbook.conditions import NUMERIC_OPERATORS, OPERATORS
from leaddesk.services.playbook.toml_writer import toml_value

ACTIVITY = "activity"
ADVANCED = "advanced"
MATCH_ALL, MATCH_ANY = "all", "any"
LIST_OPERATORS = ("in", "contains")
BOOLEAN_OPERATORS = ("is", "is_set")


class ConditionFormError(ValueError):
    """A form row whose value cannot become a condition; the message names the row, the value and the fix."""


@dataclass
class ConditionRow:
    """One test. field is a lead field, ACTIVITY or ADVANCED; value is the text the user typed.

    For ACTIVITY rows, value lists activity names and window is a duration such as "7d"
    (empty: any time). For ADVANCED rows, value is an inline TOML condition.
    """

    field: str
    operator: str = ""
    value: str = ""
    negate: bool = False
    window: str = ""


def read_condition(raw: Any) -> tuple[str, list[ConditionRow]]:
    """Return the match mode and the rows of a condition table as tomllib read it."""
    if not isinstance(raw, dict) or not raw:
        return MATCH_ALL, []
    if len(raw) == 1 and ("all" in raw or "any" in raw):
        mode = MATCH_ALL if "all" in raw else MATCH_ANY
        items = raw[mode]
        if isinstance(items, list):
            return mode, [_row(item) for item in items]
    return MATCH_ALL, [_row(raw)]


def _row(item: Any) -> ConditionRow:
    negate = False
    inner = item
    if isinstance(item, dict) and set(item) == {"not"} and isinstance(item["not"], dict):
        negate, inner = True, item["not"]
    if isinstance(inner, dict) and "field" in inner:
        operators = [key for key in inner if key in OPERATORS]
        if set(inner) == {"field", *operators} and len(operators) == 1:
            return ConditionRow(str(inner["field"]), operators[0], _show(inner[operators[0]]), negate)
    if isinstance(inner, dict) and "activity" in inner and set(inner) <= {"activity", "within"}:
        names = inner["activity"]
        return ConditionRow(ACTIVITY, "", _show(names), negate, str(inner.get("within", "")))
    return ConditionRow(ADVANCED, "", toml_value(item))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def write_condition(mode: str, rows: list[ConditionRow], where: str) -> dict[str, Any] | None:
    """Return the condition table of the rows, or None without rows; raise ConditionFormError naming where."""
    items = [_item(row, f"{where}, row {number}") for number, row in enumerate(rows, start=1)]
    if not items:
        return None
    if len(items) == 1 and mode == MATCH_ALL:
        return items[0]
    return {mode: items}


def _item(row: ConditionRow, where: str) -> dict[str, Any]:
    if row.field == ADVANCED:
        try:
            item = tomllib.loads(f"when = {row.value}")["when"]
        except tomllib.TOMLDecodeError as error:
            raise ConditionFormError(
                f"{where}: invalid condition {row.value!r} ({error}); write an inline table such as "
                '{ field = "employees", at_least = 500 }'
            ) from error
        if not isinstance(item, dict):
            raise ConditionFormError(f'{where}: {row.value!r} is not a condition; write {{ field = "employees", at_least = 500 }}')
        return {"not": item} if row.negate else item
    if row.field == ACTIVITY:
        names = _split(row.value)
        if not names:
            raise ConditionFormError(f'{where}: missing activity names; enter one or more, such as "pricing viewed, demo requested"')
        item: dict[str, Any] = {"activity": names if len(names) > 1 else names[0]}
        if row.window.strip():
            item["within"] = row.window.strip()
    else:
        if not row.field.strip():
            raise ConditionFormError(f"{where}: missing field; choose a lead field such as employees")
        if row.operator not in OPERATORS:
            raise ConditionFormError(f"{where}: unknown operator {row.operator!r}; choose one of: {', '.join(OPERATORS)}")
        item = {"field": row.field.strip(), row.operator: _value(row, where)}
    return {"not": item} if row.negate else item


def _value(row: ConditionRow, where: str) -> Any:
    text = row.value.strip()
    if row.operator in BOOLEAN_OPERATORS:
        if text.casefold() in ("true", "yes"):
            return True
        if text.casefold() in ("false", "no"):
            return False
        raise ConditionFormError(f"{where}: {row.field} {row.operator} needs yes or no, got {row.value!r}; enter yes or no")
    if row.operator in LIST_OPERATORS:
        values = _split(text)
        if not values:
            raise ConditionFormError(f'{where}: {row.field} {row.operator} needs values; enter them separated by commas, such as "SaaS, Fintech"')
        return values
    if row.operator in NUMERIC_OPERATORS and not (row.field == "seniority" and row.operator == "at_least"):
        number = _number(text)
        if number is None:
            raise ConditionFormError(f"{where}: {row.field} {row.operator} needs a number, got {row.value!r}; enter a number such as 500")
        return number
    if not text:
        raise ConditionFormError(f"{where}: missing value for {row.field} {row.operator}; enter the text to compare with")
    number = _number(text)
    return number if number is not None and row.field in ("employees", "score") else text


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
