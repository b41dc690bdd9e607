"""Finding the lead an imported row belongs to: by e-mail, external id, phone, or identity.

Keys are tried in MATCH_KEYS order, so an e-mail match beats an external-id match on
another lead. A phone match is taken only when the lead and the row do not disagree on
e-mail or external id, because colleagues often share a switchboard number.
"""

from __future__ import annotations

import re
from typing import Any

# Lead columns that tie a row to a lead, in the order they are tried.
MATCH_KEYS = ("email_normalized", "external_id", "phone_normalized")

# The name of each key in plans and reports.
MATCH_KEY_NAMES = {"email_normalized": "email", "external_id": "external_id", "phone_normalized": "phone"}

# The identity of a lead with neither e-mail nor external id: its names, company, phone and LinkedIn URL.
IDENTITY_FIELDS = ("first_name", "last_name", "full_name", "company", "phone", "linkedin_url")

_NON_DIGITS = re.compile(r"\D+")


def identity_key(fields: dict[str, Any], custom: dict[str, Any]) -> tuple | None:
    """Return the key that ties a lead without e-mail or external id to its row on a re-import.

    Names, company and LinkedIn URL compare casefolded with whitespace collapsed, and phones
    by their digits. A lead without any of these is identified by its custom fields.
    """
    parts = []
    for name in IDENTITY_FIELDS:
        value = fields.get(name)
        if not value:
            parts.append("")
        elif name == "phone":
            parts.append(_NON_DIGITS.sub("", str(value)))
        else:
            parts.append(" ".join(str(value).casefold().split()))
    if any(parts):
        return tuple(parts)
    if custom:
        return ("custom", tuple(sorted((str(key), str(value)) for key, value in custom.items())))
    return None


def conflicts(lead: dict[str, Any], keys: dict[str, Any]) -> bool:
    """Return whether the lead and a row both have an e-mail or external id, and they differ."""
    for name in ("email_normalized", "external_id"):
        mine, theirs = lead.get(name), keys.get(name)
        if mine and theirs and mine != theirs:
            return True
    return False


class MatchIndex:
    """Lead rows by their match keys. Per e-mail and external id the first row added wins."""

    def __init__(self) -> None:
        self._single: dict[str, dict[Any, dict[str, Any]]] = {"email_normalized": {}, "external_id": {}}
        # Several leads can share a phone, so each phone keeps its rows in order, by object id.
        self._phones: dict[str, dict[int, dict[str, Any]]] = {}

    def add(self, row: dict[str, Any]) -> None:
        for name, index in self._single.items():
            value = row.get(name)
            if value:
                index.setdefault(value, row)
        phone = row.get("phone_normalized")
        if phone:
            self._phones.setdefault(phone, {}).setdefault(id(row), row)

    def __bool__(self) -> bool:
        return bool(self._phones) or any(self._single.values())

    def find(self, name: str, value: Any, keys: dict[str, Any]) -> dict[str, Any] | None:
        """Return the row whose key name equals value, or None; keys are the row's keys, for phone conflicts."""
        if name != "phone_normalized":
            return self._single[name].get(value)
        for candidate in self._phones.get(value, {}).values():
            if not conflicts(candidate, keys):
                return candidate
        return None


def find_match(keys: dict[str, Any], *indexes: MatchIndex) -> tuple[dict[str, Any], str] | None:
    """Return (lead row, key name) of the first match, trying each key in every index in turn."""
    searched = [index for index in indexes if index]
    if not searched:
        return None
    for name in MATCH_KEYS:
        value = keys.get(name)
        if not value:
            continue
        for index in searched:
            found = index.find(name, value, keys)
            if found is not None:
                return found, MATCH_KEY_NAMES[name]
    return None


def lead_label(row: dict[str, Any]) -> str:
    """Return a short human-readable name of a lead row: its name, e-mail, company or phone."""
    if row.get("full_name"):
        return row["full_name"]
    joined = " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part)
    return joined or row.get("email") or row.get("company") or row.get("phone") or "(no name)"
