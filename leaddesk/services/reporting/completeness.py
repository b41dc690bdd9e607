"""Data completeness: the share of leads with each field filled, and the mean share of fields filled per source."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from leaddesk.services.reporting.facts import COMPLETENESS_GROUPS, LeadFact


@dataclass(frozen=True)
class CompletenessReport:
    # Field label -> percent of leads with it filled.
    by_field: dict[str, float]
    # Source -> (leads, mean percent of the fields of COMPLETENESS_GROUPS filled).
    by_source: dict[str, tuple[int, float]]
    # Leads counted; by_field shows 0.0 for every field when it is 0, which text and JSON show as unknown.
    leads: int = 0

    def to_json(self) -> dict:
        return {
            "leads": self.leads,
            "by_field_percent": self.by_field if self.leads else {label: None for label in self.by_field},
            "by_source": {
                source: {"leads": leads, "percent_filled": percent} for source, (leads, percent) in self.by_source.items()
            },
        }


def completeness_report(facts: list[LeadFact]) -> CompletenessReport:
    group_count = len(COMPLETENESS_GROUPS)
    # Leads share a few thousand fill patterns at most, so count patterns first and bits after.
    patterns = Counter((fact.source, fact.filled_mask) for fact in facts)
    filled = [0] * group_count
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (source, mask), leads in patterns.items():
        for bit in range(group_count):
            if mask >> bit & 1:
                filled[bit] += leads
        totals = per_source[source]
        totals[0] += leads
        totals[1] += leads * mask.bit_count()
    total = len(facts)
    by_field = {
        label: round(100 * filled[bit] / total, 1) if total else 0.0
        for bit, (label, _fields) in enumerate(COMPLETENESS_GROUPS)
    }
    by_source = {
        source: (leads, round(100 * fields / (leads * group_count), 1))
        for source, (leads, fields) in sorted(per_source.items())
    }
    return CompletenessReport(by_field=by_field, by_source=by_source, leads=total)
