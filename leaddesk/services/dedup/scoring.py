"""The score of one candidate pair of leads, from field-level evidence, with reasons in plain words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from leaddesk.services.dedup.blocking_keys import identifier_digits
from leaddesk.services.dedup.custom_values import SAME, SIMILAR, compared_values, same_apart_from_spaces, value_level
from leaddesk.services.dedup.email_names import local_part_fits_name
from leaddesk.services.dedup.national_phones import same_national_number
from leaddesk.services.dedup.normalize import fold_text, given_names, is_free_mail

# Weights of the evidence. A score is their sum, clamped to 0..1.
SAME_EMAIL = 0.6
DIFFERENT_WORK_EMAILS_SAME_DOMAIN = -0.4
DIFFERENT_EMAILS = -0.1
SAME_PHONE = 0.35
SAME_UNPARSED_PHONE = 0.25
# An unparsed phone whose digits are the national number of the other lead's E.164 phone.
# Weaker than SAME_UNPARSED_PHONE, because the country of the unparsed one is unknown.
SAME_NATIONAL_PHONE = 0.2
SURNAME_IDENTICAL = 0.25
SURNAME_SIMILAR = 0.16
SURNAME_DIFFERENT = -0.2
FIRST_NAME_IDENTICAL = 0.2
FIRST_NAME_NICKNAME = 0.18
FIRST_NAME_SIMILAR = 0.1
FIRST_INITIAL = 0.08
FIRST_NAME_DIFFERENT = -0.15
# A company match is strong evidence for two company-only leads and weak evidence for two people.
SAME_COMPANY_PEOPLE = 0.15
SAME_COMPANY_ONLY = 0.5
DIFFERENT_COMPANIES = -0.15
SAME_DOMAIN = 0.1
SAME_CITY = 0.05
SIMILAR_CITY = 0.03
DIFFERENT_CITY = -0.05
# An identifier (a custom value of mostly digits: a customer number, a birth date) rarely
# agrees by chance, so agreement is strong evidence. A one-digit difference is a typo more
# often than another person.
SAME_IDENTIFIER = 0.45
SIMILAR_IDENTIFIER = 0.1
DIFFERENT_IDENTIFIER = -0.2
MAX_IDENTIFIER_GAIN = 0.75
SAME_CUSTOM_VALUE = 0.15
SIMILAR_CUSTOM_VALUE = 0.08
DIFFERENT_CUSTOM_VALUE = -0.06
MAX_CUSTOM_GAIN = 0.45
MAX_CUSTOM_LOSS = -0.15

# Jaro-Winkler similarity (0..1) from which two names or cities count as one with a typo.
# Jaro-Winkler forgives a swapped pair of letters ("olivia"/"oliiva" gives 0.97) and
# weighs the start of a word most, where typos are rarest.
SIMILAR_NAME_SIMILARITY = 0.88
SIMILAR_IDENTIFIER_RATIO = 80
# Custom values shorter than this ("NSW", "Y") agree by chance too often to count.
MIN_CUSTOM_VALUE_LENGTH = 4

# The highest score of a pair whose only evidence is similar spelling, below any sensible
# review threshold, so that "Brightforce" and "Nightforce" never become a match.
SIMILAR_ONLY_CAP = 0.3


# Not frozen, because a frozen dataclass sets each field through object.__setattr__, which
# made building the LeadKeys of 100,000 leads take 2.5 times as long. Use dataclasses.replace.
@dataclass(slots=True)
class LeadKeys:
    """The values of one lead that the scorer compares: its match keys, city and custom fields.

    custom holds the folded text of custom fields that are not identifiers, and identifiers
    the digits of those that are (see blocking_keys.identifier_digits).
    """

    # None for an unsaved lead.
    id: uuid.UUID | None
    email: str | None = None
    phone: str | None = None
    phone_unparsed: bool = False
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    company_label: str | None = None
    domain: str | None = None
    city: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)
    # The given names first_name may stand for (itself, and full forms of a nickname).
    given_names: frozenset[str] = frozenset()
    # The e-mail's domain, and whether it is a free-mail provider's.
    email_domain: str | None = None
    free_mail: bool = False

    @classmethod
    def from_row(cls, row: Any) -> LeadKeys:
        """Build from a mapping with the Lead columns id, match_*, company, city and custom_fields."""
        custom, identifiers = split_custom_fields(row["custom_fields"])
        return cls(
            id=row["id"],
            email=row["match_email"],
            phone=row["match_phone"],
            phone_unparsed=bool(row["match_phone_unparsed"]),
            first_name=row["match_first_name"],
            last_name=row["match_last_name"],
            company=row["match_company"],
            company_label=row["company"],
            domain=row["match_domain"],
            city=fold_text(row.get("city")) or None,
            custom=custom,
            identifiers=identifiers,
            given_names=given_names(row["match_first_name"] or ""),
            **email_facts(row["match_email"]),
        )

    @property
    def has_person_name(self) -> bool:
        return bool(self.first_name or self.last_name)


def email_facts(email: str | None) -> dict[str, Any]:
    """Return the email_domain and free_mail fields of LeadKeys for a match e-mail."""
    if not email:
        return {"email_domain": None, "free_mail": False}
    domain = email.rpartition("@")[2]
    return {"email_domain": domain, "free_mail": is_free_mail(domain)}


def split_custom_fields(custom_fields: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """Return (folded text values, identifier digits) of a lead's custom fields, keyed by field name."""
    text: dict[str, str] = {}
    identifiers: dict[str, str] = {}
    for key, value in (custom_fields or {}).items():
        if value is None:
            continue
        folded = fold_text(str(value))
        if not folded:
            continue
        digits = identifier_digits(folded)
        if digits:
            identifiers[str(key)] = digits
        else:
            text[str(key)] = folded
    return text, identifiers


@dataclass(frozen=True)
class PairScore:
    """A candidate pair, its score in 0..1 and the evidence behind it, strongest first."""

    low_id: uuid.UUID
    high_id: uuid.UUID
    score: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"lead_ids": [str(self.low_id), str(self.high_id)], "score": round(self.score, 3), "reasons": list(self.reasons)}


# One piece of evidence: its weight, its reason as a str.format template and the template's
# arguments, and whether it is an exact agreement (a similar spelling is not). Reasons are
# formatted only for the pairs that are kept.
Evidence = tuple[float, str, tuple, bool]


def score_pair(a: LeadKeys, b: LeadKeys) -> PairScore:
    """Score how likely a and b are the same lead, and list why in plain words."""
    score, evidence = evaluate_pair(a, b)
    low, high = sorted((a.id, b.id))
    return PairScore(low, high, score, reasons_of(evidence))


def evaluate_pair(a: LeadKeys, b: LeadKeys) -> tuple[float, list[Evidence]]:
    """Return the score of a pair and its evidence, without building a PairScore.

    The scan calls this for every candidate pair and builds PairScores only for the pairs
    that reach the review threshold.
    """
    score, evidence, _builtin_count = _evaluate(a, b)
    return score, evidence


def evaluate_pair_parts(a: LeadKeys, b: LeadKeys) -> tuple[float, list[Evidence], float]:
    """Return what evaluate_pair returns, and the sum of the weights of all evidence but the custom fields'."""
    score, evidence, builtin_count = _evaluate(a, b)
    builtin = 0.0
    for item in evidence[:builtin_count]:
        builtin += item[0]
    return score, evidence, builtin


def _evaluate(a: LeadKeys, b: LeadKeys) -> tuple[float, list[Evidence], int]:
    """Return the score, the evidence, and how many evidence items come before the custom fields'."""
    evidence: list[Evidence] = []
    if a.email and b.email:
        _compare_emails(a, b, evidence)
    if a.phone and a.phone == b.phone:
        if a.phone_unparsed or b.phone_unparsed:
            evidence.append((SAME_UNPARSED_PHONE, "same phone digits {}", (a.phone,), True))
        else:
            evidence.append((SAME_PHONE, "same phone {}", (a.phone,), True))
    elif a.phone and b.phone:
        national = same_national_number(a.phone, b.phone)
        if national is not None:
            evidence.append((SAME_NATIONAL_PHONE, "same national phone number {}", (national,), True))
    if (a.first_name or a.last_name) and (b.first_name or b.last_name):
        _compare_names(a, b, evidence)
    if a.company or a.domain:
        _compare_companies(a, b, evidence)
    if a.city and b.city:
        _compare_cities(a.city, b.city, evidence)
    builtin_count = len(evidence)
    if a.identifiers and b.identifiers:
        _compare_identifiers(a, b, evidence)
    if a.custom and b.custom:
        _compare_custom(a, b, evidence)

    total = 0.0
    exact = False
    for weight, _template, _arguments, is_exact in evidence:
        total += weight
        if is_exact and weight > 0:
            exact = True
    if not exact and total > SIMILAR_ONLY_CAP:
        total = SIMILAR_ONLY_CAP
    return max(0.0, min(1.0, total)), evidence, builtin_count


def reasons_of(evidence: list[Evidence]) -> tuple[str, ...]:
    """Return the reasons of the evidence in plain words, strongest first."""
    ordered = sorted(evidence, key=lambda item: -abs(item[0]))
    return tuple(template.format(*arguments) for _weight, template, arguments, _exact in ordered)


def _compare_emails(a: LeadKeys, b: LeadKeys, evidence: list[Evidence]) -> None:
    if a.email == b.email:
        evidence.append((SAME_EMAIL, "same e-mail {}", (a.email,), True))
        return

    domain_a, domain_b = a.email_domain, b.email_domain
    if domain_a == domain_b and not a.free_mail:
        if _both_name_forms(a, b):
            evidence.append((DIFFERENT_EMAILS, "different e-mails at {}, both forms of the name", (domain_a,), False))
            return
        evidence.append((DIFFERENT_WORK_EMAILS_SAME_DOMAIN, "two different work e-mails at {}", (domain_a,), False))
    else:
        evidence.append((DIFFERENT_EMAILS, "different e-mails", (), False))


def _both_name_forms(a: LeadKeys, b: LeadKeys) -> bool:
    """Return whether each lead's e-mail local part is a form of its own name ("tom" and "t.nguyen" of Tom Nguyen)."""
    local_a, local_b = a.email.rpartition("@")[0], b.email.rpartition("@")[0]
    return local_part_fits_name(local_a, a.first_name, a.last_name) and local_part_fits_name(local_b, b.first_name, b.last_name)


def _compare_names(a: LeadKeys, b: LeadKeys, evidence: list[Evidence]) -> None:
    straight = _name_evidence(a.first_name, a.given_names, a.last_name, b.first_name, b.given_names, b.last_name)
    # Exact agreement on every name part cannot be beaten by the swapped reading.
    if straight and all(item[3] for item in straight):
        evidence.extend(straight)
        return
    # The swapped reading can only win when a name part of one lead starts like the other
    # part of the other lead, so most pairs of different people skip it.
    if not _may_be_swapped(a.first_name, a.last_name, b.first_name, b.last_name):
        evidence.extend(straight)
        return
    swapped = _name_evidence(
        a.first_name, a.given_names, a.last_name, b.last_name, given_names(b.last_name or ""), b.first_name
    )
    if sum(item[0] for item in swapped) > sum(item[0] for item in straight):
        evidence.extend(swapped)
        evidence.append((0.0, "first and last name swapped", (), False))
        return
    evidence.extend(straight)


def same_full_name(a: LeadKeys, b: LeadKeys) -> bool:
    """Return whether two leads have the same surname and given name, also as nicknames or swapped (a spacing slip counts as the same)."""
    if not (a.first_name and a.last_name and b.first_name and b.last_name):
        return False
    straight = _same_name_part(a.last_name, b.last_name) and _same_given_name(a.first_name, a.given_names, b.first_name, b.given_names)
    if straight:
        return True
    return _same_name_part(a.last_name, b.first_name) and _same_given_name(
        a.first_name, a.given_names, b.last_name, given_names(b.last_name)
    )


def _same_name_part(part_a: str, part_b: str) -> bool:
    return part_a == part_b or same_apart_from_spaces(part_a, part_b)


def _same_given_name(first_a: str, forms_a: frozenset[str], first_b: str, forms_b: frozenset[str]) -> bool:
    return _same_name_part(first_a, first_b) or not forms_a.isdisjoint(forms_b)


def _may_be_swapped(first_a: str | None, last_a: str | None, first_b: str | None, last_b: str | None) -> bool:
    return bool(
        (first_a and last_b and first_a[0] == last_b[0]) or (last_a and first_b and last_a[0] == first_b[0])
    )


def _name_evidence(
    first_a: str | None,
    forms_a: frozenset[str],
    last_a: str | None,
    first_b: str | None,
    forms_b: frozenset[str],
    last_b: str | None,
) -> list[Evidence]:
    found: list[Evidence] = []
    if last_a and last_b:
        if last_a == last_b:
            found.append((SURNAME_IDENTICAL, "surname identical", (), True))
        elif same_apart_from_spaces(last_a, last_b):
            found.append((SURNAME_IDENTICAL, "surname identical apart from spaces ({}/{})", (last_a, last_b), True))
        elif JaroWinkler.normalized_similarity(last_a, last_b) >= SIMILAR_NAME_SIMILARITY:
            found.append((SURNAME_SIMILAR, "surname similar ({}/{})", (last_a, last_b), False))
        else:
            found.append((SURNAME_DIFFERENT, "different surnames ({}/{})", (last_a, last_b), False))

    if first_a and first_b:
        found.append(_first_name_evidence(first_a, forms_a, first_b, forms_b))
    return found


def _first_name_evidence(first_a: str, forms_a: frozenset[str], first_b: str, forms_b: frozenset[str]) -> Evidence:
    if first_a == first_b:
        return FIRST_NAME_IDENTICAL, "first name identical", (), True
    if same_apart_from_spaces(first_a, first_b):
        return FIRST_NAME_IDENTICAL, "first name identical apart from spaces ({}/{})", (first_a, first_b), True
    if not forms_a.isdisjoint(forms_b):
        return FIRST_NAME_NICKNAME, "first name nickname ({}/{})", (first_a, first_b), True
    if (len(first_a) == 1 or len(first_b) == 1) and first_a[0] == first_b[0]:
        return FIRST_INITIAL, "first initial matches", (), False
    if JaroWinkler.normalized_similarity(first_a, first_b) >= SIMILAR_NAME_SIMILARITY:
        return FIRST_NAME_SIMILAR, "first name similar ({}/{})", (first_a, first_b), False
    return FIRST_NAME_DIFFERENT, "different first names ({}/{})", (first_a, first_b), False


def _compare_companies(a: LeadKeys, b: LeadKeys, evidence: list[Evidence]) -> None:
    people = a.has_person_name or b.has_person_name
    if a.company and b.company:
        if a.company == b.company:
            weight = SAME_COMPANY_PEOPLE if people else SAME_COMPANY_ONLY
            evidence.append((weight, "same company ({})", (a.company,), True))
        else:
            evidence.append((DIFFERENT_COMPANIES, "different companies ({}/{})", (a.company, b.company), False))

    same_email = a.email is not None and a.email == b.email
    if a.domain and a.domain == b.domain and not same_email:
        evidence.append((SAME_DOMAIN, "same domain {}", (a.domain,), True))


def _compare_cities(city_a: str, city_b: str, evidence: list[Evidence]) -> None:
    if city_a == city_b:
        evidence.append((SAME_CITY, "same city ({})", (city_a,), True))
    elif JaroWinkler.normalized_similarity(city_a, city_b) >= SIMILAR_NAME_SIMILARITY:
        evidence.append((SIMILAR_CITY, "city similar ({}/{})", (city_a, city_b), False))
    else:
        evidence.append((DIFFERENT_CITY, "different cities ({}/{})", (city_a, city_b), False))


def _compare_identifiers(a: LeadKeys, b: LeadKeys, evidence: list[Evidence]) -> None:
    gain = 0.0
    agreed, similar = [], []
    for key in sorted(a.identifiers.keys() & b.identifiers.keys()):
        digits_a, digits_b = a.identifiers[key], b.identifiers[key]
        if digits_a == digits_b:
            gain += SAME_IDENTIFIER
            agreed.append(f"{key} {digits_a}")
        elif fuzz.ratio(digits_a, digits_b) >= SIMILAR_IDENTIFIER_RATIO:
            gain += SIMILAR_IDENTIFIER
            similar.append(key)
        else:
            evidence.append((DIFFERENT_IDENTIFIER, "different {} ({}/{})", (key, digits_a, digits_b), False))

    if agreed:
        evidence.append((min(gain, MAX_IDENTIFIER_GAIN), _agreement_template(similar), (", ".join(agreed), ", ".join(similar)), True))
    elif similar:
        evidence.append((min(gain, MAX_IDENTIFIER_GAIN), "similar {}", (", ".join(similar),), False))


def _compare_custom(a: LeadKeys, b: LeadKeys, evidence: list[Evidence]) -> None:
    gain, loss = 0.0, 0.0
    agreed, similar, differing = [], [], []
    for key, value_a, other_key, value_b in compared_values(a.custom, b.custom):
        if len(value_a) < MIN_CUSTOM_VALUE_LENGTH or len(value_b) < MIN_CUSTOM_VALUE_LENGTH:
            continue
        level = value_level(value_a, value_b)
        label = key if other_key == key else f"{key}/{other_key}"
        if level == SAME:
            gain += SAME_CUSTOM_VALUE
            agreed.append(label)
        elif level == SIMILAR:
            gain += SIMILAR_CUSTOM_VALUE
            similar.append(label)
        else:
            loss += DIFFERENT_CUSTOM_VALUE
            differing.append(label)

    if agreed:
        evidence.append((min(gain, MAX_CUSTOM_GAIN), _agreement_template(similar), (", ".join(agreed), ", ".join(similar)), True))
    elif similar:
        evidence.append((min(gain, MAX_CUSTOM_GAIN), "similar {}", (", ".join(similar),), False))
    if differing:
        evidence.append((max(loss, MAX_CUSTOM_LOSS), "different {}", (", ".join(differing),), False))


def _agreement_template(similar: list[str]) -> str:
    return "same {}; similar {}" if similar else "same {}"
