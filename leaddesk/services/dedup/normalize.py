"""Match keys of a lead: e-mail, phone, names, company and domain in the forms that duplicates share.

The keys are stored on Lead beside the values they come from (the match_* columns), and the
blocking keys built from them are stored in lead_match_keys. normalize_lead_keys computes
them for one lead. refresh_match_keys recomputes them for every lead whose keys are stale.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import phonenumbers
import tldextract
from nameparser import HumanName
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.dedup.nicknames import nickname_table
from leaddesk.services.paths import resources_dir

logger = logging.getLogger(__name__)

# The Lead columns that normalize_lead_keys fills.
MATCH_COLUMNS = (
    "match_email",
    "match_phone",
    "match_phone_unparsed",
    "match_first_name",
    "match_last_name",
    "match_name_key",
    "match_name_key_swapped",
    "match_company",
    "match_domain",
)

# The lead fields the match keys are computed from, in the argument order of match_key_values.
KEY_SOURCE_FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "country", "company", "website", "domain")

# Providers whose mailboxes ignore dots in the local part.
DOT_BLIND_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# A phone key with fewer digits than this (an extension, a typo such as "0") is not stored.
MIN_PHONE_DIGITS = 7

# Tokens of a company name that say only what kind of legal entity it is. Dots are removed
# before lookup, so "S.A." is "sa" here.
LEGAL_SUFFIXES = frozenset(
    """
    inc incorporated corp corporation co company llc llp lp ltd limited plc gmbh mbh ag kg ohg ug
    sa sas sarl sprl srl spa bv nv as asa ab oy oyj aps pty pvt kk sl slu sro zrt kft
    """.split()
)

# Words that many unrelated companies share, so a match on them is no evidence.
GENERIC_COMPANY_WORDS = frozenset(
    """
    the and of software solutions solution group groups technologies technology tech systems services
    service consulting consultants international global holding holdings enterprises enterprise
    partners labs digital media industries worldwide networks online
    """.split()
)

# English country names that users type in the country field, and their ISO 3166 region codes.
# Two-letter values are taken as region codes directly.
COUNTRY_REGIONS = {
    "united states": "US", "usa": "US", "united states of america": "US", "america": "US",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "ireland": "IE", "canada": "CA", "australia": "AU", "new zealand": "NZ", "germany": "DE",
    "deutschland": "DE", "france": "FR", "spain": "ES", "espana": "ES", "italy": "IT", "netherlands": "NL",
    "the netherlands": "NL", "holland": "NL", "belgium": "BE", "switzerland": "CH", "austria": "AT",
    "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "poland": "PL", "portugal": "PT",
    "india": "IN", "singapore": "SG", "japan": "JP", "brazil": "BR", "mexico": "MX", "south africa": "ZA",
}

_NON_WORD = re.compile(r"[^\w]+")
_NON_DIGITS = re.compile(r"\D+")
_DOMAIN_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Entries of each per-value cache below (names, companies, countries, domains, phones). When a
# refresh meets more distinct values than this, the least recently used are computed again.
VALUE_CACHE_SIZE = 1 << 16

# Letter groups of the American Soundex code; vowels, h, w and y have no digit.
_SOUND_DIGITS = {letter: str(digit) for digit, letters in enumerate(("bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), 1) for letter in letters}


@lru_cache(maxsize=1)
def free_mail_domains() -> frozenset[str]:
    """Return the free-mail domains of resources/free_mail_domains.txt."""
    text = (resources_dir() / "free_mail_domains.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def fold_text(text: str | None) -> str:
    """Return text in NFC with accents removed, casefolded, punctuation as single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", bare.casefold()).split())


def match_email(email: str | None) -> str | None:
    """Return the e-mail for matching: trimmed, casefolded, without a +tag, and without dots at Gmail."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.strip().casefold().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    if not local or not domain:
        return None
    return f"{local}@{domain}"


def email_domain(email: str | None) -> str | None:
    key = match_email(email)
    return key.rpartition("@")[2] if key else None


def is_free_mail(domain: str | None) -> bool:
    return bool(domain) and domain in free_mail_domains()


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def region_of_country(country: str | None) -> str | None:
    """Return the ISO region code for a country field ("UK", "Germany", "de"), or None when unknown."""
    folded = fold_text(country)
    if not folded:
        return None
    if len(folded) == 2 and folded.isalpha():
        return "GB" if folded == "uk" else folded.upper()
    return COUNTRY_REGIONS.get(folded)


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def match_phone(phone: str | None, country: str | None = None) -> tuple[str | None, bool]:
    """Return (phone key, whether it could not be parsed).

    Cached, because parsing is most of the cost of a lead's keys and copies of a lead
    often carry the same phone as typed.

    A parseable number becomes E.164, read in the region of the lead's country when it has
    no "+". A number that phonenumbers cannot parse, or finds impossible, keeps the digits
    as typed and is marked as unparsed.
    """
    if not phone or not phone.strip():
        return None, False
    typed = phone.strip().lstrip("'")
    try:
        parsed = phonenumbers.parse(typed, region_of_country(country))
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), False

    digits = _NON_DIGITS.sub("", typed)
    return (digits if len(digits) >= MIN_PHONE_DIGITS else None), True


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def given_names(first_name: str) -> frozenset[str]:
    """Return the given names a folded first name may stand for: itself and, for a nickname or spelling variant, the canonical full forms."""
    if not first_name:
        return frozenset()
    return frozenset({first_name}) | nickname_table().get(first_name, frozenset())


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def canonical_first_name(first_name: str) -> str:
    """Return the given name a folded first name stands for; of several, the first alphabetically."""
    full_forms = nickname_table().get(first_name)
    return min(full_forms) if full_forms else first_name


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def sound_code(word: str) -> str:
    """Return the Soundex code of a folded word ("Robert" and "Rupert" give "r163"), or "" for no letters."""
    letters = [char for char in word if "a" <= char <= "z"]
    if not letters:
        return ""
    code = [letters[0]]
    previous = _SOUND_DIGITS.get(letters[0], "")
    for char in letters[1:]:
        digit = _SOUND_DIGITS.get(char, "")
        if digit and digit != previous:
            code.append(digit)
        if char not in "hw":
            previous = digit
    return "".join(code)[:4].ljust(4, "0")


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def split_names(first: str | None, last: str | None, full: str | None) -> tuple[str, str]:
    """Return the folded (first name, surname), parsing the full name when a part is missing."""
    first_folded, last_folded = fold_text(first), fold_text(last)
    if (not first_folded or not last_folded) and full:
        parsed = HumanName(full)
        first_folded = first_folded or fold_text(parsed.first)
        last_folded = last_folded or fold_text(parsed.last)
    # A compound surname such as "van der Berg" folds to "van der berg"; the key drops the spaces.
    return first_folded, last_folded


def name_key(first: str, last: str) -> str | None:
    """Return the blocking key: the first letter of the given name and the sound code of the surname."""
    if not first or not last:
        return None
    return f"{canonical_first_name(first)[0]}{sound_code(last.replace(' ', ''))}"


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def company_key(company: str | None) -> str | None:
    """Return the company name without legal suffixes and generic words, or None when nothing is left.

    "ACME Software, Inc." and "Acme LLC" both give "acme". A name made only of generic words
    ("Global Solutions Ltd") keeps them, because it has nothing else to compare.
    """
    tokens = fold_text((company or "").replace(".", "")).split()
    without_legal = [token for token in tokens if token not in LEGAL_SUFFIXES]
    distinctive = [token for token in without_legal if token not in GENERIC_COMPANY_WORDS]
    kept = distinctive or without_legal
    return " ".join(kept) or None


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def registered_domain(host_or_url: str | None) -> str | None:
    """Return the domain under the public suffix ("shop.acme.co.uk" gives "acme.co.uk"), offline."""
    if not host_or_url or not host_or_url.strip():
        return None
    extracted = _DOMAIN_EXTRACT(host_or_url.strip().casefold())
    if not extracted.domain or not extracted.suffix:
        return None
    return f"{extracted.domain}.{extracted.suffix}"


def domain_key(website: str | None, domain: str | None, email: str | None) -> str | None:
    """Return the company's domain from the website or domain field, else from a work e-mail."""
    for candidate in (website, domain):
        found = registered_domain(candidate)
        if found:
            return found
    mail_domain = email_domain(email)
    if mail_domain and not is_free_mail(mail_domain):
        return registered_domain(mail_domain)
    return None


def normalize_lead_keys(lead_or_dict: Lead | dict[str, Any]) -> dict[str, Any]:
    """Compute the match_* columns of a Lead or a dict of lead fields, set them on it and return them."""
    is_dict = isinstance(lead_or_dict, dict)

    def field(name: str) -> Any:
        return lead_or_dict.get(name) if is_dict else getattr(lead_or_dict, name)

    values = match_key_values(*(field(name) for name in KEY_SOURCE_FIELDS))
    keys = dict(zip(MATCH_COLUMNS, values))

    for name, value in keys.items():
        if is_dict:
            lead_or_dict[name] = value
        else:
            setattr(lead_or_dict, name, value)
    return keys


def match_key_values(
    first_name: str | None,
    last_name: str | None,
    full_name: str | None,
    email: str | None,
    phone: str | None,
    country: str | None,
    company: str | None,
    website: str | None,
    domain: str | None,
) -> tuple:
    """Return the match keys of one lead's fields (in KEY_SOURCE_FIELDS order) as a tuple in MATCH_COLUMNS order."""
    first, last = split_names(first_name, last_name, full_name)
    phone_key, unparsed = match_phone(phone, country)
    email_key = match_email(email)

    # domain_key without parsing the e-mail a second time.
    company_domain = registered_domain(website) or registered_domain(domain)
    if not company_domain and email_key:
        mail_domain = email_key.rpartition("@")[2]
        if mail_domain and not is_free_mail(mail_domain):
            company_domain = registered_domain(mail_domain)

    return (
        email_key,
        phone_key,
        unparsed,
        first or None,
        last or None,
        name_key(first, last),
        name_key(last, first),
        company_key(company),
        company_domain,
    )


def refresh_match_keys(session: Session, *, batch_size: int = 5000, lead_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Recompute the match keys of leads (all, merged ones too, or only lead_ids) that are stale; return how many.

    A lead's keys are stale when its source values changed since they were computed, or
    when they never were. See leaddesk.services.dedup.key_store.
    """
    # key_store builds on this module, so it is imported here, where it is first needed.
    from leaddesk.services.dedup.key_store import refresh_stale_keys

    return refresh_stale_keys(session, lead_ids=lead_ids, batch_size=batch_size)
