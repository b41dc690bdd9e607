"""The filter every dashboard figure shares: arrival date range, owner, segment and source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leaddesk.services.reporting.facts import LeadFact


@dataclass(frozen=True)
class ReportFilter:
    """Leads that arrived in [since, until) and match every given owner, segment and source set.

    An empty set means no restriction. since and until are timezone-aware instants or None.
    """

    since: datetime | None = None
    until: datetime | None = None
    owners: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"ReportFilter.{name} {value.isoformat()} is naive; attach a timezone")

    def matches(self, fact: LeadFact) -> bool:
        if self.since is not None and fact.received_at < self.since:
            return False
        if self.until is not None and fact.received_at >= self.until:
            return False
        if self.owners and fact.owner not in self.owners:
            return False
        if self.segments and fact.segment not in self.segments:
            return False
        if self.sources and fact.source not in self.sources:
            return False
        return True

    def apply(self, facts: list[LeadFact]) -> list[LeadFact]:
        if self.since is None and self.until is None and not (self.owners or self.segments or self.sources):
            return facts
        return [fact for fact in facts if self.matches(fact)]
