"""Hints below the review threshold for the lead being typed: a known e-mail, phone or full name.

The scan's score weighs a phone or a full name below the review threshold on purpose,
because two leads sharing only one of them are often two people. While a lead is typed,
though, the user should hear about a stored lead with that exact value before saving a
copy of it, so the hint uses these rules beside the score.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from leaddesk.services.dedup.national_phones import same_national_number
from leaddesk.services.dedup.scoring import Evidence, LeadKeys, reasons_of

NAME_ONLY_REASON = "same name"


@dataclass(frozen=True)
class IdentityHint:
    """The reasons for hinting a stored lead whose score is below the review threshold."""

    reasons: tuple[str, ...]
    # True when the full name is the only evidence, so the hint should read as weaker.
    name_only: bool


def identity_hint(
    probe: LeadKeys, stored: LeadKeys, evidence: list[Evidence], probe_keys: Collection[str], common_keys: Collection[str]
) -> IdentityHint | None:
    """Return a hint when probe and stored share an e-mail, a phone (also as a national number) or an exact full name, else None.

    A phone or a name whose blocking key is in common_keys (a switchboard, "John Smith")
    gives no hint alone. A name gives none either when any other typed value contradicts
    the stored lead, such as another e-mail or another company.
    """
    if probe.email and probe.email == stored.email:
        return IdentityHint(reasons_of(evidence), name_only=False)
    if probe.phone and probe.phone == stored.phone and f"p:{probe.phone}" not in common_keys:
        return IdentityHint(reasons_of(evidence), name_only=False)
    national = same_national_number(probe.phone, stored.phone) if probe.phone and stored.phone else None
    if national is not None and f"q:{national}" not in common_keys:
        return IdentityHint(reasons_of(evidence), name_only=False)

    if not _same_exact_name(probe, stored):
        return None
    name_keys = [key for key in probe_keys if key.startswith("n:")]
    if any(key in common_keys for key in name_keys):
        return None
    if any(weight < 0 for weight, _template, _arguments, _exact in evidence):
        return None
    return IdentityHint((NAME_ONLY_REASON,), name_only=True)


def _same_exact_name(probe: LeadKeys, stored: LeadKeys) -> bool:
    """Return whether both leads have a given name and a surname, folded equal as typed or swapped."""
    if not (probe.first_name and probe.last_name and stored.first_name and stored.last_name):
        return False
    straight = probe.first_name == stored.first_name and probe.last_name == stored.last_name
    swapped = probe.first_name == stored.last_name and probe.last_name == stored.first_name
    return straight or swapped
