"""The score of one candidate pair of leads, from field-level evidence, with reasons in plain words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from leaddesk.services.dedup.normalize import fold_text, given_names, is_free_mail

# Weights of the evidence. A score is their sum, clamped to 0..1.
SAME_EMAIL = 0.6
DIFFERENT_WORK_EMAILS_SAME_DOMAIN = -0.4
DIFFERENT_EMAILS = -0.1
SAME_PHONE = 0.35
SAME_UNPARSED_PHONE = 0.25
SURNAME_IDENTICAL = 0.25
SURNAME_SIMILAR = 0.12
SURNAME_DIFFERENT = -0.25
FIRST_NAME_IDENTICAL = 0.2
FIRST_NAME_NICKNAME = 0.18
FIRST_NAME_SIMILAR = 0.1
FIRST_INITIAL = 0.08
FIRST_NAME_DIFFERENT = -0.2
# A company match is strong evidence for two company-only leads and weak evidence for two people.
SAME_COMPANY_PEOPLE = 0.15
SAME_COMPANY_ONLY = 0.5
DIFFERENT_COMPANIES = -0.15
SAME_DOMAIN = 0.1
SAME_CUSTOM_VALUE = 0.12
SIMILAR_CUSTOM_VALUE = 0.06
DIFFERENT_CUSTOM_VALUE = -0.06
MAX_CUSTOM_GAIN = 0.3
MAX_CUSTOM_LOSS = -0.15

# rapidfuzz ratio (0..100) from which two names count as one name with a typo.
SIMILAR_NAME_RATIO = 85
SIMILAR_CUSTOM_RATIO = 90
# Custom values shorter than this ("NSW", "Y") agree by chance too often to count.
MIN_CUSTOM_VALUE_LENGTH = 4

# The highest score of a pair whose only evidence is similar spelling, below any sensible
# review threshold, so that "Brightforce" and "Nightforce" never become a match.
SIMILAR_ONLY_CAP = 0.3


@dataclass(frozen=True)
class LeadKeys:
    """The values of one lead that the scorer compares: its match keys, e-mail domain and custom fields."""

    id: uuid.UUID
    email: str | None = None
    phone: str | None = None
    phone_unparsed: bool = False
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    company_label: str | None = None
    domain: str | None = None
    custom: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> LeadKeys:
        """Build from a mapping with the Lead columns id, match_* , company and custom_fields."""
        custom = {
            str(key): fold_text(str(value))
            for key, value in (row["custom_fields"] or {}).items()
            if value is not None and fold_text(str(value))
        }
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
            custom=custom,
        )

    @property
    def has_person_name(self) -> bool:
        return bool(self.first_name or self.last_name)


@dataclass(frozen=True)
class PairScore:
    """A candidate pair, its score in 0..1 and the evidence behind it, strongest first."""

    low_id: uuid.UUID
    high_id: uuid.UUID
    score: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"lead_ids": [str(self.low_id), str(self.high_id)], "score": round(self.score, 3), "reasons": list(self.reasons)}


class _Evidence:
    def __init__(self) -> None:
        self.items: list[tuple[float, str]] = []
        self.exact = False

    def add(self, weight: float, reason: str, *, exact: bool = False) -> None:
        self.items.append((weight, reason))
        self.exact = self.exact or (exact and weight > 0)


def score_pair(a: LeadKeys, b: LeadKeys) -> PairScore:
    """Score how likely a and b are the same lead, and list why in plain words."""
    evidence = _Evidence()
    _compare_emails(a, b, evidence)
    _compare_phones(a, b, evidence)
    _compare_names(a, b, evidence)
    _compare_companies(a, b, evidence)
    _compare_custom(a, b, evidence)

    total = sum(weight for weight, _reason in evidence.items)
    if not evidence.exact:
        total = min(total, SIMILAR_ONLY_CAP)
    score = max(0.0, min(1.0, total))

    reasons = tuple(reason for _weight, reason in sorted(evidence.items, key=lambda item: -abs(item[0])))
    low, high = sorted((a.id, b.id))
    return PairScore(low, high, score, reasons)


def _compare_emails(a: LeadKeys, b: LeadKeys, evidence: _Evidence) -> None:
    if not a.email or not b.email:
        return
    if a.email == b.email:
        evidence.add(SAME_EMAIL, f"same e-mail {a.email}", exact=True)
        return

    domain_a, domain_b = a.email.rpartition("@")[2], b.email.rpartition("@")[2]
    if domain_a == domain_b and not is_free_mail(domain_a):
        evidence.add(DIFFERENT_WORK_EMAILS_SAME_DOMAIN, f"two different work e-mails at {domain_a}")
    else:
        evidence.add(DIFFERENT_EMAILS, "different e-mails")


def _compare_phones(a: LeadKeys, b: LeadKeys, evidence: _Evidence) -> None:
    if not a.phone or a.phone != b.phone:
        return
    if a.phone_unparsed or b.phone_unparsed:
        evidence.add(SAME_UNPARSED_PHONE, f"same phone digits {a.phone}", exact=True)
    else:
        evidence.add(SAME_PHONE, f"same phone {a.phone}", exact=True)


def _compare_names(a: LeadKeys, b: LeadKeys, evidence: _Evidence) -> None:
    if not a.has_person_name or not b.has_person_name:
        return
    straight = _name_evidence(a.first_name, a.last_name, b.first_name, b.last_name)
    swapped = _name_evidence(a.first_name, a.last_name, b.last_name, b.first_name)
    if sum(weight for weight, _r, _e in swapped) > sum(weight for weight, _r, _e in straight):
        for weight, reason, exact in swapped:
            evidence.add(weight, reason, exact=exact)
        evidence.add(0.0, "first and last name swapped")
        return
    for weight, reason, exact in straight:
        evidence.add(weight, reason, exact=exact)


def _name_evidence(
    first_a: str | None, last_a: str | None, first_b: str | None, last_b: str | None
) -> list[tuple[float, str, bool]]:
    found: list[tuple[float, str, bool]] = []
    if last_a and last_b:
        if last_a == last_b:
            found.append((SURNAME_IDENTICAL, "surname identical", True))
        elif fuzz.ratio(last_a, last_b) >= SIMILAR_NAME_RATIO:
            found.append((SURNAME_SIMILAR, f"surname similar ({last_a}/{last_b})", False))
        else:
            found.append((SURNAME_DIFFERENT, f"different surnames ({last_a}/{last_b})", False))

    if first_a and first_b:
        found.append(_first_name_evidence(first_a, first_b))
    return found


def _first_name_evidence(first_a: str, first_b: str) -> tuple[float, str, bool]:
    if first_a == first_b:
        return FIRST_NAME_IDENTICAL, "first name identical", True
    if given_names(first_a) & given_names(first_b):
        return FIRST_NAME_NICKNAME, f"first name nickname ({first_a}/{first_b})", True
    if (len(first_a) == 1 or len(first_b) == 1) and first_a[0] == first_b[0]:
        return FIRST_INITIAL, "first initial matches", False
    if fuzz.ratio(first_a, first_b) >= SIMILAR_NAME_RATIO:
        return FIRST_NAME_SIMILAR, f"first name similar ({first_a}/{first_b})", False
    return FIRST_NAME_DIFFERENT, f"different first names ({first_a}/{first_b})", False


def _compare_companies(a: LeadKeys, b: LeadKeys, evidence: _Evidence) -> None:
    people = a.has_person_name or b.has_person_name
    if a.company and b.company:
        if a.company == b.company:
            weight = SAME_COMPANY_PEOPLE if people else SAME_COMPANY_ONLY
            evidence.add(weight, f"same company ({a.company})", exact=True)
        else:
            evidence.add(DIFFERENT_COMPANIES, f"different companies ({a.company}/{b.company})")

    same_email = a.email is not None and a.email == b.email
    if a.domain and a.domain == b.domain and not same_email:
        evidence.add(SAME_DOMAIN, f"same domain {a.domain}", exact=True)


def _compare_custom(a: LeadKeys, b: LeadKeys, evidence: _Evidence) -> None:
    gain, loss = 0.0, 0.0
    agreed, similar, differing = [], [], []
    for key in sorted(a.custom.keys() & b.custom.keys()):
        value_a, value_b = a.custom[key], b.custom[key]
        if len(value_a) < MIN_CUSTOM_VALUE_LENGTH or len(value_b) < MIN_CUSTOM_VALUE_LENGTH:
            continue
        if value_a == value_b:
            gain += SAME_CUSTOM_VALUE
            agreed.append(key)
        elif fuzz.ratio(value_a, value_b) >= SIMILAR_CUSTOM_RATIO:
            gain += SIMILAR_CUSTOM_VALUE
            similar.append(key)
        else:
            loss += DIFFERENT_CUSTOM_VALUE
            differing.append(key)

    if agreed:
        evidence.add(min(gain, MAX_CUSTOM_GAIN), f"same {', '.join(agreed)}" + (f"; similar {', '.join(similar)}" if similar else ""), exact=True)
    elif similar:
        evidence.add(min(gain, MAX_CUSTOM_GAIN), f"similar {', '.join(similar)}")
    if differing:
        evidence.add(max(loss, MAX_CUSTOM_LOSS), f"different {', '.join(differing)}")
