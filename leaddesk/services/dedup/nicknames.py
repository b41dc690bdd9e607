"""The nickname table: the given names that a nickname or a spelling variant may stand for.

resources/nicknames.csv maps nicknames to given names ("kate" to "catherine", "katherine"
and "kathleen"), and resources/name_variants.csv maps spellings of one given name to one
canonical spelling ("katherine" and "kathryn" to "catherine"). The table maps every given
name through the variants, and each variant to its canonical spelling. So "Kate",
"Katherine" and "Kathryn" all stand for "catherine" and meet in one name key.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from leaddesk.services.paths import resources_dir

NICKNAMES_FILE = "nicknames.csv"
VARIANTS_FILE = "name_variants.csv"


class NameTableError(ValueError):
    """A line of a name table in resources/ that is malformed or contradicts another line."""


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, frozenset[str]]:
    """Return the canonical given names of each nickname and spelling variant, from the files in resources/."""
    folder = resources_dir()
    return build_table(_read_rows(folder / NICKNAMES_FILE), _read_rows(folder / VARIANTS_FILE))


def build_table(nickname_rows: list[tuple[int, str, str]], variant_rows: list[tuple[int, str, str]]) -> dict[str, frozenset[str]]:
    """Build the table from (line number, nickname, given name) and (line number, spelling, canonical spelling) rows.

    Raises NameTableError for a spelling that is also a nickname or a canonical spelling,
    because then one name would have two canonical forms.
    """
    canonical: dict[str, str] = {}
    for _line, spelling, target in variant_rows:
        canonical[spelling] = target
    nicknames = {nickname for _line, nickname, _given in nickname_rows}
    for line, spelling, target in variant_rows:
        if spelling in nicknames:
            raise NameTableError(
                f"{VARIANTS_FILE} line {line}: {spelling!r} is also a nickname in {NICKNAMES_FILE}; "
                f"map it in one of the two files only"
            )
        if target in canonical:
            raise NameTableError(
                f"{VARIANTS_FILE} line {line}: the canonical spelling {target!r} is itself listed as a spelling of "
                f"{canonical[target]!r}; map {spelling!r} to {canonical[target]!r}"
            )

    table: dict[str, set[str]] = {}
    for _line, nickname, given in nickname_rows:
        table.setdefault(nickname, set()).add(canonical.get(given, given))
    for spelling, target in canonical.items():
        table[spelling] = {target}
    return {name: frozenset(given) for name, given in table.items()}


def _read_rows(path: Path) -> list[tuple[int, str, str]]:
    """Return (line number, first column, second column) of a two-column CSV file, skipping "#" comments and blank lines."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for line_number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        row = next(csv.reader([line]))
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise NameTableError(f"{path.name} line {line_number}: expected 'name,given name', got {line!r}")
        rows.append((line_number, row[0].strip().casefold(), row[1].strip().casefold()))
    return rows
