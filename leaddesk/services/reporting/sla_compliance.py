"""SLA compliance: the share of response deadlines met, per segment and rep, and when breaches happen."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from leaddesk.services.reporting.facts import LeadFact


@dataclass(frozen=True)
class Compliance:
    """Deadlines met and breached; leads still inside their deadline count in neither."""

    met: int
    breached: int

    @property
    def percent_met(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None

    def to_json(self) -> dict:
        return {"met": self.met, "breached": self.breached, "percent_met": self.percent_met}


@dataclass(frozen=True)
class SlaReport:
    overall: Compliance
    by_segment: dict[str, Compliance]
    by_rep: dict[str, Compliance]
    # Rep -> 24 breach counts, indexed by the hour of arrival in the team's timezone.
    breach_heatmap: dict[str, list[int]]

    def to_json(self) -> dict:
        return {
            "overall": self.overall.to_json(),
            "by_segment": {key: value.to_json() for key, value in self.by_segment.items()},
            "by_rep": {key: value.to_json() for key, value in self.by_rep.items()},
            "breach_heatmap_by_arrival_hour": self.breach_heatmap,
        }


def sla_outcome(fact: LeadFact, now: datetime) -> bool | None:
    """Return True when the deadline was met, False when breached, None when it has none or is still open.

    A contact at the deadline instant itself meets it. An uncontacted lead is breached from the
    deadline instant on, as the inbox shows it overdue from then.
    """
    if fact.response_due_at is None:
        return None
    if fact.first_contacted_at is not None:
        return fact.first_contacted_at <= fact.response_due_at
    if now >= fact.response_due_at:
        return False
    return None


def sla_report(facts: list[LeadFact], now: datetime) -> SlaReport:
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    heatmap: dict[str, list[int]] = {}
    met_total = breached_total = 0
    for fact in facts:
        outcome = sla_outcome(fact, now)
        if outcome is None:
            continue
        index = 0 if outcome else 1
        counts[("segment", fact.segment)][index] += 1
        counts[("rep", fact.owner)][index] += 1
        if outcome:
            met_total += 1
        else:
            breached_total += 1
            heatmap.setdefault(fact.owner, [0] * 24)[fact.arrival_hour] += 1
    by_segment = {name: Compliance(*counts[(kind, name)]) for kind, name in sorted(counts) if kind == "segment"}
    by_rep = {name: Compliance(*counts[(kind, name)]) for kind, name in sorted(counts) if kind == "rep"}
    return SlaReport(
        overall=Compliance(met_total, breached_total),
        by_segment=by_segment,
        by_rep=by_rep,
        breach_heatmap=dict(sorted(heatmap.items())),
    )
