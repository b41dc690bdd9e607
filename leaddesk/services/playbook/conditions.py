"""Conditions over a lead's fields and activities, as the playbook writes them, with reasons.

A condition is one TOML inline table:

- {field = "employees", at_least = 500}: one operator among equals, not_equals, in,
  contains, at_least, at_most, greater_than, less_than, is (true/false) and is_set;
- {activity = ["demo requested", "pricing viewed"], within = "7d", min_count = 1}: an
  activity whose kind or summary contains one of the names, optionally within a time window;
- {all = [...]}, {any = [...]}, {not = {...}}: combinations.

Evaluation returns an Outcome whose reason reads like "employees 320 < 500".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from leaddesk.services.playbook.durations import DURATION_HINT, parse_duration
from leaddesk.services.playbook.issues import IssueCollector, join_path, unknown_key_fix

# Lead columns and derived values a condition may read. "custom.HEADER" reads an imported column.
FIELD_NAMES = (
    "employees", "title", "seniority", "department", "company_size_band", "free_mail",
    "existing_customer", "industry", "country", "region", "city", "source", "segment", "stage",
    "company", "domain", "email", "email_domain", "owner", "score",
)
NUMERIC_OPERATORS = {"at_least": ">=", "at_most": "<=", "greater_than": ">", "less_than": "<"}
_NEGATED = {">=": "<", "<=": ">", ">": "<=", "<": ">="}
TEXT_OPERATORS = ("equals", "not_equals", "in", "contains")
OPERATORS = (*TEXT_OPERATORS, *NUMERIC_OPERATORS, "is", "is_set")
# The level keys of leaddesk.services.enrichment.seniority, lowest first.
SENIORITY_LEVELS = ("ic", "manager", "director", "vp", "c_level")


class LeadFactsLike(Protocol):
    now: datetime

    def value(self, name: str) -> Any: ...

    def seniority_at_least(self, level: str) -> bool | None: ...

    def matching_activities(self, names: Sequence[str], since: datetime | None) -> list[datetime]: ...


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str
    parts: tuple[Outcome, ...] = ()

    def lines(self, depth: int = 0) -> list[str]:
        """Return the reasons as indented lines, marking each one passed or failed."""
        mark = "pass" if self.passed else "FAIL"
        result = [f"{'  ' * depth}[{mark}] {self.reason}"]
        for part in self.parts:
            result.extend(part.lines(depth + 1))
        return result

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "reason": self.reason, "parts": [part.to_json() for part in self.parts]}


class Condition(Protocol):
    def evaluate(self, facts: LeadFactsLike) -> Outcome: ...


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


@dataclass(frozen=True)
class FieldCondition:
    name: str
    operator: str
    expected: Any

    def evaluate(self, facts: LeadFactsLike) -> Outcome:
        label = self.name.replace("_", " ")
        if self.name == "seniority" and self.operator in ("at_least",):
            return self._seniority(facts, label)
        actual = facts.value(self.name)
        if self.operator == "is_set":
            present = actual not in (None, "")
            return Outcome(present == self.expected, f"{label} {'is set' if present else 'is empty'}")
        if self.operator == "is":
            if actual is None:
                # Unknown, such as free_mail without an e-mail, so neither "is true" nor "is false" holds.
                return Outcome(False, f"{label} unknown (needs {_show(self.expected)})")
            return Outcome(bool(actual) == self.expected, f"{label}: {_show(bool(actual))}")
        if actual in (None, ""):
            return Outcome(False, f"{label} unknown (needs {self._describe_expected()})")
        if self.operator in NUMERIC_OPERATORS:
            return self._compare(actual, label)
        return self._text(actual, label)

    def _describe_expected(self) -> str:
        symbol = NUMERIC_OPERATORS.get(self.operator)
        if symbol:
            return f"{symbol} {self.expected}"
        return f"{self.operator.replace('_', ' ')} {_show(self.expected)}"

    def _compare(self, actual: Any, label: str) -> Outcome:
        symbol = NUMERIC_OPERATORS[self.operator]
        try:
            number = float(actual)
        except (TypeError, ValueError):
            return Outcome(False, f"{label} {actual!r} is not a number (needs {symbol} {self.expected})")
        passed = {
            ">=": number >= self.expected,
            "<=": number <= self.expected,
            ">": number > self.expected,
            "<": number < self.expected,
        }[symbol]
        shown = int(number) if number.is_integer() else number
        return Outcome(passed, f"{label} {shown} {symbol if passed else _NEGATED[symbol]} {self.expected}")

    def _text(self, actual: Any, label: str) -> Outcome:
        folded = _fold(actual)
        if self.operator == "equals":
            passed = folded == _fold(self.expected)
            return Outcome(passed, f"{label} {actual} {'=' if passed else '!='} {self.expected}")
        if self.operator == "not_equals":
            passed = folded != _fold(self.expected)
            return Outcome(passed, f"{label} {actual} {'!=' if passed else '='} {self.expected}")
        if self.operator == "in":
            passed = folded in {_fold(item) for item in self.expected}
            return Outcome(passed, f"{label} {actual} {'in' if passed else 'not in'} {_show(self.expected)}")
        # contains: any of the expected texts appears in the value.
        found = [item for item in self.expected if _fold(item) in str(folded)]
        if found:
            return Outcome(True, f"{label} {actual!r} contains {found[0]!r}")
        return Outcome(False, f"{label} {actual!r} contains none of {_show(self.expected)}")

    def _seniority(self, facts: LeadFactsLike, label: str) -> Outcome:
        actual = facts.value("seniority")
        passed = facts.seniority_at_least(self.expected)
        if passed is None:
            return Outcome(False, f"{label} unknown (needs at least {self.expected})")
        return Outcome(passed, f"{label} {actual} {'at least' if passed else 'below'} {self.expected}")


@dataclass(frozen=True)
class ActivityCondition:
    names: tuple[str, ...]
    within: timedelta | None = None
    min_count: int = 1

    def evaluate(self, facts: LeadFactsLike) -> Outcome:
        since = facts.now - self.within if self.within is not None else None
        found = facts.matching_activities(self.names, since)
        quoted = " or ".join(f"'{name}'" for name in self.names)
        window = f" within {_days(self.within)}" if self.within is not None else ""
        count = f"{self.min_count}x " if self.min_count > 1 else ""
        if len(found) >= self.min_count:
            latest = max(found)
            return Outcome(True, f"activity {count}{quoted}{window}: {len(found)}, latest {_ago(facts.now - latest)} ago")
        return Outcome(False, f"activity {count}{quoted}{window}: {len(found)} found")


def _days(window: timedelta) -> str:
    if window % timedelta(days=1) == timedelta(0):
        days = window.days
        return f"{days} day{'s' if days != 1 else ''}"
    hours = window.total_seconds() / 3600
    return f"{hours:g} hours"


def _ago(age: timedelta) -> str:
    if age >= timedelta(days=1):
        return f"{age.days}d"
    if age >= timedelta(hours=1):
        return f"{int(age.total_seconds() // 3600)}h"
    return f"{int(age.total_seconds() // 60)}m"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...] = field(default_factory=tuple)

    def evaluate(self, facts: LeadFactsLike) -> Outcome:
        parts = tuple(item.evaluate(facts) for item in self.items)
        failed = sum(1 for part in parts if not part.passed)
        reason = f"all of {len(parts)}" + (f": {failed} failed" if failed else ": all passed")
        return Outcome(failed == 0, reason, parts)


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...] = field(default_factory=tuple)

    def evaluate(self, facts: LeadFactsLike) -> Outcome:
        parts = tuple(item.evaluate(facts) for item in self.items)
        passed = sum(1 for part in parts if part.passed)
        return Outcome(passed > 0, f"any of {len(parts)}: {passed} passed", parts)


@dataclass(frozen=True)
class Not:
    item: Condition

    def evaluate(self, facts: LeadFactsLike) -> Outcome:
        inner = self.item.evaluate(facts)
        return Outcome(not inner.passed, f"not ({inner.reason})", inner.parts)


def parse_condition(raw: Any, path: str, issues: IssueCollector) -> Condition | None:
    """Build a condition from its TOML table, adding an issue for each problem; None when invalid."""
    if not isinstance(raw, dict):
        issues.add(path, f"a condition must be a table, got {raw!r}", 'write {field = "employees", at_least = 500}')
        return None
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        issues.check_keys(raw, path, (key,))
        items = raw[key]
        if not isinstance(items, list) or not items:
            issues.add(join_path(path, key), f'"{key}" must be a non-empty list of conditions', f"write {key} = [{{...}}, {{...}}]")
            return None
        parsed = [parse_condition(item, join_path(join_path(path, key), index), issues) for index, item in enumerate(items)]
        if any(item is None for item in parsed):
            return None
        return AllOf(tuple(parsed)) if key == "all" else AnyOf(tuple(parsed))
    if "not" in raw:
        issues.check_keys(raw, path, ("not",))
        inner = parse_condition(raw["not"], join_path(path, "not"), issues)
        return Not(inner) if inner is not None else None
    if "activity" in raw:
        return _parse_activity(raw, path, issues)
    if "field" in raw:
        return _parse_field(raw, path, issues)
    issues.add(path, f"condition {raw!r} has no field, activity, all, any or not", 'start it with field = "NAME" or activity = "NAME"')
    return None


def _parse_activity(raw: dict, path: str, issues: IssueCollector) -> Condition | None:
    issues.check_keys(raw, path, ("activity", "within", "min_count"))
    names = raw["activity"]
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(name, str) and name.strip() for name in names):
        issues.add(join_path(path, "activity"), f"invalid activity {raw['activity']!r}", 'write activity = "pricing viewed" or a list of names')
        return None
    within = None
    if "within" in raw:
        try:
            within = parse_duration(str(raw["within"]))
        except ValueError as error:
            issues.add(join_path(path, "within"), str(error), DURATION_HINT)
            return None
    min_count = raw.get("min_count", 1)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        issues.add(join_path(path, "min_count"), f"invalid min_count {min_count!r}", "write a whole number of 1 or more")
        return None
    return ActivityCondition(tuple(name.strip() for name in names), within, min_count)


def _parse_field(raw: dict, path: str, issues: IssueCollector) -> Condition | None:
    issues.check_keys(raw, path, ("field", *OPERATORS))
    name = raw["field"]
    if not isinstance(name, str) or not (name in FIELD_NAMES or name.startswith("custom.")):
        issues.add(join_path(path, "field"), f"unknown field {name!r}", unknown_key_fix(str(name), FIELD_NAMES) + ', or "custom.HEADER"')
        return None
    operators = [key for key in raw if key in OPERATORS]
    if len(operators) != 1:
        issues.add(path, f"condition on {name!r} needs exactly one operator, got {len(operators)}", f"use one of: {', '.join(OPERATORS)}")
        return None
    operator = operators[0]
    expected = raw[operator]
    where = join_path(path, operator)
    if operator in NUMERIC_OPERATORS:
        if name == "seniority" and operator == "at_least":
            if expected not in SENIORITY_LEVELS:
                issues.add(where, f"unknown seniority level {expected!r}", f"use one of: {', '.join(SENIORITY_LEVELS)}")
                return None
        elif isinstance(expected, bool) or not isinstance(expected, (int, float)):
            issues.add(where, f"{operator} needs a number, got {expected!r}", f"write {operator} = 500")
            return None
    elif operator in ("is", "is_set"):
        if not isinstance(expected, bool):
            issues.add(where, f"{operator} needs true or false, got {expected!r}", f"write {operator} = true")
            return None
    elif operator in ("in", "contains"):
        if isinstance(expected, str):
            expected = [expected]
        if not isinstance(expected, list) or not expected or not all(isinstance(item, (str, int, float)) for item in expected):
            issues.add(where, f"{operator} needs a list of values, got {expected!r}", f'write {operator} = ["SaaS", "Fintech"]')
            return None
        expected = tuple(expected)
    elif not isinstance(expected, (str, int, float)) or isinstance(expected, bool):
        issues.add(where, f"{operator} needs a text or number, got {expected!r}", f'write {operator} = "SaaS"')
        return None
    return FieldCondition(name, operator, expected)


def condition_fields(condition: Condition | None) -> list[str]:
    """Return the field names a condition reads, with "activity" for activity conditions."""
    if condition is None:
        return []
    if isinstance(condition, FieldCondition):
        return [condition.name]
    if isinstance(condition, ActivityCondition):
        return ["activity"]
    if isinstance(condition, Not):
        return condition_fields(condition.item)
    names: list[str] = []
    for item in condition.items:
        names.extend(condition_fields(item))
    return names
