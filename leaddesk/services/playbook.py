"""The playbook: segments, their response SLAs and the team's business calendar.

This first version ships the four standard SLAs as code; only the team timezone is read
from the database. Later versions load the same structure from a TOML file.
"""

from __future__ import annotations

import enum
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from leaddesk.models import Lead, Setting
from leaddesk.services.business_calendar import BusinessCalendar

logger = logging.getLogger(__name__)

TEAM_TIMEZONE_KEY = "team_timezone"


class ClockKind(str, enum.Enum):
    AROUND_THE_CLOCK = "around_the_clock"
    BUSINESS_HOURS = "business_hours"


class BudgetKind(str, enum.Enum):
    DURATION = "duration"
    SAME_BUSINESS_DAY = "same_business_day"


@dataclass(frozen=True)
class SegmentRule:
    """A segment of leads and its response SLA.

    A lead matches when every given condition holds: its employee count lies in
    [min_employees, max_employees) and its source contains one of source_keywords
    (case-insensitive). A rule with no condition matches every lead.
    """

    key: str
    label: str
    budget_kind: BudgetKind
    clock: ClockKind
    budget: timedelta = timedelta(0)
    escalate_after: timedelta | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    source_keywords: tuple[str, ...] = ()

    def matches(self, lead: Lead) -> bool:
        if self.min_employees is not None or self.max_employees is not None:
            if lead.employee_count is None:
                return False
            if self.min_employees is not None and lead.employee_count < self.min_employees:
                return False
            if self.max_employees is not None and lead.employee_count >= self.max_employees:
                return False
        if self.source_keywords:
            source = (lead.source or "").casefold()
            if not any(keyword in source for keyword in self.source_keywords):
                return False
        return True

    def describe_sla(self) -> str:
        if self.budget_kind is BudgetKind.SAME_BUSINESS_DAY:
            return "by the end of the business day"
        minutes = int(self.budget.total_seconds() // 60)
        hours = "around the clock" if self.clock is ClockKind.AROUND_THE_CLOCK else "in business hours"
        return f"{minutes} min {hours}"


DEFAULT_SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule(
        key="enterprise_demo",
        label="Enterprise demo request",
        budget_kind=BudgetKind.DURATION,
        clock=ClockKind.AROUND_THE_CLOCK,
        budget=timedelta(minutes=5),
        min_employees=1000,
        source_keywords=("demo",),
    ),
    SegmentRule(
        key="outbound_reply",
        label="High-intent outbound reply",
        budget_kind=BudgetKind.DURATION,
        clock=ClockKind.AROUND_THE_CLOCK,
        budget=timedelta(minutes=30),
        escalate_after=timedelta(hours=1),
        source_keywords=("reply", "replied", "outbound"),
    ),
    SegmentRule(
        key="mid_market_form",
        label="Mid-market form fill",
        budget_kind=BudgetKind.DURATION,
        clock=ClockKind.BUSINESS_HOURS,
        budget=timedelta(minutes=15),
        min_employees=100,
        max_employees=1000,
        source_keywords=("form", "web", "contact", "landing", "demo", "trial", "pricing"),
    ),
    SegmentRule(
        key="general",
        label="General website visitor",
        budget_kind=BudgetKind.SAME_BUSINESS_DAY,
        clock=ClockKind.BUSINESS_HOURS,
    ),
)


@dataclass(frozen=True)
class Playbook:
    """Segments in match order (the last one is the fallback) and the team's calendar."""

    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    segments: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS

    def segment(self, key: str) -> SegmentRule:
        for rule in self.segments:
            if rule.key == key:
                return rule
        return self.segments[-1]

    def segment_for(self, lead: Lead) -> SegmentRule:
        for rule in self.segments:
            if rule.matches(lead):
                return rule
        return self.segments[-1]


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
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin") from error
    setting = session.get(Setting, TEAM_TIMEZONE_KEY)
    if setting is None:
        session.add(Setting(key=TEAM_TIMEZONE_KEY, value=name))
    else:
        setting.value = name


def load_playbook(session: Session) -> Playbook:
    return Playbook(calendar=BusinessCalendar(timezone_name=team_timezone(session)))
