"""IANA timezone names that a user or playbook may choose."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

# Files of the tz database that zoneinfo loads but that name no region. "localtime" is a
# link to this machine's zone, so it would mean another zone on each teammate's machine.
NOT_REGION_NAMES = frozenset({"localtime", "posixrules", "Factory"})


@functools.lru_cache(maxsize=1)
def iana_zone_names() -> frozenset[str]:
    """Return the region names of the installed tz database, such as "Europe/Berlin" and "UTC"."""
    return frozenset(available_timezones()) - NOT_REGION_NAMES


def is_iana_zone_name(name: str) -> bool:
    return name in iana_zone_names()
