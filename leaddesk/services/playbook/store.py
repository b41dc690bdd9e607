"""The active playbook: the shipped default, or the TOML text stored in the database."""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.paths import resources_dir
from leaddesk.services.playbook.model import Playbook
from leaddesk.services.playbook.parser import parse_playbook
from leaddesk.services.playbook.zones import is_iana_zone_name

logger = logging.getLogger(__name__)

TEAM_TIMEZONE_KEY = "team_timezone"
PLAYBOOK_TEXT_KEY = "playbook_toml"
SHIPPED_PLAYBOOK_FILE = "playbook.toml"


def shipped_playbook_text() -> str:
    return (resources_dir() / SHIPPED_PLAYBOOK_FILE).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _parse_cached(text: str, default_timezone: str, source: str) -> Playbook:
    return parse_playbook(text, source=source, default_timezone=default_timezone)


def shipped_playbook(default_timezone: str = "UTC") -> Playbook:
    return _parse_cached(shipped_playbook_text(), default_timezone, str(resources_dir() / SHIPPED_PLAYBOOK_FILE))


def system_timezone_name() -> str:
    """Return this machine's IANA timezone name, or "UTC" when it cannot be determined."""
    candidate = os.environ.get("TZ", "").lstrip(":")
    if not candidate:
        localtime = Path("/etc/localtime")
        try:
            target = str(localtime.resolve())
        except OSError:
            target = ""
        if "zoneinfo/" in target:
            candidate = target.split("zoneinfo/", 1)[1]
    if candidate:
        try:
            ZoneInfo(candidate)
            return candidate
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("ignoring unknown timezone %r; using UTC", candidate)
    return "UTC"


def team_timezone(session: Session) -> str:
    setting = session.get(Setting, TEAM_TIMEZONE_KEY)
    return setting.value if setting else system_timezone_name()


def set_team_timezone(session: Session, name: str) -> None:
    if not is_iana_zone_name(name):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin")
    _put_setting(session, TEAM_TIMEZONE_KEY, name)


def active_playbook_text(session: Session) -> str:
    """Return the stored playbook's TOML, or the shipped default when none was imported."""
    setting = session.get(Setting, PLAYBOOK_TEXT_KEY)
    return setting.value if setting else shipped_playbook_text()


def load_playbook(session: Session) -> Playbook:
    """Return the active playbook; calendars without a timezone use the team timezone.

    The stored text was valid when it was imported. If it fails now (a newer holidays
    package dropped a region, say), the shipped default applies and the error is logged.
    """
    zone = team_timezone(session)
    setting = session.get(Setting, PLAYBOOK_TEXT_KEY)
    if setting is None:
        return shipped_playbook(zone)
    try:
        return _parse_cached(setting.value, zone, "stored playbook")
    except ValueError as error:
        logger.error("the stored playbook is invalid, so the shipped default applies: %s", error)
        return shipped_playbook(zone)


def save_playbook_text(session: Session, text: str, source: str = "playbook") -> Playbook:
    """Validate text and make it the active playbook; raise PlaybookError and keep the old one if invalid."""
    playbook = parse_playbook(text, source=source, default_timezone=team_timezone(session))
    _put_setting(session, PLAYBOOK_TEXT_KEY, text)
    logger.info("playbook from %s is now active (%d segments)", source, len(playbook.segments))
    return playbook


def _put_setting(session: Session, key: str, value: str) -> None:
    setting = session.get(Setting, key)
    if setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value
