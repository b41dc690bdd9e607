"""A lead's local timezone, from its phone number, then its country, then the team's zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

from leaddesk.models import Lead

# phonenumbers returns this when a number maps to no zone.
UNKNOWN_ZONE = "Etc/Unknown"


@dataclass(frozen=True)
class LeadZone:
    name: str
    # Source of the zone, written for the suggestion's reasons.
    source: str


def lead_zone(lead: Lead, team_zone: str) -> LeadZone:
    """Return the lead's IANA zone and where it came from.

    A number or country that spans several zones (the United States, Australia) gives
    the first zone phonenumbers lists, so the result is an estimate there.
    """
    derived = getattr(lead, "derived_timezone", None)
    if derived and _valid(derived):
        return LeadZone(derived, "from the phone number")
    from_phone = _zone_from_phone(lead.phone, getattr(lead, "derived_country_code", None))
    if from_phone is not None:
        return LeadZone(from_phone, "from the phone number")
    country_code = getattr(lead, "derived_country_code", None) or _country_code(lead.country)
    from_country = _zone_from_country(country_code)
    if from_country is not None:
        return LeadZone(from_country, f"from the country ({country_code})")
    return LeadZone(team_zone, "unknown, so the team's timezone is used")


def _zone_from_phone(phone: str | None, region: str | None) -> str | None:
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    zones = [zone for zone in phone_timezone.time_zones_for_number(number) if zone != UNKNOWN_ZONE]
    return zones[0] if zones and _valid(zones[0]) else None


def _zone_from_country(country_code: str | None) -> str | None:
    if not country_code:
        return None
    example = phonenumbers.example_number(country_code.upper())
    if example is None:
        return None
    zones = [zone for zone in phone_timezone.time_zones_for_geographical_number(example) if zone != UNKNOWN_ZONE]
    return zones[0] if zones and _valid(zones[0]) else None


def _country_code(country: str | None) -> str | None:
    """Return country when it already is a two-letter ISO code ("DE", "jp"), else None."""
    if country and len(country.strip()) == 2 and country.strip().isalpha():
        return country.strip().upper()
    return None


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
