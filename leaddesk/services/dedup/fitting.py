"""Evidence weights of custom fields, fitted to the user's own leads as in the Fellegi-Sunter model.

What an e-mail, a phone or a name says about a lead is the same in every database, so
their weights are fixed (see scoring). It cannot know what a custom column means: a birth date or a customer
number identifies a person, a lead source does not. So the weight of agreement on each
custom field is learned from the data, without labels, by expectation maximisation over
the candidate pairs. It estimates m, the chance that two copies of one lead agree on a
field, u, the chance that two different leads among the candidates agree on it, and the
share of candidate pairs that are copies. The sum of the fixed weights of a pair's other evidence
(names, e-mail, phone, company, city), in bands, is one more comparison, so the fields
LeadDesk knows anchor the fit without counting a custom field twice.

u is estimated among the candidate pairs, not fixed from random pairs, because blocking
picks pairs that already agree on a key: two different people who share a birth date are
candidates because of it, so among candidates that agreement is weaker evidence than
among random pairs. The value counts of all scanned leads and random pairs only give u
its starting values.

A pair's match probability is then the posterior of that model. The scan raises the score
of a pair below the review threshold to this probability, capped at FITTED_SCORE_CAP, when
the probability reaches the review threshold and at least one custom field agrees
exactly, or a custom field is similar and the full name agrees (see is_raisable). So the
fitted part only ever adds matches, and its scores stay below the default auto-merge
threshold.

Only a full scan fits, because it sees a sample of all leads. It stores the model (see
fitted_store), and the incremental scan after an import and the hint while a lead is typed
raise pairs by the stored model. Before the first full scan with custom fields, they score
by the fixed weights alone.
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from leaddesk.services.dedup.custom_values import DIFFERENT, SAME, SIMILAR, compared_values, value_level
from leaddesk.services.dedup.scoring import (
    MIN_CUSTOM_VALUE_LENGTH,
    SIMILAR_IDENTIFIER_RATIO,
    LeadKeys,
    PairScore,
    evaluate_pair_parts,
    reasons_of,
    same_full_name,
)

logger = logging.getLogger(__name__)

# A fitted score stays below the default auto-merge threshold (0.9), and below the
# auto-merge threshold in force, so only a person merges a pair that the fitted weights found.
FITTED_SCORE_CAP = 0.85
# Upper bounds of the bands of the fixed weights' sum, the comparison that anchors the fit.
SCORE_BANDS = (0.1, 0.25, 0.5)
# Random pairs drawn for the starting values of u, with a fixed seed so that a scan is repeatable.
RANDOM_PAIRS = 5_000
RANDOM_SEED = 1
EM_ITERATIONS = 25
# Fields found in fewer scanned leads than this are left to the fixed weights, and fewer
# candidate pairs than MIN_FIT_PAIRS give no fit, because EM on a handful of pairs can
# settle on any split of them.
MIN_FIELD_LEADS = 20
MIN_FIT_PAIRS = 20
# Floor of every estimated probability, so that a level never seen in the sample does not
# give an infinite weight.
MIN_PROBABILITY = 1e-6
# Starting values of the expectation maximisation: the share of candidate pairs that are
# copies, and m of the levels same, similar and different.
START_MATCH_SHARE = 0.3
START_M = {SAME: 0.8, SIMILAR: 0.1, DIFFERENT: 0.1}

# A pair's comparison pattern: its score band, then (field, level) for each custom field
# that both leads have, sorted.
Pattern = tuple[int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class FittedModel:
    """The fitted Fellegi-Sunter model: match share, m and u per comparison and level."""

    match_share: float
    m: dict[str, dict[object, float]]
    u: dict[str, dict[object, float]]

    def match_probability(self, pattern: Pattern) -> float:
        """Return the posterior probability that a pair with this pattern is one lead."""
        band, levels = pattern
        log_ratio = math.log(self.match_share) - math.log(1 - self.match_share)
        log_ratio += math.log(self.m["band"][band]) - math.log(self.u["band"][band])
        for name, level in levels:
            if name in self.m:
                log_ratio += math.log(self.m[name][level]) - math.log(self.u[name][level])
        if log_ratio > 50:
            return 1.0
        return 1 / (1 + math.exp(-log_ratio))


def score_band(score: float) -> int:
    for band, upper in enumerate(SCORE_BANDS):
        if score < upper:
            return band
    return len(SCORE_BANDS)


def field_levels(a: LeadKeys, b: LeadKeys) -> tuple[tuple[str, str], ...]:
    """Return (field, level) for each identifier and custom text field that both leads have, by the scorer's rules."""
    levels = []
    for name in a.identifiers.keys() & b.identifiers.keys():
        levels.append((f"x:{name}", _identifier_level(a.identifiers[name], b.identifiers[name])))
    for name, value_a, _other_name, value_b in compared_values(a.custom, b.custom):
        if len(value_a) < MIN_CUSTOM_VALUE_LENGTH or len(value_b) < MIN_CUSTOM_VALUE_LENGTH:
            continue
        levels.append((f"t:{name}", value_level(value_a, value_b)))
    return tuple(sorted(levels))


def fit_model(
    leads: dict[str, LeadKeys], patterns: Iterable[Pattern], random_bands: Sequence[int], random_pairs: Sequence[tuple[str, str]]
) -> FittedModel | None:
    """Fit the model to the candidate pairs' patterns; return None with too few pairs or no common enough custom field.

    random_pairs are pairs of ids of leads drawn at random, and random_bands their score
    bands, for the starting values of u.
    """
    pattern_counts = Counter(patterns)
    fields = _fitted_fields(leads)
    if not fields or sum(pattern_counts.values()) < MIN_FIT_PAIRS:
        return None

    u = {"band": _band_u(random_bands)}
    for name in fields:
        u[name] = _field_u(leads, name, random_pairs)
    m = {"band": {band: (band + 1) / 10 for band in range(len(SCORE_BANDS) + 1)}}
    m["band"] = _normalised(m["band"])
    for name in fields:
        m[name] = dict(START_M)

    match_share = START_MATCH_SHARE
    for _ in range(EM_ITERATIONS):
        model = FittedModel(match_share, m, u)
        weight_total = 0.0
        pair_total = 0
        level_weights: dict[str, defaultdict] = {name: defaultdict(float) for name in m}
        other_weights: dict[str, defaultdict] = {name: defaultdict(float) for name in m}
        for pattern, count in pattern_counts.items():
            probability = model.match_probability(pattern)
            weight = probability * count
            other = (1 - probability) * count
            weight_total += weight
            pair_total += count
            level_weights["band"][pattern[0]] += weight
            other_weights["band"][pattern[0]] += other
            for name, level in pattern[1]:
                if name in level_weights:
                    level_weights[name][level] += weight
                    other_weights[name][level] += other
        match_share = min(max(weight_total / pair_total, MIN_PROBABILITY), 1 - MIN_PROBABILITY)
        m = {name: _normalised(weights, m[name]) for name, weights in level_weights.items()}
        u = {name: _normalised(weights, u[name]) for name, weights in other_weights.items()}

    fitted = FittedModel(match_share, m, u)
    logger.info(
        "fitted custom-field weights to %d candidate pairs: %.3f of them copies; %s",
        sum(pattern_counts.values()), match_share,
        ", ".join(f"{name} same {math.log2(m[name][SAME] / u[name][SAME]):.1f} bits" for name in fields),
    )
    return fitted


def draw_random_pairs(ids: Sequence[str], count: int = RANDOM_PAIRS) -> list[tuple[str, str]]:
    """Return count pairs of different ids drawn with a fixed seed, the same for the same ids."""
    if len(ids) < 2:
        return []
    ordered = sorted(ids)
    generator = random.Random(RANDOM_SEED)
    pairs = []
    for _ in range(count):
        first, second = generator.sample(ordered, 2)
        pairs.append((first, second))
    return pairs


def _fitted_fields(leads: dict[str, LeadKeys]) -> list[str]:
    counts: Counter[str] = Counter()
    for lead in leads.values():
        counts.update(f"x:{name}" for name in lead.identifiers)
        counts.update(f"t:{name}" for name in lead.custom)
    return sorted(name for name, count in counts.items() if count >= MIN_FIELD_LEADS)


def _field_values(lead: LeadKeys, name: str) -> str | None:
    kind, _, field = name.partition(":")
    return (lead.identifiers if kind == "x" else lead.custom).get(field)


def _field_u(leads: dict[str, LeadKeys], name: str, random_pairs: Sequence[tuple[str, str]]) -> dict[object, float]:
    """Return the starting u of a field: "same" from its value counts, the other levels from random pairs."""
    values = Counter(value for lead in leads.values() if (value := _field_values(lead, name)) is not None)
    holders = sum(values.values())
    same = sum(count * (count - 1) for count in values.values()) / (holders * (holders - 1)) if holders > 1 else 0.0

    kind = name.partition(":")[0]
    similar = different = 0
    for first, second in random_pairs:
        value_a, value_b = _field_values(leads[first], name), _field_values(leads[second], name)
        if value_a is None or value_b is None or value_a == value_b:
            continue
        level = _identifier_level(value_a, value_b) if kind == "x" else value_level(value_a, value_b)
        if level == SIMILAR:
            similar += 1
        else:
            different += 1
    compared = similar + different
    similar_share = similar / compared if compared else 0.0
    return {
        SAME: max(same, MIN_PROBABILITY),
        SIMILAR: max((1 - same) * similar_share, MIN_PROBABILITY),
        DIFFERENT: max((1 - same) * (1 - similar_share), MIN_PROBABILITY),
    }


def _band_u(random_bands: Sequence[int]) -> dict[object, float]:
    counts = Counter(random_bands)
    total = len(random_bands)
    return {band: max(counts[band] / total if total else 0.0, MIN_PROBABILITY) for band in range(len(SCORE_BANDS) + 1)}


def _normalised(weights: dict, previous: dict | None = None) -> dict[object, float]:
    keys = set(weights) | set(previous or {})
    total = sum(weights.values())
    if total <= 0:
        return dict(previous) if previous else {}
    return {key: max(weights.get(key, 0.0) / total, MIN_PROBABILITY) for key in keys}


def _identifier_level(digits_a: str, digits_b: str) -> str:
    if digits_a == digits_b:
        return SAME
    return SIMILAR if fuzz.ratio(digits_a, digits_b) >= SIMILAR_IDENTIFIER_RATIO else DIFFERENT


@dataclass
class FittingSample:
    """The patterns of a scan's pairs and the pairs that the fit may raise, gathered while the scan scores."""

    patterns: list[Pattern]
    # (first lead, second lead, fixed score, evidence, pattern) of the pairs below the
    # review threshold that is_raisable accepts.
    raisable: list[tuple[LeadKeys, LeadKeys, float, list, Pattern]]

    def add(self, first: LeadKeys, second: LeadKeys, score: float, evidence: list, builtin: float, review: float) -> None:
        pattern = pair_pattern(first, second, builtin)
        self.patterns.append(pattern)
        if score < review and is_raisable(pattern, first, second):
            self.raisable.append((first, second, score, evidence, pattern))


def pair_pattern(first: LeadKeys, second: LeadKeys, builtin: float) -> Pattern:
    """Return the comparison pattern of a pair, given the sum of its fixed weights (see evaluate_pair_parts)."""
    return score_band(builtin), field_levels(first, second)


def is_raisable(pattern: Pattern, first: LeadKeys, second: LeadKeys) -> bool:
    """Return whether fitted weights may raise a pair with this pattern.

    A custom field must agree exactly, or one must be similar while the full name agrees
    (see same_full_name). Among the candidate pairs the fit sees few different people with
    similar custom values, so it weighs a similar street line almost like an identifier.
    Neighbours who share a surname have such street lines, but not a given name too.
    """
    levels = [level for _name, level in pattern[1]]
    if SAME in levels:
        return True
    return SIMILAR in levels and same_full_name(first, second)


def has_custom_fields(leads: dict[str, LeadKeys]) -> bool:
    return any(lead.custom or lead.identifiers for lead in leads.values())


def fit_sample(leads: dict[str, LeadKeys], sample: FittingSample) -> FittedModel | None:
    """Fit the model to the patterns of a full scan's pairs, or return None when fit_model finds too little to fit."""
    random_pairs = draw_random_pairs(list(leads))
    random_bands = [score_band(evaluate_pair_parts(leads[first], leads[second])[2]) for first, second in random_pairs]
    return fit_model(leads, sample.patterns, random_bands, random_pairs)


def fitted_score(
    model: FittedModel, pattern: Pattern, evidence: list, review: float, auto_merge: float
) -> tuple[float, tuple[str, ...]] | None:
    """Return the raised score and reasons of a raisable pair, or None when its match probability is below review.

    The score is the probability, capped at FITTED_SCORE_CAP and just below auto_merge (but
    not below review). The reasons are one reason naming the fitted fields, then the fixed
    evidence's reasons.
    """
    probability = model.match_probability(pattern)
    if probability < review:
        return None
    cap = max(review, min(FITTED_SCORE_CAP, math.nextafter(auto_merge, 0.0)))
    agreed = ", ".join(name.partition(":")[2] for name, level in pattern[1] if level == SAME)
    if agreed:
        reason = f"same {agreed}, which rarely agree by chance in these leads ({probability:.0%} likely one lead)"
    else:
        similar = ", ".join(name.partition(":")[2] for name, level in pattern[1] if level == SIMILAR)
        reason = f"same full name and similar {similar}, which rarely happens by chance in these leads ({probability:.0%} likely one lead)"
    return min(probability, cap), (reason, *reasons_of(evidence))


def raise_pairs(model: FittedModel, sample: FittingSample, review: float, auto_merge: float) -> list[PairScore]:
    """Return the raisable pairs of sample whose match probability under model reaches review, scored by fitted_score."""
    raised = []
    for first, second, _score, evidence, pattern in sample.raisable:
        fitted = fitted_score(model, pattern, evidence, review, auto_merge)
        if fitted is None:
            continue
        low, high = sorted((first.id, second.id))
        raised.append(PairScore(low, high, *fitted))
    logger.info("fitted custom-field weights raised %d of %d pairs below the review threshold", len(raised), len(sample.raisable))
    return raised
