"""Finding the lead an imported row belongs to: by e-mail, external id, phone, or identity.

Keys are tried in MATCH_KEYS order, so an e-mail match beats an external-id match on
another lead. E-mails compare as the duplicate scan compares them (see
dedup.normalize.match_email), so "KATE+crm@Acme.com" matches a lead with kate@acme.com. A phone match is taken only when the lead and the row do not disagree on
e-mail or external id, because colleagues often share a switchboard number. Phones
compare as E.164 numbers where a region is known (see PhoneKeys), else by their digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead, normalize_phone
from leaddesk.services.dedup.normalize import match_email, region_of_country
from leaddesk.services.enrichment.settings import load_default_region

# Lead columns that tie a row to a lead, in the order they are tried.
MATCH_KEYS = ("email_normalized", "external_id", "phone_normalized")

# The name of each key in plans and reports.
MATCH_KEY_NAMES = {"email_normalized": "email", "external_id": "external_id", "phone_normalized": "phone"}

# The identity of a lead with neither e-mail nor external id: its names, company, phone and LinkedIn URL.
IDENTITY_FIELDS = ("first_name", "last_name", "full_name", "company", "phone", "linkedin_url")

_NON_DIGITS = re.compile(r"\D+")

# Phone keys remembered per import; the memo starts over when it grows past this.
PHONE_MEMO_MAX_ENTRIES = 100_000

# E-mail match keys remembered. The writer looks up each draft's key up to three times in
# one chunk of 1,000 rows, so a memo of a few chunks computes each key once.
EMAIL_MEMO_MAX_ENTRIES = 8192


class PhoneKeys:
    """Match keys of phone numbers: E.164 digits through phonenumbers where the region is known.

    A number written with "+" carries its country code. A number without one is read in
    the region of the lead's country, else in the team's default region, and without
    either its typed digits are the key, as phone_normalized stores them. So with the
    country UK, "+44 20 7946 0958" and "020 7946 0958" both have the key 442079460958.
    A number that phonenumbers cannot parse or finds impossible keeps its digits.
    A number written with "+" and the trunk prefix, such as "+44 (0)20 7946 0958" or
    "+44 020 7946 0958", has the same key as "+44 20 7946 0958".
    """

    def __init__(
        self, default_region: str | None = None, *, national_stored: bool = False, trunk_stored: bool = False
    ) -> None:
        self.default_region = default_region
        # Whether some lead may store a phone without "+", so that lookups by phone_normalized
        # need the national digits of numbers written with "+".
        self.national_stored = national_stored
        # Whether some lead stores a phone written as "+44 (0)20 ...", whose phone_normalized
        # has the trunk prefix between the country code and the national number.
        self.trunk_stored = trunk_stored
        self._memo: dict[tuple[str, str | None], str | None] = {}

    @classmethod
    def for_session(cls, session: Session) -> PhoneKeys:
        """Return the keys for the team's default region, knowing whether any lead stores a national number."""
        leads = Lead.__table__.c
        national = session.execute(
            select(leads.id).where(leads.phone_normalized.is_not(None)).where(~leads.phone.startswith("+")).limit(1)
        ).first()
        trunk = session.execute(
            select(leads.id).where(leads.phone.startswith("+")).where(leads.phone.contains("(0")).limit(1)
        ).first()
        return cls(load_default_region(session), national_stored=national is not None, trunk_stored=trunk is not None)

    def key(self, phone: str | None, country: str | None, digits: str | None = None) -> str | None:
        """Return the phone's match key: E.164 digits without "+", else its digits; None without enough digits.

        digits, when given, is normalize_phone(phone), which the caller computed already.
        """
        if digits is None:
            digits = normalize_phone(phone)
        if digits is None or phone is None:
            return None
        typed = phone.strip().lstrip("'").lstrip()
        # With "+" and no trunk prefix after the country code, the typed digits are the E.164 digits already.
        if typed.startswith("+") and "(0" not in typed and not _starts_with_trunk_prefix(digits[:_HEAD_DIGITS]):
            return digits
        memo_key = (typed, country)
        try:
            return self._memo[memo_key]
        except KeyError:
            pass
        key = self._parsed_key(typed, country, digits)
        if len(self._memo) >= PHONE_MEMO_MAX_ENTRIES:
            self._memo.clear()
        self._memo[memo_key] = key
        return key

    def lookup_values(self, fields: Iterable[dict[str, Any]]) -> set[str]:
        """Return the phone_normalized values under which leads with the phones of these drafts may be stored.

        A lead stored with the trunk prefix after the country code ("+44 (0)20 ...") is
        found by these digits when trunk_stored is set, and by the E.164 phone key of the
        duplicate scan (see e164_values) once the post-import job has stored it.
        """
        values: set[str] = set()
        for draft in fields:
            phone = draft.get("phone")
            digits = draft.get("phone_normalized")
            if not phone or not digits:
                continue
            values.add(digits)
            key = self.key(phone, draft.get("country"), digits)
            if not key:
                continue
            values.add(key)
            if self.national_stored:
                national = _national_digits(key)
                if national:
                    values.add(national)
            if self.trunk_stored:
                with_trunk = _with_trunk_prefix(key)
                if with_trunk:
                    values.add(with_trunk)
        return values

    def e164_values(self, fields: Iterable[dict[str, Any]]) -> set[str]:
        """Return the E.164 numbers ("+" and digits) of the drafts' phones, as Lead.match_phone and the phone keys store them."""
        values: set[str] = set()
        for draft in fields:
            phone = draft.get("phone")
            digits = draft.get("phone_normalized")
            if phone and digits:
                key = self.key(phone, draft.get("country"), digits)
                if key:
                    values.add("+" + key)
        return values

    def _parsed_key(self, typed: str, country: str | None, digits: str) -> str:
        region = None
        if not typed.startswith("+"):
            region = region_of_country(country) or self.default_region
            if region is None:
                return digits
            # A lead stored from this number keeps its national digits in phone_normalized.
            self.national_stored = True
            key = _national_key(digits, region)
            if key is not None:
                return key
        try:
            parsed = phonenumbers.parse(typed, region)
        except phonenumbers.NumberParseException:
            return digits
        if not phonenumbers.is_possible_number(parsed):
            return digits
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


@dataclass(frozen=True)
class _RegionFormat:
    """The country code, prefixes and number lengths of a region, from phonenumbers' metadata."""

    country_code: str
    national_prefix: str
    prefix_pattern: re.Pattern[str] | None
    # The international dialling prefix, such as "00" or "011", which starts no national number.
    international_pattern: re.Pattern[str] | None
    lengths: frozenset[int]


@lru_cache(maxsize=None)
def _region_format(region: str) -> _RegionFormat | None:
    """Return the region's format, or None when its national prefix rule needs phonenumbers' full parser."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_transform_rule is not None:
        return None
    pattern = metadata.national_prefix_for_parsing
    return _RegionFormat(
        country_code=str(metadata.country_code),
        national_prefix=metadata.national_prefix or "",
        prefix_pattern=re.compile(pattern) if pattern else None,
        international_pattern=re.compile(metadata.international_prefix) if metadata.international_prefix else None,
        lengths=frozenset(metadata.general_desc.possible_length or ()),
    )


def _national_key(digits: str, region: str) -> str | None:
    """Return the E.164 digits of a plainly written national number, or None to leave it to phonenumbers.parse.

    phonenumbers.parse took 15 to 17 microseconds per number on a 2-core Xeon, so
    the common case, digits with or without the region's national prefix, is built from
    the same metadata: the prefix is dropped and the country code put in front. Numbers
    that may start with a dialling prefix or a country code, carrier codes and lengths
    the region does not have go to the full parser. A test compares both paths.
    """
    found = _region_format(region)
    if found is None:
        return None
    if found.international_pattern is not None and found.international_pattern.match(digits):
        return None
    national = digits
    if found.prefix_pattern is not None:
        match = found.prefix_pattern.match(digits)
        if match is not None and match.group(0):
            if match.group(0) != found.national_prefix or any(match.groups()):
                return None
            national = digits[match.end():]
    if national is digits and digits.startswith(found.country_code):
        return None
    if len(national) not in found.lengths:
        return None
    return found.country_code + national


# Leading digits that hold any country code (1 to 3 digits) and a national prefix after it.
_HEAD_DIGITS = 6


def _country_code_of(digits: str) -> str | None:
    """Return the country code that E.164 digits start with; country codes are prefix-free."""
    for length in (1, 2, 3):
        code = digits[:length]
        if code.isdigit() and int(code) in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


@lru_cache(maxsize=None)
def _national_prefix(country_code: str) -> str:
    """Return the trunk prefix of the country code's main region, such as "0" for 44, or "" without one."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(int(country_code), ())
    metadata = PhoneMetadata.metadata_for_region(regions[0]) if regions else None
    return (metadata.national_prefix or "") if metadata is not None else ""


@lru_cache(maxsize=4096)
def _starts_with_trunk_prefix(head: str) -> bool:
    """Return whether digits starting with head have the trunk prefix right after the country code ("44020...")."""
    code = _country_code_of(head)
    if code is None:
        return False
    prefix = _national_prefix(code)
    return bool(prefix) and head[len(code):].startswith(prefix)


def _with_trunk_prefix(key: str) -> str | None:
    """Return E.164 digits with the trunk prefix after the country code, as "+44 (0)20 ..." gives them."""
    code = _country_code_of(key)
    if code is None:
        return None
    prefix = _national_prefix(code)
    return code + prefix + key[len(code):] if prefix else None


def _national_digits(key: str) -> str | None:
    """Return the digits of a key as its country writes the number at home, trunk prefix included ("020...").

    A key that is no E.164 number, such as the digits of a number without a region, may
    give digits of some other number. Those only widen the database lookup, because
    every lead found there is compared by its own key.
    """
    try:
        parsed = phonenumbers.parse("+" + key, None)
    except phonenumbers.NumberParseException:
        return None
    return normalize_phone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


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
    """Return whether the lead and a row both have an e-mail or external id, and they differ.

    Two e-mails differ only when their match forms differ, so a +tag variant is no conflict.
    """
    mine, theirs = lead.get("email_normalized"), keys.get("email_normalized")
    if mine and theirs and email_match_key(mine) != email_match_key(theirs):
        return True
    mine, theirs = lead.get("external_id"), keys.get("external_id")
    return bool(mine and theirs and mine != theirs)


@lru_cache(maxsize=EMAIL_MEMO_MAX_ENTRIES)
def email_match_key(normalized: str | None) -> str | None:
    """Return the key under which an email_normalized value matches: its match form, else the value itself."""
    return match_email(normalized) or normalized


def email_lookup_values(fields: Iterable[dict[str, Any]]) -> set[str]:
    """Return the email_normalized values of these drafts and their match forms, for the query of existing leads.

    NOTE: a stored lead whose own e-mail carries a +tag or Gmail dots is found only when
    a draft has that exact address, because the query compares email_normalized.
    """
    values: set[str] = set()
    for draft in fields:
        normalized = draft.get("email_normalized")
        if normalized:
            values.add(normalized)
            values.add(email_match_key(normalized))
    return values


class MatchIndex:
    """Lead rows by their match keys. Per e-mail and external id the first row added wins.

    Phones are indexed by their PhoneKeys key, or by phone_normalized without phone_keys.
    """

    def __init__(self, phone_keys: PhoneKeys | None = None) -> None:
        self._single: dict[str, dict[Any, dict[str, Any]]] = {"email_normalized": {}, "external_id": {}}
        # Rows by the match form of their e-mail, for a +tag, case or Gmail-dots variant.
        self._email_forms: dict[str, dict[str, Any]] = {}
        # Several leads can share a phone, so each phone keeps its rows in order, by object id.
        self._phones: dict[str, dict[int, dict[str, Any]]] = {}
        self._phone_keys = phone_keys

    def add(self, row: dict[str, Any]) -> None:
        self.add_keyed(row, email_match_key(row.get("email_normalized")), self._phone_key(row))

    def add_keyed(self, row: dict[str, Any], email_key: str | None, phone_key: str | None) -> None:
        """Add a row whose e-mail match key and phone key (see add) the caller computed already."""
        for name, index in self._single.items():
            value = row.get(name)
            if value:
                index.setdefault(value, row)
        if email_key:
            self._email_forms.setdefault(email_key, row)
        if phone_key:
            self._phones.setdefault(phone_key, {}).setdefault(id(row), row)

    def __bool__(self) -> bool:
        return bool(self._phones) or any(self._single.values())

    def find(self, name: str, value: Any, keys: dict[str, Any]) -> dict[str, Any] | None:
        """Return the row whose key name equals value, or None; keys are the row's keys, for phone conflicts."""
        if name == "email_normalized":
            found = self._single[name].get(value)
            if found is None:
                found = self._email_forms.get(email_match_key(value))
            return found
        if name != "phone_normalized":
            return self._single[name].get(value)
        for candidate in self._phones.get(self._phone_key(keys) or value, {}).values():
            if not conflicts(candidate, keys):
                return candidate
        return None

    def _phone_key(self, row: dict[str, Any]) -> str | None:
        """Return the key under which the row's phone is indexed: its PhoneKeys key, or its digits without phone_keys."""
        digits = row.get("phone_normalized")
        if self._phone_keys is None or not digits:
            return digits
        return self._phone_keys.key(row.get("phone"), row.get("country"), digits)


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
