"""Problems found in a playbook file, each with its key path, line and a suggested fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaybookIssue:
    path: str
    message: str
    fix: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}; {self.fix}"


class PlaybookError(ValueError):
    """A playbook that failed validation; issues lists every problem, in file order."""

    def __init__(self, issues: list[PlaybookIssue], source: str = "playbook") -> None:
        self.issues = issues
        self.source = source
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{source} has {len(issues)} error(s):\n{lines}")


def join_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def closest(word: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_key_fix(key: str, allowed: Iterable[str]) -> str:
    allowed = sorted(allowed)
    guess = closest(key, allowed)
    if guess:
        return f'did you mean "{guess}"? Allowed keys: {", ".join(allowed)}'
    return f"remove it or use one of: {', '.join(allowed)}"


class IssueCollector:
    """Collects issues while a playbook is parsed, so that one pass reports all of them."""

    def __init__(self) -> None:
        self.issues: list[PlaybookIssue] = []

    def add(self, path: str, message: str, fix: str) -> None:
        self.issues.append(PlaybookIssue(path=path, message=message, fix=fix))

    def check_keys(self, table: dict, path: str, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in table:
            if key not in allowed:
                self.add(join_path(path, key), f'unknown field "{key}"', unknown_key_fix(key, allowed))
