"""Per-user notification settings: whose events to show and the quiet hours, stored in the settings table."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.local_time import resolve_wall_time, zone

logger = logging.getLogger(__name__)


class Scope(str, enum.Enum):
    """Whose follow-ups and deadlines a user is notified about."""

    MINE = "mine"
    TEAM = "team"


@dataclass(frozen=True)
class NotifyPreferences:
    """One user's settings. quiet_start == quiet_end means no quiet hours."""

    user: str
    scope: Scope = Scope.TEAM
    # The rep whose leads and follow-ups are "mine"; with no rep, MINE matches nothing.
    rep_name: str | None = None
    quiet_start: time = time(0, 0)
    quiet_end: time = time(0, 0)
    zone_name: str = "UTC"

    def quiet_until(self, now: datetime) -> datetime | None:
        """Return when the quiet hours around now end (a UTC instant), or None when now is not quiet.

        Quiet hours may span midnight, such as 22:00 to 07:00, and are read in zone_name.
        """
        if self.quiet_start == self.quiet_end:
            return None
        tz = zone(self.zone_name)
        local = now.astimezone(tz)
        wall = local.time().replace(tzinfo=None)
        if self.quiet_start < self.quiet_end:
            quiet = self.quiet_start <= wall < self.quiet_end
            end_day = local.date()
        else:
            quiet = wall >= self.quiet_start or wall < self.quiet_end
            end_day = local.date() + timedelta(days=1) if wall >= self.quiet_start else local.date()
        if not quiet:
            return None
        end_wall = datetime.combine(end_day, self.quiet_end)
        end = resolve_wall_time(end_wall, tz)
        if end <= now:
            # On the autumn night the end time exists twice. During the repeated hour its first
            # occurrence is already past, so the quiet hours end at the second one.
            end = end_wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
        if end <= now:
            logger.warning("quiet hours of %s end at %s, not after %s; treating now as not quiet", self.user, end, now)
            return None
        return end


def _key(user: str, name: str) -> str:
    return f"notify:{user}:{name}"


def load_preferences(session: Session, user: str, default_zone: str) -> NotifyPreferences:
    """Read the user's settings, falling back to the defaults for missing or invalid values."""
    values = {name: session.get(Setting, _key(user, name)) for name in ("scope", "rep", "quiet", "zone")}
    scope = Scope.TEAM
    if values["scope"] is not None:
        try:
            scope = Scope(values["scope"].value)
        except ValueError:
            logger.warning("ignoring invalid notify scope %r for %s; using team", values["scope"].value, user)
    quiet_start = quiet_end = time(0, 0)
    if values["quiet"] is not None:
        try:
            quiet_start, quiet_end = parse_quiet_hours(values["quiet"].value)
        except ValueError as error:
            logger.warning("ignoring quiet hours for %s: %s", user, error)
    zone_name = values["zone"].value if values["zone"] is not None else default_zone
    return NotifyPreferences(
        user=user,
        scope=scope,
        rep_name=values["rep"].value if values["rep"] is not None else None,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        zone_name=zone_name,
    )


def save_preferences(session: Session, preferences: NotifyPreferences) -> None:
    zone(preferences.zone_name)
    values = {
        "scope": preferences.scope.value,
        "quiet": f"{preferences.quiet_start:%H:%M}-{preferences.quiet_end:%H:%M}",
        "zone": preferences.zone_name,
    }
    if preferences.rep_name:
        values["rep"] = preferences.rep_name
    for name, value in values.items():
        session.merge(Setting(key=_key(preferences.user, name), value=value))
    if not preferences.rep_name:
        existing = session.get(Setting, _key(preferences.user, "rep"))
        if existing is not None:
            session.delete(existing)
    session.flush()


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """Parse "22:00-07:00" into two times, or raise ValueError naming the text and the format."""
    try:
        start_text, end_text = text.split("-")
        return time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as error:
        raise ValueError(f"invalid quiet hours {text!r}; expected HH:MM-HH:MM such as 22:00-07:00") from error
