"""Fit and engagement points of a lead, capped per group, with engagement decaying by half-life."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leaddesk.models import Activity, Lead
from leaddesk.services.lead_facts import LeadFacts
from leaddesk.services.playbook.model import Playbook, Scoring

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class ScorePart:
    group: str
    label: str
    points: float
    reason: str

    def to_json(self) -> dict:
        return {"group": self.group, "label": self.label, "points": round(self.points, 2), "reason": self.reason}


@dataclass(frozen=True)
class Score:
    fit: int
    engagement: int
    total: int
    grade: str
    parts: tuple[ScorePart, ...]
    override: int | None = None

    @property
    def effective(self) -> int:
        return self.override if self.override is not None else self.total

    def describe(self) -> list[str]:
        head = f"score {self.total} (fit {self.fit} + engagement {self.engagement}), grade {self.grade}"
        if self.override is not None:
            head = f"score {self.override} (manual override; computed {self.total}), grade {self.grade}"
        return [head, *(f"  {part.group}: {part.points:+.1f} {part.label}: {part.reason}" for part in self.parts)]


def decayed_points(points: float, age_days: float, half_life_days: float) -> float:
    """Return points halved once per half_life_days of age."""
    return points * 0.5 ** (max(age_days, 0.0) / half_life_days)


def grade_for(total: int, scoring: Scoring) -> str:
    for grade, minimum in scoring.grades:
        if total >= minimum:
            return grade
    return "D"


def score_lead(
    lead: Lead, playbook: Playbook, now: datetime, override: int | None = None, pending_activities: Sequence[Activity] = ()
) -> Score:
    scoring = playbook.scoring
    facts = LeadFacts(lead, playbook, now, pending_activities)
    parts: list[ScorePart] = []

    fit = 0.0
    for rule in scoring.fit:
        outcome = rule.condition.evaluate(facts)
        points = rule.points if outcome.passed else 0
        fit += points
        parts.append(ScorePart("fit", rule.label, points, outcome.reason))
    if fit > scoring.fit_cap:
        parts.append(ScorePart("fit", "cap", scoring.fit_cap - fit, f"fit points capped at {scoring.fit_cap}"))
        fit = scoring.fit_cap

    engagement = 0.0
    for rule in scoring.engagement:
        moments = facts.matching_activities(rule.activities, since=None)
        points = 0.0
        for moment in moments:
            age_days = (facts.now - moment).total_seconds() / SECONDS_PER_DAY
            points += decayed_points(rule.points, age_days, scoring.half_life_days)
        engagement += points
        noun = "activity" if len(moments) == 1 else "activities"
        reason = f"{len(moments)} matching {noun}, {rule.points} points each at full weight, half-life {scoring.half_life_days:g} days"
        parts.append(ScorePart("engagement", rule.label, points, reason))
    if engagement > scoring.engagement_cap:
        cap = scoring.engagement_cap
        parts.append(ScorePart("engagement", "cap", cap - engagement, f"engagement points capped at {cap}"))
        engagement = cap

    fit_points, engagement_points = round(fit), round(engagement)
    total = fit_points + engagement_points
    grade = grade_for(override if override is not None else total, scoring)
    return Score(fit_points, engagement_points, total, grade, tuple(parts), override)
