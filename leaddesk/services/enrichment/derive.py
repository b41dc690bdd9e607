"""All derived values of one lead, from its typed fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leaddesk.services.dedup.normalize import region_of_country
from leaddesk.services.enrichment.completeness import completeness
from leaddesk.services.enrichment.department import department_of_title
from leaddesk.services.enrichment.mail_domain import mail_domain
from leaddesk.services.enrichment.phone_geo import NO_GEO, geo_of_e164, parse_to_e164
from leaddesk.services.enrichment.seniority import seniority_of_title


def phone_region(country: str | None, team_region: str | None) -> str | None:
    """Return the region to read a phone without "+" in: the lead's country, else the team default."""
    return region_of_country(country) or team_region


def derive_values(fields: Mapping[str, Any], team_region: str | None = None, e164: str | None = None) -> dict[str, Any]:
    """Return the derived columns (enrichment.DERIVED_COLUMNS) of a mapping of lead fields.

    e164 is the phone already parsed by the caller (the dedup match key), which saves a
    second parse. Without it the phone is parsed in phone_region(country, team_region).
    """
    mail = mail_domain(fields.get("email"))

    if e164 is None:
        e164 = parse_to_e164(fields.get("phone"), phone_region(fields.get("country"), team_region))
    geo = geo_of_e164(e164) if e164 else NO_GEO

    title = fields.get("title")
    level = seniority_of_title(title)
    return {
        "derived_domain": mail.company_domain,
        "is_free_mail": mail.is_free_mail,
        "derived_country": geo.country,
        "derived_country_code": geo.country_code,
        "derived_region": geo.region,
        "derived_timezone": geo.timezone,
        "seniority": level.key if level else None,
        "seniority_rank": level.rank if level else None,
        "department": department_of_title(title),
        "completeness": completeness(fields),
    }
