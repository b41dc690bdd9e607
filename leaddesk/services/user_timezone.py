"""Each user's own timezone: it decides the local date of the inbox, reminders and date-only follow-ups.

It defaults to this machine's timezone. The team timezone (playbook.store) is separate,
because it sets business hours, while a user travelling or working remotely reads dates in
their own zone.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.local_time import LocalTimeError, zone
from leaddesk.services.playbook import system_timezone_name
from leaddesk.services.playbook.zones import is_iana_zone_name

logger = logging.getLogger(__name__)


def user_timezone_key(user: str) -> str:
    return f"user:{user}:timezone"


def _notify_zone_key(user: str) -> str:
    # The key of notifications.preferences, whose quiet hours and date-only reminders read this zone.
    return f"notify:{user}:zone"


def user_timezone(session: Session, user: str) -> str:
    """Return the user's IANA timezone: the stored one, else the one of their reminder settings, else this machine's."""
    return stored_user_timezone(session, user) or current_system_timezone()


def stored_user_timezone(session: Session, user: str) -> str | None:
    """Return the timezone the user chose, or None when they follow this machine's timezone."""
    for key in (user_timezone_key(user), _notify_zone_key(user)):
        setting = session.get(Setting, key)
        if setting is None:
            continue
        try:
            zone(setting.value)
            return setting.value
        except LocalTimeError:
            logger.warning("ignoring unknown timezone %r in setting %s", setting.value, key)
    return None


def current_system_timezone() -> str:
    """Re-read this machine's timezone from TZ and /etc/localtime, so a change while the app runs is seen.

    time.tzset() runs first, so that time.localtime() and naive local times follow the new zone too.
    """
    if hasattr(time, "tzset"):
        # Windows has no tzset(), and Python there reads the zone at start only.
        time.tzset()
    return system_timezone_name()


def set_user_timezone(session: Session, user: str, name: str) -> None:
    """Store name as the user's timezone, for the inbox and reminders; raise ValueError for an unknown zone."""
    name = name.strip()
    if not is_iana_zone_name(name):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin")
    for key in (user_timezone_key(user), _notify_zone_key(user)):
        session.merge(Setting(key=key, value=name))
    session.flush()
    logger.info("timezone of user %s set to %s", user, name)
