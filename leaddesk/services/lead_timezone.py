"""A lead's local timezone, from its phone number, its city or region, its country, or the team's zone.

A phone number or country that spans several UTC offsets (an Australian mobile, the
United States) does not pick one of them. The lead's city or region decides. Without one,
the zone is uncertain, so the team's zone is used and the returned source text says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

from leaddesk.models import Lead
from leaddesk.services.dedup.normalize import region_of_country
from leaddesk.services.place_timezone import country_zones, place_zone

# phonenumbers returns this when a number maps to no zone.
UNKNOWN_ZONE = "Etc/Unknown"
# Zones count as one when their UTC offsets agree at these two instants, a winter and a summer
# day of either hemisphere ("Europe/Berlin" and "Europe/Busingen").
OFFSET_PROBES = (datetime(2026, 1, 15, 12, tzinfo=timezone.utc), datetime(2026, 7, 15, 12, tzinfo=timezone.utc))


@dataclass(frozen=True)
class LeadZone:
    name: str
    # Source of the zone, written for the suggestion's reasons.
    source: str
    # False when the lead's phone or country spans several UTC offsets, so the team's zone is used.
    certain: bool = True


def lead_zone(lead: Lead, team_zone: str) -> LeadZone:
    """Return the lead's IANA zone and where it came from."""
    derived = getattr(lead, "derived_timezone", None)
    if derived and _valid(derived):
        return LeadZone(derived, "from the phone number")

    phone_region, phone_zones = _zones_from_phone(lead.phone, getattr(lead, "derived_country_code", None))
    if phone_zones and _single_offset(phone_zones):
        return LeadZone(phone_zones[0], "from the phone number")

    country_code = getattr(lead, "derived_country_code", None) or region_of_country(lead.country) or phone_region
    if country_code:
        for place in (lead.city, lead.region, getattr(lead, "derived_region", None)):
            from_place = place_zone(country_code, place)
            if from_place is not None and _valid(from_place):
                return LeadZone(from_place, f"from the city or region ({place}, {country_code})")

    if phone_zones:
        return LeadZone(
            team_zone,
            f"uncertain: the phone number spans {_offset_count(phone_zones)} UTC offsets and no city or region "
            "is known, so the team's timezone is used",
            certain=False,
        )

    if country_code:
        zones = [zone for zone in country_zones(country_code) if _valid(zone)]
        if zones and _single_offset(zones):
            return LeadZone(zones[0], f"from the country ({country_code})")
        if zones:
            return LeadZone(
                team_zone,
                f"uncertain: the country ({country_code}) spans {_offset_count(zones)} UTC offsets and no city or "
                "region is known, so the team's timezone is used",
                certain=False,
            )
    return LeadZone(team_zone, "unknown, so the team's timezone is used")


def _zones_from_phone(phone: str | None, region: str | None) -> tuple[str | None, list[str]]:
    """Return the number's ISO region and its valid zones, or (None, []) when it does not parse."""
    if not phone:
        return None, []
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None, []
    zones = [zone for zone in phone_timezone.time_zones_for_number(number) if zone != UNKNOWN_ZONE and _valid(zone)]
    return phonenumbers.region_code_for_number(number), zones


def _offsets(zone: str) -> tuple[timedelta | None, ...]:
    return tuple(probe.astimezone(ZoneInfo(zone)).utcoffset() for probe in OFFSET_PROBES)


def _offset_count(zones: list[str]) -> int:
    return len({_offsets(zone) for zone in zones})


def _single_offset(zones: list[str]) -> bool:
    return _offset_count(zones) == 1


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
