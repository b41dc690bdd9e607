"""Word-phrase lookup in job titles, shared by the seniority and department rules.

A phrase table maps folded word sequences ("vice president") to a value. Matching runs on
whole words, so "cto" never matches inside "director".
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from leaddesk.services.dedup.normalize import fold_text
from leaddesk.services.paths import resources_dir

# "Chief Revenue Officer", "Chief Information Security Officer": one to three words between.
_CHIEF_OFFICER = re.compile(r"\bchief(?: \w+){1,3} officer\b")

# Words after these introduce whom the role serves or where it works ("Assistant to the
# CEO", "Engineer at Acme", "Manager for EMEA"), so they are no evidence of the role itself.
_TRAILING_CONTEXT = re.compile(r"\b(?:to|at|for)\b.*$")

# Separators between the roles of a combined title ("Co-founder & CEO", "Director, Sales").
_ROLE_SEPARATORS = re.compile(r"[,;/|()\[\]@+&·•]|\s[-–—]\s|\band\b|\bund\b|\bet\b", re.IGNORECASE)


@dataclass(frozen=True)
class PhraseTable:
    """Folded phrases and their values, with the longest phrase length in words."""

    values: dict[tuple[str, ...], str]
    max_words: int


@dataclass(frozen=True)
class PhraseMatch:
    start: int
    end: int
    value: str


@lru_cache(maxsize=None)
def load_phrase_table(file_name: str) -> PhraseTable:
    """Read a "phrase,value" CSV of resources/, skipping "#" comment lines."""
    text = (resources_dir() / file_name).read_text(encoding="utf-8")
    values: dict[tuple[str, ...], str] = {}
    for row in csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#")):
        phrase, value = row[0].strip(), row[1].strip()
        values[tuple(fold_text(phrase).split())] = value
    return PhraseTable(values=values, max_words=max(len(words) for words in values))


def fold_title(text: str) -> str:
    """Fold a title or part of one and collapse "chief ... officer" to "chief officer"."""
    folded = fold_text(text)
    folded = folded.replace("chief of staff", "chief_of_staff")
    folded = _CHIEF_OFFICER.sub("chief officer", folded)
    return folded.replace("chief_of_staff", "chief of staff")


def role_parts(title: str) -> list[list[str]]:
    """Split a title into its roles, each as folded words without trailing context."""
    parts = []
    for raw in _ROLE_SEPARATORS.split(title):
        folded = _TRAILING_CONTEXT.sub("", fold_title(raw)).strip()
        if folded:
            parts.append(folded.split())
    return parts


def title_words(title: str) -> list[str]:
    """Return the folded words of a whole title, with "&" read as "and" and "chief ... officer" kept whole."""
    return fold_text(title.replace("&", " and ")).split()


def find_phrases(words: list[str], table: PhraseTable) -> list[PhraseMatch]:
    """Return the phrase matches in words, left to right, without those inside a longer match."""
    matches = []
    for start in range(len(words)):
        for length in range(min(table.max_words, len(words) - start), 0, -1):
            value = table.values.get(tuple(words[start : start + length]))
            if value is not None:
                matches.append(PhraseMatch(start, start + length, value))
                break

    return [
        match
        for match in matches
        if not any(
            other is not match and other.start <= match.start and match.end <= other.end
            and other.end - other.start > match.end - match.start
            for other in matches
        )
    ]
