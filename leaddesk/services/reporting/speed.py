"""Speed to lead: median and 90th percentile time from arrival to first contact."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leaddesk.services.reporting.facts import LeadFact
from leaddesk.services.reporting.percentiles import sorted_median, sorted_nearest_rank


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


def _stats(wall: list[float], business: list[float]) -> SpeedStats:
    wall.sort()
    business.sort()
    return SpeedStats(
        contacted=len(wall),
        median_wall=sorted_median(wall),
        p90_wall=sorted_nearest_rank(wall, 90),
        median_business=sorted_median(business),
        p90_business=sorted_nearest_rank(business, 90),
    )


def speed_stats(facts: Iterable[LeadFact]) -> SpeedStats:
    wall = []
    business = []
    for fact in facts:
        if fact.wall_seconds is not None:
            wall.append(fact.wall_seconds)
            business.append(fact.business_seconds if fact.business_seconds is not None else fact.wall_seconds)
    return _stats(wall, business)


def speed_report(facts: list[LeadFact]) -> SpeedReport:
    """Compute the overall, per-segment, per-rep and per-week figures in one pass over the facts."""
    by_segment: dict[str, tuple[list[float], list[float]]] = {}
    by_rep: dict[str, tuple[list[float], list[float]]] = {}
    by_week: dict[str, tuple[list[float], list[float]]] = {}
    wall_all: list[float] = []
    business_all: list[float] = []
    for fact in facts:
        lists = [
            by_segment.get(fact.segment) or by_segment.setdefault(fact.segment, ([], [])),
            by_rep.get(fact.owner) or by_rep.setdefault(fact.owner, ([], [])),
            by_week.get(fact.arrival_week) or by_week.setdefault(fact.arrival_week, ([], [])),
        ]
        wall = fact.wall_seconds
        if wall is None:
            continue
        business = fact.business_seconds if fact.business_seconds is not None else wall
        wall_all.append(wall)
        business_all.append(business)
        for walls, businesses in lists:
            walls.append(wall)
            businesses.append(business)

    def grouped(groups: dict[str, tuple[list[float], list[float]]]) -> dict[str, SpeedStats]:
        return {name: _stats(*groups[name]) for name in sorted(groups)}

    return SpeedReport(
        overall=_stats(wall_all, business_all),
        by_segment=grouped(by_segment),
        by_rep=grouped(by_rep),
        by_week=grouped(by_week),
    )
