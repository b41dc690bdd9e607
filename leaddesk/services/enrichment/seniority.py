"""Seniority of a job title: C-level, VP, Director, Manager or IC, with a rank for rules.

The phrases and their levels are in resources/title_seniority.csv, which also explains
how a combined title such as "Co-founder & CEO" is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from leaddesk.services.dedup.normalize import fold_text
from leaddesk.services.enrichment.title_phrases import find_phrases, load_phrase_table, role_parts

SENIORITY_FILE = "title_seniority.csv"


@dataclass(frozen=True)
class SeniorityLevel:
    key: str
    label: str
    # Higher is more senior, so "director or above" is rank >= 3.
    rank: int


SENIORITY_LEVELS = (
    SeniorityLevel("c_level", "C-level", 5),
    SeniorityLevel("vp", "VP", 4),
    SeniorityLevel("director", "Director", 3),
    SeniorityLevel("manager", "Manager", 2),
    SeniorityLevel("ic", "IC", 1),
)
LEVELS_BY_KEY = {level.key: level for level in SENIORITY_LEVELS}

# Other spellings of the level names that rules may use ("Director+" is written "director").
_LEVEL_ALIASES = {
    "c level": "c_level",
    "clevel": "c_level",
    "c suite": "c_level",
    "csuite": "c_level",
    "c_level": "c_level",
    "vp": "vp",
    "vice president": "vp",
    "director": "director",
    "manager": "manager",
    "ic": "ic",
    "individual contributor": "ic",
}


def seniority_of_title(title: str | None) -> SeniorityLevel | None:
    """Return the seniority a job title states, or None when it states none.

    "Chief Revenue Officer" and "Co-founder & CEO" are C-level, "SVP Sales" is VP, "Head of
    Growth" is Director and "Sr. Software Engineer" is IC.
    """
    if not title or not title.strip():
        return None
    key = _seniority_key(title.strip())
    return LEVELS_BY_KEY[key] if key else None


@lru_cache(maxsize=65536)
def _seniority_key(title: str) -> str | None:
    table = load_phrase_table(SENIORITY_FILE)
    best: SeniorityLevel | None = None
    for words in role_parts(title):
        matches = find_phrases(words, table)
        if not matches:
            continue
        # The rightmost match is the head noun of this role ("Partner Manager" is a manager).
        level = LEVELS_BY_KEY[matches[-1].value]
        if best is None or level.rank > best.rank:
            best = level
    return best.key if best else None


def level_named(name: str) -> SeniorityLevel | None:
    """Return the level a name stands for ("director", "C-level", "VP"), or None for other text."""
    key = _LEVEL_ALIASES.get(fold_text(name).replace("_", " ")) or _LEVEL_ALIASES.get(name.strip().casefold())
    return LEVELS_BY_KEY[key] if key else None


def minimum_rank(minimum: str) -> int:
    """Return the rank of a level name, for queries such as Lead.seniority_rank >= minimum_rank("director").

    Raises ValueError when minimum names no level.
    """
    threshold = level_named(minimum)
    if threshold is None:
        known = ", ".join(level.key for level in SENIORITY_LEVELS)
        raise ValueError(f"unknown seniority level {minimum!r}; use one of: {known}")
    return threshold.rank


def seniority_at_least(title_or_level: str | None, minimum: str) -> bool:
    """Return whether a title or level name is at least as senior as the minimum level.

    seniority_at_least("SVP Sales", "director") is True. A title without a known seniority
    is never at least any level. Raises ValueError when minimum names no level.
    """
    rank = minimum_rank(minimum)
    if not title_or_level or not title_or_level.strip():
        return False
    level = level_named(title_or_level) or seniority_of_title(title_or_level)
    return level is not None and level.rank >= rank
