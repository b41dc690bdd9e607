"""The response clock: each lead's segment, response deadline and state."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from leaddesk.models import Lead
from leaddesk.services.playbook import BudgetKind, ClockKind, Playbook, SegmentRule
from leaddesk.services.speed_to_lead import SpeedToLead, speed_to_lead  # noqa: F401  (part of this module's API)

# The lead turns amber once this share of its response budget is used.
WARN_FRACTION = 0.75


class ResponseState(str, enum.Enum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    WAITING = "waiting"
    CONTACTED = "contacted"


@dataclass(frozen=True)
class ResponseClock:
    segment: str
    due_at: datetime
    warn_at: datetime


def compute_response_clock(rule: SegmentRule, received_at: datetime, playbook: Playbook) -> ResponseClock:
    """Return when a lead of this segment received at received_at must be answered, and when it turns amber."""
    calendar = playbook.calendar
    if rule.budget_kind in (BudgetKind.SAME_BUSINESS_DAY, BudgetKind.NEXT_BUSINESS_DAY):
        clock_start = calendar.next_opening(received_at)
        if rule.budget_kind is BudgetKind.SAME_BUSINESS_DAY:
            due_at = calendar.end_of_business_day(received_at)
        else:
            due_at = calendar.end_of_next_business_day(received_at)
        budget = calendar.business_time_between(clock_start, due_at)
        warn_at = calendar.add_business_time(clock_start, budget * WARN_FRACTION)
    elif rule.clock is ClockKind.BUSINESS_HOURS:
        due_at = calendar.add_business_time(received_at, rule.budget)
        warn_at = calendar.add_business_time(received_at, rule.budget * WARN_FRACTION)
    else:
        due_at = received_at + rule.budget
        warn_at = received_at + rule.budget * WARN_FRACTION
    return ResponseClock(segment=rule.key, due_at=due_at, warn_at=warn_at)


def start_response_clock(lead: Lead, playbook: Playbook, historical: bool = False) -> None:
    """Set the lead's segment and, unless it is historical or already contacted, its deadlines.

    A segment key that a file or user set explicitly and that the playbook defines is kept;
    otherwise the first matching segment rule wins.
    """
    known = {rule.key for rule in playbook.segments}
    explicit = lead.segment if lead.segment in known and lead.segment != playbook.segments[-1].key else None
    rule = playbook.segment(explicit) if explicit else playbook.segment_for(lead)
    lead.segment = rule.key
    if historical or lead.first_contacted_at is not None:
        lead.response_due_at = None
        lead.response_warn_at = None
        return
    clock = compute_response_clock(rule, lead.received_at, playbook)
    lead.response_due_at = clock.due_at
    lead.response_warn_at = clock.warn_at


def response_state(
    first_contacted_at: datetime | None,
    response_due_at: datetime | None,
    response_warn_at: datetime | None,
    now: datetime,
) -> ResponseState:
    """Classify a lead at instant now; a lead without a deadline is waiting."""
    if first_contacted_at is not None:
        return ResponseState.CONTACTED
    if response_due_at is None:
        return ResponseState.WAITING
    if now >= response_due_at:
        return ResponseState.OVERDUE
    if response_warn_at is not None and now >= response_warn_at:
        return ResponseState.DUE_SOON
    return ResponseState.WAITING


def format_remaining(due_at: datetime, now: datetime) -> str:
    """Return "due in 4m 10s" or "overdue by 2h 5m", with the two largest units.

    At the deadline itself the lead is "overdue by 0s", as response_state classifies it.
    """
    delta = due_at - now
    overdue = delta <= timedelta(0)
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    text = " ".join(f"{value}{unit}" for value, unit in parts[:2])
    return f"overdue by {text}" if overdue else f"due in {text}"

