"""The distribution of lead scores, in buckets of ten points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from leaddesk.services.reporting.facts import LeadFact

BUCKET_WIDTH = 10
# Scores run 0..100; 100 falls in the last bucket, so there are ten buckets.
BUCKET_COUNT = 10


@dataclass(frozen=True)
class ScoreDistribution:
    # Labels "0-9", ..., "90-100" and the number of leads in each.
    buckets: dict[str, int]

    def to_json(self) -> dict:
        return {"buckets": self.buckets}


def score_distribution(facts: list[LeadFact]) -> ScoreDistribution:
    counts = [0] * BUCKET_COUNT
    for score, leads in Counter(fact.score for fact in facts).items():
        counts[min(max(score, 0) // BUCKET_WIDTH, BUCKET_COUNT - 1)] += leads
    labels = [f"{start}-{start + BUCKET_WIDTH - 1}" for start in range(0, 100, BUCKET_WIDTH)]
    labels[-1] = "90-100"
    return ScoreDistribution(dict(zip(labels, counts)))
