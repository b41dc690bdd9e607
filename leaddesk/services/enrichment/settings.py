"""The team's default phone region, used for numbers typed without "+" on leads without a country."""

from __future__ import annotations

import logging

import phonenumbers
from sqlalchemy import update
from sqlalchemy.orm import Session

from leaddesk.models import Lead, Setting

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
    """Store the default region ("GB", "us"), or remove it with None. Raises DefaultRegionError.

    A change marks the derived values of every lead with a phone as stale, because the
    region decides how a phone without "+" is read. The next refresh_derived recomputes them.
    """
    existing = session.get(Setting, DEFAULT_REGION_KEY)
    code = check_region(region) if region is not None and region.strip() else None
    if (existing.value if existing is not None else None) == code:
        return

    if code is None:
        session.delete(existing)
    else:
        session.merge(Setting(key=DEFAULT_REGION_KEY, value=code))
    stale = update(Lead).where(Lead.phone.is_not(None)).values(derived_version=None, updated_at=Lead.updated_at)
    session.execute(stale.execution_options(synchronize_session=False))


def check_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise DefaultRegionError(
            f"invalid default region {region!r}; use a two-letter ISO 3166 country code such as GB, US or DE"
        )
    return code
