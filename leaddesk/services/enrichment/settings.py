"""The team's default phone region, used for numbers typed without "+" on leads without a country."""

from __future__ import annotations

import logging

import phonenumbers
from sqlalchemy.orm import Session

from leaddesk.models import Setting

logger = logging.getLogger(__name__)

DEFAULT_REGION_KEY = "team_default_region"


class DefaultRegionError(ValueError):
    """A default region that is not an ISO 3166 code that phonenumbers supports."""


def load_default_region(session: Session) -> str | None:
    """Return the team's default region code, or None when unset or invalid.

    An invalid stored value is logged and ignored, so enrichment still runs with each
    lead's own country.
    """
    setting = session.get(Setting, DEFAULT_REGION_KEY)
    if setting is None or not setting.value.strip():
        return None
    try:
        return check_region(setting.value)
    except DefaultRegionError as error:
        logger.warning("ignoring the setting %s: %s", DEFAULT_REGION_KEY, error)
        return None


def save_default_region(session: Session, region: str | None) -> None:
    """Store the default region ("GB", "us"), or remove it with None. Raises DefaultRegionError."""
    existing = session.get(Setting, DEFAULT_REGION_KEY)
    if region is None or not region.strip():
        if existing is not None:
            session.delete(existing)
        return
    session.merge(Setting(key=DEFAULT_REGION_KEY, value=check_region(region)))


def check_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise DefaultRegionError(
            f"invalid default region {region!r}; use a two-letter ISO 3166 country code such as GB, US or DE"
        )
    return code
