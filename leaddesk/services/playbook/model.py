"""The playbook's parts: segments with response SLAs and escalation ladders, calendars,
qualification rules, scoring, routing and reps. playbook.parser builds them from TOML.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook.conditions import condition_fields

if TYPE_CHECKING:
    from leaddesk.models import Lead
    from leaddesk.services.playbook.conditions import Condition, LeadFactsLike


class ClockKind(str, enum.Enum):
    AROUND_THE_CLOCK = "around_the_clock"
    BUSINESS_HOURS = "business_hours"


class BudgetKind(str, enum.Enum):
    DURATION = "duration"
    SAME_BUSINESS_DAY = "same_business_day"
    NEXT_BUSINESS_DAY = "next_business_day"


class EscalationAction(str, enum.Enum):
    REMIND_OWNER = "remind_owner"
    ALERT_TEAM_LEAD = "alert_team_lead"
    REASSIGN = "reassign"


@dataclass(frozen=True)
class EscalationStep:
    """One rung of a segment's ladder: at a share of the SLA (0.8, 1.0) or a time after arrival."""

    action: EscalationAction
    at_fraction: float | None = None
    after: timedelta | None = None

    def describe(self) -> str:
        from leaddesk.services.playbook.durations import format_duration

        if self.at_fraction is not None:
            when = "at breach" if self.at_fraction == 1 else f"at {self.at_fraction * 100:g}% of the SLA"
        else:
            when = f"{format_duration(self.after or timedelta(0))} after arrival"
        return f"{self.action.value.replace('_', ' ')} {when}"


@dataclass(frozen=True)
class SegmentRule:
    """A segment of leads and its response SLA.

    A lead matches when every given condition holds: its employee count lies in
    [min_employees, max_employees), its source contains one of source_keywords
    (case-insensitive) and condition passes. A rule with no condition matches every lead.
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
    escalation: tuple[EscalationStep, ...] = ()
    # A further condition on the lead's fields ("when" in the file); activities are not allowed.
    condition: Condition | None = None

    def matches(self, lead: Lead, facts: LeadFactsLike | None = None) -> bool:
        """Return whether lead belongs to this segment; facts is required when the rule has a condition."""
        if not self._matches_columns(lead):
            return False
        if self.condition is None:
            return True
        if facts is None:
            raise ValueError(f"segment {self.key!r} has a condition, so matches() needs the lead's facts")
        return self.condition.evaluate(facts).passed

    def _matches_columns(self, lead: Lead) -> bool:
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
        if self.budget_kind is BudgetKind.NEXT_BUSINESS_DAY:
            return "by the end of the next business day"
        minutes = int(self.budget.total_seconds() // 60)
        hours = "around the clock" if self.clock is ClockKind.AROUND_THE_CLOCK else "in business hours"
        return f"{minutes} min {hours}"


@dataclass(frozen=True)
class QualificationRule:
    """A stage ("mql" or "sql") and the condition a lead must pass to reach it."""

    stage: str
    label: str
    condition: Condition


@dataclass(frozen=True)
class FitRule:
    label: str
    points: int
    condition: Condition


@dataclass(frozen=True)
class EngagementRule:
    """Points per matching activity, halved every half-life of the activity's age."""

    label: str
    points: int
    activities: tuple[str, ...]


@dataclass(frozen=True)
class Scoring:
    fit: tuple[FitRule, ...] = ()
    engagement: tuple[EngagementRule, ...] = ()
    fit_cap: int = 50
    engagement_cap: int = 50
    half_life_days: float = 14.0
    # Minimum total per grade, best first; a total below every threshold is grade D.
    grades: tuple[tuple[str, int], ...] = (("A", 70), ("B", 50), ("C", 25))


class RoutingStrategy(str, enum.Enum):
    NAMED_ACCOUNTS = "named_accounts"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    FIXED = "fixed"


@dataclass(frozen=True)
class RoutingRule:
    name: str
    strategy: RoutingStrategy
    reps: tuple[str, ...] = ()
    condition: Condition | None = None


@dataclass(frozen=True)
class RepSettings:
    """A rep's routing settings; capacity is the maximum of open leads, None for no limit."""

    name: str
    capacity: int | None = None
    calendar: BusinessCalendar | None = None
    time_off: frozenset[date] = frozenset()


@dataclass(frozen=True)
class DuplicateSettings:
    """Score thresholds of the duplicate scan, from 0 to 1.

    Pairs scoring at least review_threshold go to the review queue. When auto_merge is on,
    groups scoring at least auto_merge_threshold merge after a scan without asking.
    """

    review_threshold: float = 0.5
    auto_merge_threshold: float = 0.9
    auto_merge: bool = False


def _shipped_segments() -> tuple[SegmentRule, ...]:
    from leaddesk.services.playbook.store import shipped_playbook

    return shipped_playbook().segments


@dataclass(frozen=True)
class Playbook:
    """Segments in match order (the last one is the fallback), calendars and the team's rules."""

    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    segments: tuple[SegmentRule, ...] = field(default_factory=_shipped_segments)
    qualification: tuple[QualificationRule, ...] = ()
    scoring: Scoring = field(default_factory=Scoring)
    routing: tuple[RoutingRule, ...] = ()
    # Lower-case domain or company name -> rep name.
    named_accounts: dict[str, str] = field(default_factory=dict)
    # Whether leads that arrive without an owner (typed in or imported) are routed at once.
    assign_new_leads: bool = True
    reps: dict[str, RepSettings] = field(default_factory=dict)
    team_lead: str | None = None
    customer_domains: frozenset[str] = frozenset()
    customer_companies: frozenset[str] = frozenset()
    # None when the file has no [duplicates] section, so the defaults of DuplicateSettings apply.
    duplicates: DuplicateSettings | None = None

    def segment(self, key: str) -> SegmentRule:
        for rule in self.segments:
            if rule.key == key:
                return rule
        return self.segments[-1]

    def segment_for(self, lead: Lead) -> SegmentRule:
        facts = None
        if any(rule.condition is not None for rule in self.segments):
            from leaddesk.services.lead_facts import LeadFacts

            facts = LeadFacts(lead, self, lead.received_at or datetime.now(timezone.utc))
        for rule in self.segments:
            if rule.matches(lead, facts):
                return rule
        return self.segments[-1]

    @functools.cached_property
    def segment_input_columns(self) -> tuple[str, ...]:
        """Return the Lead columns that decide a lead's segment, for callers that memoize segments."""
        from leaddesk.services.lead_facts import FIELD_COLUMNS

        columns = ["employee_count", "source"]
        for rule in self.segments:
            for name in condition_fields(rule.condition):
                for column in FIELD_COLUMNS.get(name, ("custom_fields",)):
                    if column not in columns:
                        columns.append(column)
        return tuple(columns)

    @property
    def routes_new_leads(self) -> bool:
        """Return whether new leads without an owner are routed on arrival: routing rules exist and assign_new_leads is on."""
        return bool(self.routing) and self.assign_new_leads

    def rep_calendar(self, rep_name: str) -> BusinessCalendar:
        settings = self.reps.get(rep_name)
        return settings.calendar if settings and settings.calendar else self.calendar
