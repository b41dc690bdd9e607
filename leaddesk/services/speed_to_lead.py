"""Speed to lead: the time from a lead's arrival to its first contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from leaddesk.services.business_calendar import BusinessCalendar


@dataclass(frozen=True)
class SpeedToLead:
    """Time from arrival to first contact, as wall time and as open business time."""

    wall: timedelta
    business: timedelta


def speed_to_lead(received_at: datetime, first_contacted_at: datetime, calendar: BusinessCalendar) -> SpeedToLead:
    # Subtract in UTC, because Python subtracts two datetimes of one zone by wall time.
    return SpeedToLead(
        wall=first_contacted_at.astimezone(timezone.utc) - received_at.astimezone(timezone.utc),
        business=calendar.business_time_between(received_at, first_contacted_at),
    )
