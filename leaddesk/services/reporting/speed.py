"""Speed to lead: median and 90th percentile time from arrival to first contact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from leaddesk.services.reporting.facts import LeadFact
from leaddesk.services.reporting.percentiles import median, nearest_rank


@dataclass(frozen=True)
class SpeedStats:
    """Seconds from arrival to first contact over the contacted leads of a group."""

    contacted: int
    median_wall: float | None
    p90_wall: float | None
    median_business: float | None
    p90_business: float | None

    def to_json(self) -> dict:
        return {
            "contacted": self.contacted,
            "median_wall_seconds": self.median_wall,
            "p90_wall_seconds": self.p90_wall,
            "median_business_seconds": self.median_business,
            "p90_business_seconds": self.p90_business,
        }


@dataclass(frozen=True)
class SpeedReport:
    overall: SpeedStats
    by_segment: dict[str, SpeedStats]
    by_rep: dict[str, SpeedStats]
    # Keyed by the ISO date of the Monday of the arrival week, in the team's timezone.
    by_week: dict[str, SpeedStats]

    def to_json(self) -> dict:
        return {
            "overall": self.overall.to_json(),
            "by_segment": {key: stats.to_json() for key, stats in self.by_segment.items()},
            "by_rep": {key: stats.to_json() for key, stats in self.by_rep.items()},
            "by_week": {key: stats.to_json() for key, stats in self.by_week.items()},
        }


def speed_stats(facts: Iterable[LeadFact]) -> SpeedStats:
    wall = []
    business = []
    for fact in facts:
        if fact.wall_seconds is not None:
            wall.append(fact.wall_seconds)
            business.append(fact.business_seconds if fact.business_seconds is not None else fact.wall_seconds)
    return SpeedStats(
        contacted=len(wall),
        median_wall=median(wall),
        p90_wall=nearest_rank(wall, 90),
        median_business=median(business),
        p90_business=nearest_rank(business, 90),
    )


def _grouped(facts: list[LeadFact], key: Callable[[LeadFact], str]) -> dict[str, SpeedStats]:
    groups: dict[str, list[LeadFact]] = defaultdict(list)
    for fact in facts:
        groups[key(fact)].append(fact)
    return {name: speed_stats(groups[name]) for name in sorted(groups)}


def speed_report(facts: list[LeadFact]) -> SpeedReport:
    return SpeedReport(
        overall=speed_stats(facts),
        by_segment=_grouped(facts, lambda fact: fact.segment),
        by_rep=_grouped(facts, lambda fact: fact.owner),
        by_week=_grouped(facts, lambda fact: fact.arrival_week.isoformat()),
    )
