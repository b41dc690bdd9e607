"""The timezone of a place inside a country that spans several zones, from offline tables.

Only the United States, Canada and Australia have tables of states, provinces and large
cities. Elsewhere, and for a place not in the tables, a city whose name is the last part of
one of the country's zone names ("Perth" in Australia/Perth) still matches. A state that
spans two zones maps to the zone most of its people live in, so a lead in the other part
gets a zone one hour off.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

_EASTERN, _CENTRAL, _MOUNTAIN, _ARIZONA = "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix"
_PACIFIC, _ALASKA, _HAWAII = "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"

_US_STATES = {
    _EASTERN: (
        "CT connecticut", "DE delaware", "DC district of columbia", "FL florida", "GA georgia", "IN indiana",
        "KY kentucky", "ME maine", "MD maryland", "MA massachusetts", "MI michigan", "NH new hampshire",
        "NJ new jersey", "NY new york", "NC north carolina", "OH ohio", "PA pennsylvania", "RI rhode island",
        "SC south carolina", "VT vermont", "VA virginia", "WV west virginia",
    ),
    _CENTRAL: (
        "AL alabama", "AR arkansas", "IL illinois", "IA iowa", "KS kansas", "LA louisiana", "MN minnesota",
        "MS mississippi", "MO missouri", "NE nebraska", "ND north dakota", "OK oklahoma", "SD south dakota",
        "TN tennessee", "TX texas", "WI wisconsin",
    ),
    _MOUNTAIN: ("CO colorado", "ID idaho", "MT montana", "NM new mexico", "UT utah", "WY wyoming"),
    _ARIZONA: ("AZ arizona",),
    _PACIFIC: ("CA california", "NV nevada", "OR oregon", "WA washington"),
    _ALASKA: ("AK alaska",),
    _HAWAII: ("HI hawaii",),
}
_US_CITIES = {
    _EASTERN: (
        "new york city", "brooklyn", "boston", "philadelphia", "atlanta", "miami", "orlando",
        "tampa", "charlotte", "pittsburgh", "baltimore", "columbus", "cleveland", "indianapolis", "raleigh",
        "jacksonville", "buffalo", "newark",
    ),
    _CENTRAL: (
        "chicago", "houston", "dallas", "austin", "san antonio", "fort worth", "nashville", "memphis",
        "minneapolis", "st louis", "saint louis", "kansas city", "milwaukee", "new orleans", "oklahoma city",
    ),
    _MOUNTAIN: ("denver", "salt lake city", "boulder", "albuquerque", "el paso", "boise"),
    _ARIZONA: ("phoenix", "tucson", "scottsdale", "tempe", "mesa"),
    _PACIFIC: (
        "san francisco", "los angeles", "san diego", "san jose", "seattle", "portland", "las vegas",
        "sacramento", "oakland", "palo alto", "mountain view", "menlo park", "sunnyvale", "santa clara",
        "berkeley", "irvine", "redmond", "bellevue",
    ),
    _ALASKA: ("anchorage", "fairbanks"),
    _HAWAII: ("honolulu",),
}
_CA_PROVINCES = {
    "America/St_Johns": ("NL newfoundland and labrador", "newfoundland"),
    "America/Halifax": ("NS nova scotia", "PE prince edward island", "halifax"),
    "America/Moncton": ("NB new brunswick",),
    "America/Toronto": ("ON ontario", "QC quebec", "toronto", "ottawa", "montreal", "quebec city"),
    "America/Winnipeg": ("MB manitoba", "winnipeg"),
    "America/Regina": ("SK saskatchewan", "regina", "saskatoon"),
    "America/Edmonton": ("AB alberta", "NT northwest territories", "calgary", "edmonton"),
    "America/Vancouver": ("BC british columbia", "vancouver", "victoria"),
    "America/Whitehorse": ("YT yukon",),
    "America/Iqaluit": ("NU nunavut",),
}
_AU_STATES = {
    "Australia/Sydney": ("NSW new south wales", "ACT australian capital territory", "canberra", "newcastle"),
    "Australia/Melbourne": ("VIC victoria", "geelong"),
    "Australia/Brisbane": ("QLD queensland", "gold coast", "cairns"),
    "Australia/Adelaide": ("SA south australia",),
    "Australia/Perth": ("WA western australia",),
    "Australia/Darwin": ("NT northern territory",),
    "Australia/Hobart": ("TAS tasmania",),
}


def _index(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each folded name, and each leading upper-case code ("CA california"), to its zone."""
    index = {}
    for zone, entries in groups.items():
        for entry in entries:
            code, _space, name = entry.partition(" ")
            if code.isupper() and name:
                index[code.lower()] = zone
                index[name] = zone
            else:
                index[entry] = zone
    return index


_PLACES = {
    "US": {**_index(_US_STATES), **_index(_US_CITIES)},
    "CA": _index(_CA_PROVINCES),
    "AU": _index(_AU_STATES),
}


def fold(text: str | None) -> str:
    """Lower-case text without accents, dots or extra spaces ("St. Louis" -> "st louis")."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(plain.replace(".", " ").replace("_", " ").lower().split())


@lru_cache(maxsize=None)
def country_zones(country_code: str) -> tuple[str, ...]:
    """Return the IANA zones of an ISO 3166 country, from the tzdata package's zone.tab."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones = []
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if fields[0] == country_code.upper():
            zones.append(fields[2])
    return tuple(zones)


def place_zone(country_code: str, *places: str | None) -> str | None:
    """Return the zone of the first place (region, city, or "San Francisco, CA") found, or None.

    Each place is tried whole and then by its comma-separated parts, so the state code in
    "San Francisco, CA" matches too.
    """
    table = _PLACES.get(country_code.upper(), {})
    by_city = {fold(zone.rsplit("/", 1)[-1]): zone for zone in country_zones(country_code)}
    for place in places:
        candidates = [fold(place)] + [fold(part) for part in (place or "").split(",")[::-1]]
        for candidate in candidates:
            if not candidate:
                continue
            zone = table.get(candidate) or by_city.get(candidate)
            if zone is not None:
                return zone
    return None
