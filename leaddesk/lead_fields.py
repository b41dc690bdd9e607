"""Lead field names and the phone match key, without the database layer.

The models re-export these names. They live outside leaddesk.models so that the process
that converts an import's rows (services/importing/worker.py) can use them without
loading SQLAlchemy and every table class, which took most of that process's start-up.
"""

from __future__ import annotations

import re

# Plain-text columns that import, export and the detail view share, in display order.
NAME_FIELDS = ("first_name", "last_name", "full_name")
COMPANY_AND_PLACE_FIELDS = (
    "company",
    "title",
    "website",
    "domain",
    "linkedin_url",
    "city",
    "region",
    "country",
    "industry",
)

# A phone with fewer digits than this (an extension, a typo such as "0") never matches another lead.
MIN_PHONE_MATCH_DIGITS = 7

_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(phone: str | None) -> str | None:
    """Return the phone's digits for matching, or None when it has fewer than MIN_PHONE_MATCH_DIGITS.

    "+1 (555) 010-2030" and "1.555.010.2030" both become "15550102030". A number written
    with and without its country code gives two different keys.
    """
    if not phone:
        return None
    digits = _NON_DIGITS.sub("", phone)
    return digits if len(digits) >= MIN_PHONE_MATCH_DIGITS else None
