"""Leading indicators: open leads by response state, overdue follow-ups and leads with no next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leaddesk.models.lead import CLOSED_STAGES
from leaddesk.services.reporting.facts import LeadFact
from leaddesk.services.sla import ResponseState

CONTACTED = ResponseState.CONTACTED.value
WAITING = ResponseState.WAITING.value
OVERDUE = ResponseState.OVERDUE.value
DUE_SOON = ResponseState.DUE_SOON.value


@dataclass(frozen=True)
class LeadingIndicators:
    open_leads: int
    # ResponseState value -> open leads in that state.
    by_sla_state: dict[str, int]
    leads_with_overdue_follow_ups: int
    overdue_follow_ups: int
    # Open leads with no open follow-up planned.
    no_next_step: int

    def to_json(self) -> dict:
        return {
            "open_leads": self.open_leads,
            "by_sla_state": self.by_sla_state,
            "leads_with_overdue_follow_ups": self.leads_with_overdue_follow_ups,
            "overdue_follow_ups": self.overdue_follow_ups,
            "no_next_step": self.no_next_step,
        }


def leading_indicators(facts: list[LeadFact], now: datetime) -> LeadingIndicators:
    by_state = {state.value: 0 for state in ResponseState}
    open_leads = with_overdue = overdue = no_next_step = 0
    for fact in facts:
        if fact.stage in CLOSED_STAGES:
            continue
        open_leads += 1
        # The same rules as sla.response_state, inlined because this runs once per open lead.
        if fact.first_contacted_at is not None:
            state = CONTACTED
        elif fact.response_due_at is None:
            state = WAITING
        elif now >= fact.response_due_at:
            state = OVERDUE
        elif fact.response_warn_at is not None and now >= fact.response_warn_at:
            state = DUE_SOON
        else:
            state = WAITING
        by_state[state] += 1
        if fact.overdue_follow_ups:
            with_overdue += 1
            overdue += fact.overdue_follow_ups
        if fact.next_follow_up_at is None:
            no_next_step += 1
    return LeadingIndicators(open_leads, by_state, with_overdue, overdue, no_next_step)
