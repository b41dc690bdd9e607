"""Whether an e-mail's local part is a form of its owner's name, such as "t.nguyen" of Tom Nguyen.

One person often has two addresses at one company ("tom@" and "t.nguyen@"), so two such
addresses are no sign of two people, unlike "tom@" and "anna.berg@".
"""

from __future__ import annotations

import re
from functools import lru_cache

from leaddesk.services.dedup.normalize import given_names

_SEPARATORS = re.compile(r"[._\-]+")
_DIGITS = re.compile(r"\d+")

# Match levels of one local-part token against one name part.
_FULL = 2
_INITIAL = 1
_NONE = 0


@lru_cache(maxsize=65536)
def local_part_fits_name(local: str, first_name: str | None, last_name: str | None) -> bool:
    """Return whether a match e-mail's local part is a form of the folded name.

    The forms are a name part alone ("tom", "nguyen"), or both parts in either order with
    at most one of them as its initial ("tom.nguyen", "tnguyen", "nguyen.t", "tomn").
    A nickname counts as its full form ("tom" for Thomas). A local part with digits is
    no form, because "john.smith2" next to "john@" is mostly a second John Smith.
    Both name parts are needed, because either may hold the given name when they were
    typed swapped.
    """
    if not first_name or not last_name or _DIGITS.search(local):
        return False
    parts = (first_name.replace(" ", ""), last_name.replace(" ", ""))
    tokens = [token for token in _SEPARATORS.split(local) if token]
    if len(tokens) == 1:
        token = tokens[0]
        if any(_token_level(token, part) == _FULL for part in parts):
            return True
        return any(_pair_fits(token[:cut], token[cut:], parts) for cut in range(1, len(token)))
    if len(tokens) == 2:
        return _pair_fits(tokens[0], tokens[1], parts)
    return False


def _pair_fits(head: str, tail: str, parts: tuple[str, str]) -> bool:
    first, last = parts
    for one, other in ((first, last), (last, first)):
        levels = (_token_level(head, one), _token_level(tail, other))
        if _NONE not in levels and _FULL in levels:
            return True
    return False


def _token_level(token: str, part: str) -> int:
    if token == part:
        return _FULL
    if len(token) == 1:
        return _INITIAL if part.startswith(token) else _NONE
    if len(token) > 1 and not given_names(token).isdisjoint(given_names(part)):
        return _FULL
    return _NONE
