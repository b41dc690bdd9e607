"""Country, area and timezone of a phone number, from phonenumbers' offline data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import importlib
from types import ModuleType

import phonenumbers

# Display language of country and area names.
LANGUAGE = "en"

# Digits at the end of an E.164 number that are left out of the cache key. The geocoder and
# timezone tables key on prefixes, and validity patterns almost always end in a run of free
# digits, so numbers that differ only in their last digits share one result.
# NOTE: this is a speed trade-off, not a guarantee. bench/enrich_bench.py counts how many
# numbers get a different result than an uncached lookup.
CACHE_MASKED_DIGITS = 4

# Calling codes that several countries share without a main one, so an invalid number
# there gives no country (+1 is the United States, Canada and the Caribbean).
SHARED_CALLING_CODES = frozenset({1})

# Bound on cached prefixes; the cache is emptied when it grows past this.
CACHE_MAX_ENTRIES = 200_000

_UNKNOWN_TIMEZONE = "Etc/Unknown"


@lru_cache(maxsize=None)
def _phone_data(name: str) -> ModuleType:
    """Load phonenumbers' geocoder or timezone tables on first use.

    The geocoder's area names take about 100 MiB, so an import loads them only when the
    post-import job enriches its leads, not while it reads and writes the file.
    """
    return importlib.import_module(f"phonenumbers.{name}")


@dataclass(frozen=True)
class PhoneGeo:
    """Location of a lead as its phone number gives it. Every field may be None."""

    country: str | None = None
    # ISO 3166-1 alpha-2, such as "GB".
    country_code: str | None = None
    # City or area below the country ("San Francisco, CA", "London"); None when the data names only the country.
    region: str | None = None
    # IANA name; None when the number spans several timezones.
    timezone: str | None = None


NO_GEO = PhoneGeo()

_cache: dict[tuple[str, int], PhoneGeo] = {}


# Distinct (phone as typed, region) pairs whose parse is kept. Copies of a lead and leads of
# one company often repeat a number, and parsing is the costly part of a phone's enrichment.
PARSE_CACHE_SIZE = 65_536


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_to_e164(phone: str | None, default_region: str | None) -> str | None:
    """Return the phone in E.164, read in default_region when it has no "+", or None when it is not a possible number.

    Cached by the raw value and region, so each distinct number is parsed once while it stays in the cache.
    """
    if not phone or not phone.strip():
        return None
    try:
        parsed = phonenumbers.parse(phone.strip().lstrip("'"), default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def geo_of_e164(e164: str) -> PhoneGeo:
    """Return the country, area and timezone of an E.164 number, cached by its prefix."""
    key = (e164[:-CACHE_MASKED_DIGITS], len(e164)) if len(e164) > CACHE_MASKED_DIGITS + 4 else (e164, 0)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= CACHE_MAX_ENTRIES:
            _cache.clear()
        found = _cache[key] = lookup_geo(e164)
    return found


def lookup_geo(e164: str) -> PhoneGeo:
    """Return the country, area and timezone of one E.164 number, without the cache.

    A valid number gets all three where the data has them. A number that is possible but
    not valid (an unassigned or fictional range such as +44 7700 900xxx) gets only the
    main country of its calling code, and nothing for SHARED_CALLING_CODES.
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return NO_GEO

    if not phonenumbers.is_valid_number(parsed):
        if parsed.country_code in SHARED_CALLING_CODES:
            return NO_GEO
        main_region = phonenumbers.region_code_for_country_code(parsed.country_code)
        country = _country_name_of_region(main_region)
        return PhoneGeo(country=country, country_code=main_region) if country else NO_GEO

    # A number valid in several countries, such as a +1 800 toll-free one, has no country.
    country = _phone_data("geocoder").country_name_for_number(parsed, LANGUAGE) or None
    country_code = phonenumbers.region_code_for_number(parsed) if country else None
    area = _phone_data("geocoder").description_for_valid_number(parsed, LANGUAGE) or None
    if area == country:
        area = None
    zones = [zone for zone in _phone_data("timezone").time_zones_for_number(parsed) if zone != _UNKNOWN_TIMEZONE]
    return PhoneGeo(
        country=country,
        country_code=country_code,
        region=area,
        timezone=zones[0] if len(zones) == 1 else None,
    )


def clear_cache() -> None:
    _cache.clear()
    parse_to_e164.cache_clear()


@lru_cache(maxsize=None)
def _country_name_of_region(region_code: str) -> str | None:
    """Return the English name of a region code, read through its example number."""
    example = phonenumbers.example_number(region_code)
    if example is None:
        return None
    return _phone_data("geocoder").country_name_for_number(example, LANGUAGE) or None
