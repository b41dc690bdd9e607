"""Everything the playbook decides about one lead, in plain words: segment, SLA, qualification,
score, routing and the next escalation step. Nothing is stored or assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from leaddesk.models import Lead, LeadEvaluation
from leaddesk.services.escalation import next_step
from leaddesk.services.playbook import BudgetKind, ClockKind, Playbook
from leaddesk.services.playbook.durations import format_duration
from leaddesk.services.qualification import Qualification, qualify
from leaddesk.services.routing import RoutingDecision, route_lead
from leaddesk.services.scoring import Score, score_lead
from leaddesk.services.sla import format_remaining, response_state, speed_to_lead


@dataclass(frozen=True)
class LeadExplanation:
    lead: Lead
    segment_lines: list[str]
    qualification: Qualification
    score: Score
    routing: RoutingDecision
    escalation_line: str

    def lines(self) -> list[str]:
        return [
            f"lead {self.lead.id}: {self.lead.display_name}",
            *self.segment_lines,
            *self.qualification.describe(),
            *self.score.describe(),
            *self.routing.describe(),
            self.escalation_line,
        ]

    def to_json(self) -> dict:
        return {
            "lead_id": str(self.lead.id),
            "name": self.lead.display_name,
            "segment": self.lead.segment,
            "sla": self.segment_lines,
            "qualification": {"stage": self.qualification.stage, "rules": self.qualification.to_json()},
            "score": {
                "total": self.score.effective,
                "computed": self.score.total,
                "fit": self.score.fit,
                "engagement": self.score.engagement,
                "grade": self.score.grade,
                "override": self.score.override,
                "parts": [part.to_json() for part in self.score.parts],
            },
            "routing": self.routing.to_json(),
            "escalation": self.escalation_line,
        }


def explain_lead(session: Session, lead: Lead, playbook: Playbook, now: datetime) -> LeadExplanation:
    stored = session.get(LeadEvaluation, lead.id)
    override = stored.score_override if stored else None
    routing = route_lead(session, lead, playbook, now, remember=False)
    pending = next_step(session, lead, playbook)
    if pending is None:
        escalation = "escalation: none pending"
    else:
        escalation = f"escalation: next {pending.step.describe()}, {format_remaining(pending.due_at, now).replace('due', 'runs', 1)}"
    return LeadExplanation(
        lead=lead,
        segment_lines=_sla_lines(lead, playbook, now),
        qualification=qualify(lead, playbook, now),
        score=score_lead(lead, playbook, now, override=override),
        routing=routing,
        escalation_line=escalation,
    )


def _sla_lines(lead: Lead, playbook: Playbook, now: datetime) -> list[str]:
    rule = playbook.segment(lead.segment)
    calendar = playbook.calendar
    lines = [f"segment: {rule.label} ({rule.key}), respond {rule.describe_sla()}"]
    if lead.first_contacted_at is not None:
        speed = speed_to_lead(lead.received_at, lead.first_contacted_at, calendar)
        lines.append(f"contacted: speed to lead {format_duration(speed.wall)} wall time, {format_duration(speed.business)} business time")
        return lines
    if lead.response_due_at is None:
        lines.append("response clock: none (imported as history or past the stage new)")
        return lines
    due_local = lead.response_due_at.astimezone(calendar.zone)
    state = response_state(lead.first_contacted_at, lead.response_due_at, lead.response_warn_at, now).value
    lines.append(f"due: {due_local:%a %Y-%m-%d %H:%M} {calendar.timezone_name} ({state}, {format_remaining(lead.response_due_at, now)})")
    if rule.clock is ClockKind.BUSINESS_HOURS or rule.budget_kind is not BudgetKind.DURATION:
        start, end = sorted((now.astimezone(timezone.utc), lead.response_due_at.astimezone(timezone.utc)))
        business = calendar.business_time_between(start, end)
        word = "left" if now < lead.response_due_at else "past the deadline"
        lines.append(f"business time {word}: {format_duration(business) if business > timedelta(0) else '0m'}")
    return lines
