"""Blocking keys of a lead: the strings under which the duplicate scan looks for its candidates.

Two leads become a candidate pair when they share at least one key. Each key kind catches
duplicates that the others miss, and each is narrow enough that its blocks stay small:

- "l:" the e-mail's local part without dots, dashes and underscores, for one person who
  wrote from two domains ("ann.lee@acme.com" and "annlee@gmail.com"). Two leads with one
  match e-mail share this key too. Role mailboxes such as info@ and local parts shorter
  than MIN_LOCAL_PART_LENGTH name no person, so they get "e:" the whole match e-mail instead.
- "p:" the match phone.
- "q:" the phone's national number (see national_phones), so that digits typed without a
  country meet the E.164 form of the same number.
- "n:" the canonical forms of the given name and the surname in alphabetical order, so
  nicknames, spelling variants and swapped names meet in one key ("n:turner|william").
- "o:" an organisation: the company key, and the first label of the domain ("acme" of
  "acme.co.uk"), which is mostly the same and then gives one key, not two. For people it
  is joined with the first initial and with the surname's sound code, because two
  different people at one company are common and a company alone would give large
  blocks of unrelated people.
- "t:" a name part's sound code and the city, for a name typed with a typo in one place.
- "x:" a custom field whose value is an identifier (mostly digits, at least
  MIN_IDENTIFIER_DIGITS of them), such as a customer number or a birth date.
- "z:" a name part's sound code and a custom field holding a short number, such as a
  postcode, for a person whose identifiers were all mistyped and whose other name part
  was mistyped or changed (a married name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leaddesk.services.dedup.national_phones import national_number
from leaddesk.services.dedup.normalize import canonical_first_name, fold_text, sound_code

# Raise this when the rules below change, so that every stored key is recomputed.
KEY_RULES_VERSION = 7

# Local parts that name a function, not a person, so two leads sharing one are no evidence.
ROLE_MAILBOXES = frozenset(
    """
    info sales contact hello admin office support team mail marketing noreply billing hr jobs
    careers enquiries inquiries help service webmaster accounts press media
    """.split()
)
MIN_LOCAL_PART_LENGTH = 4
IDENTIFIER_PREFIX = "x:"
MIN_IDENTIFIER_DIGITS = 6
# A custom value of this many digits or more but fewer than MIN_IDENTIFIER_DIGITS (a
# postcode, a house number) pairs leads only together with a name part's sound code.
MIN_SHORT_CODE_DIGITS = 3
# Share of an identifier's characters (spaces aside) that must be digits, so that a street
# address with a long house number is no identifier.
MIN_IDENTIFIER_DIGIT_SHARE = 0.6

_LOCAL_PART_NOISE = re.compile(r"[._\-]+")
_NON_DIGITS = re.compile(r"\D+")


def email_local_key(email: str) -> str | None:
    """Return the local part of a match e-mail without dots, dashes and underscores, or None for a role mailbox."""
    local = _LOCAL_PART_NOISE.sub("", email.rpartition("@")[0])
    if len(local) < MIN_LOCAL_PART_LENGTH or local in ROLE_MAILBOXES:
        return None
    return local


def identifier_digits(value: Any) -> str | None:
    """Return the digits of a value that is an identifier ("19560805", "AB 123 456 789"), else None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value)
    digits = _NON_DIGITS.sub("", text)
    visible = len(text) - text.count(" ")
    if len(digits) < MIN_IDENTIFIER_DIGITS or len(digits) < MIN_IDENTIFIER_DIGIT_SHARE * visible:
        return None
    return digits


def blocking_keys(keys: Mapping[str, Any], city: str | None, custom_fields: Mapping[str, Any] | None) -> set[str]:
    """Return the blocking keys of a lead from its match_* values, its city and its custom fields."""
    found: set[str] = set()

    email = keys.get("match_email")
    if email:
        local = email_local_key(email)
        found.add(f"l:{local}" if local else f"e:{email}")
    phone = keys.get("match_phone")
    if phone:
        found.add(f"p:{phone}")
        national = national_number(phone)
        if national:
            found.add(f"q:{national}")

    first, last = keys.get("match_first_name"), keys.get("match_last_name")
    if first and last:
        low, high = sorted((canonical_first_name(first), canonical_first_name(last)))
        found.add(f"n:{low}|{high}")
    _add_organisation_keys(found, keys, first, last)

    folded_city = fold_text(city)
    if folded_city:
        for part in (first, last):
            code = sound_code(part.replace(" ", "")) if part else ""
            if code:
                found.add(f"t:{code}|{folded_city}")

    name_codes = {_name_part_code(first, canonical=True), _name_part_code(last)}
    name_codes.discard("")
    for name, value in (custom_fields or {}).items():
        digits = identifier_digits(value)
        if digits:
            found.add(f"{IDENTIFIER_PREFIX}{fold_text(str(name))}|{digits}")
        elif name_codes and _is_short_code(value):
            found.update(f"z:{code}|{fold_text(str(name))}|{str(value).strip()}" for code in name_codes)
    return found


def _name_part_code(part: str | None, *, canonical: bool = False) -> str:
    """Return the sound code of a folded name part without its spaces, or of its full form (see canonical_first_name) when canonical."""
    if not part:
        return ""
    return sound_code((canonical_first_name(part) if canonical else part).replace(" ", ""))


def _is_short_code(value: Any) -> bool:
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    return MIN_SHORT_CODE_DIGITS <= len(text) < MIN_IDENTIFIER_DIGITS and text.isdigit()


def _add_organisation_keys(found: set[str], keys: Mapping[str, Any], first: str | None, last: str | None) -> None:
    organisations = {keys.get("match_company"), _domain_label(keys.get("match_domain"))}
    organisations.discard(None)
    if not organisations:
        return
    if not first and not last:
        found.update(f"o:{organisation}" for organisation in organisations)
        return
    initial = canonical_first_name(first)[0] if first else ""
    surname_code = sound_code(last.replace(" ", "")) if last else ""
    for organisation in organisations:
        if initial:
            found.add(f"o:{organisation}|{initial}")
        if surname_code:
            found.add(f"o:{organisation}|{surname_code}")


def _domain_label(domain: str | None) -> str | None:
    """Return the label of a registered domain before its public suffix ("acme" of "acme.co.uk")."""
    if not domain:
        return None
    return domain.partition(".")[0] or None
