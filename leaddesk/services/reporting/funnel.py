"""The conversion funnel New -> Contacted -> MQL -> SQL -> Won, with stage-to-stage rates and days in stage.

A lead counts as reached at each level it shows evidence of: a first contact or contacted
stage, an MQL or SQL qualification, a won stage. A level before its furthest one without
evidence is counted as "skipped" instead, so a lead moved from new straight to won is never
counted as contacted, and the skipped counts show the team how often the process is bypassed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from leaddesk.models.lead import CLOSED_STAGES
from leaddesk.services.reporting.facts import LeadFact
from leaddesk.services.reporting.percentiles import median

LEVELS = ("new", "contacted", "mql", "sql", "won")
LEVEL_LABELS = {"new": "New", "contacted": "Contacted", "mql": "MQL", "sql": "SQL", "won": "Won"}

# Funnel levels whose days in stage come from pipeline stage (Lead.stage) spells. MQL and SQL
# come from qualification changes; SQL falls back to the "qualified" stage for a lead whose
# SQL spell is not recorded. Won is the end of the funnel and has no days in stage.
STAGE_LEVELS = {"new": "new", "contacted": "contacted", "qualified": "sql"}
QUALIFIED_LEVELS = ("mql", "sql")

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class FunnelStep:
    level: str
    reached: int
    # Leads that reached a later level without evidence of this one.
    skipped: int
    # Share of the previous level's leads that also reached this one, in percent; None for the
    # first level or an empty previous level.
    rate_from_previous: float | None
    median_days_in_stage: float | None

    def to_json(self) -> dict:
        return {
            "level": self.level,
            "label": LEVEL_LABELS[self.level],
            "reached": self.reached,
            "skipped": self.skipped,
            "rate_from_previous_percent": self.rate_from_previous,
            "median_days_in_stage": self.median_days_in_stage,
        }


@dataclass(frozen=True)
class FunnelReport:
    steps: list[FunnelStep]
    # Source -> leads reached per level, in LEVELS order.
    by_source: dict[str, list[int]]
    # Source -> stage-to-stage rate per level in percent, in LEVELS order, computed as the
    # steps' rate_from_previous is, so New and a level after an empty one have None.
    rates_by_source: dict[str, list[float | None]] = field(default_factory=dict)
    # Source -> median days in stage per level, in LEVELS order, computed as the steps' are.
    median_days_by_source: dict[str, list[float | None]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"steps": [step.to_json() for step in self.steps], "by_source": self.by_source,
                "rates_by_source_percent": self.rates_by_source,
                "median_days_in_stage_by_source": self.median_days_by_source}


def _with_contact_entry(fact: LeadFact) -> list[tuple[datetime, str]]:
    """Return the stage entries, adding the move to contacted that first contact makes without a stage change."""
    entries = fact.stage_entries
    contacted = fact.first_contacted_at
    if contacted is None or any(stage == "contacted" for _at, stage in entries):
        return entries
    first_change = entries[1][0] if len(entries) > 1 else None
    if first_change is not None and first_change <= contacted:
        return entries
    return [entries[0], (contacted, "contacted"), *entries[1:]]


def _evidence(fact: LeadFact, entries: list[tuple[datetime, str]]) -> set[str]:
    """Return the levels the lead itself shows it reached, without filling in skipped ones."""
    seen_stages = {stage for _at, stage in entries} | {fact.stage}
    levels = {"new"}
    if fact.first_contacted_at is not None or "contacted" in seen_stages:
        levels.add("contacted")
    if fact.qualification in ("mql", "sql"):
        levels.add("mql")
    if fact.qualification == "sql" or "qualified" in seen_stages:
        levels.add("sql")
    for entry in fact.qualification_entries:
        if entry.qualification in QUALIFIED_LEVELS:
            levels.add("mql")
        if entry.qualification == "sql":
            levels.add("sql")
    if "won" in seen_stages:
        levels.add("won")
    return levels


def _days(entered: datetime, left: datetime) -> float:
    return (left - entered).total_seconds() / SECONDS_PER_DAY


def _stage_spells(entries: list[tuple[datetime, str]]) -> list[tuple[str, float]]:
    """Return (level, days) of each finished pipeline stage spell that a funnel level reports."""
    spells = []
    for (entered, stage), (left, _next_stage) in zip(entries, entries[1:]):
        level = STAGE_LEVELS.get(stage)
        if level is not None:
            spells.append((level, _days(entered, left)))
    return spells


def _qualification_spells(fact: LeadFact) -> list[tuple[str, float]]:
    """Return (level, days) of each finished MQL or SQL spell with a known start.

    A spell ends at the next qualification change or when the lead enters a closed stage,
    whichever comes first. A backfilled entry has no known start, and the current spell
    has no end yet, so neither is counted. Neither is a spell that starts or ends at a change
    recorded out of order, whose time is not when it happened, nor a spell of zero length,
    which a change clamped to the previous change's time leaves behind.
    """
    # Entering a closed stage ends the lead's MQL or SQL spell, even if its qualification stays.
    closings = [at for at, stage in fact.stage_entries if stage in CLOSED_STAGES]
    entries = fact.qualification_entries
    spells = []
    for index, entry in enumerate(entries):
        if entry.qualification not in QUALIFIED_LEVELS or entry.backfilled or entry.out_of_order:
            continue
        ends = [at for at in closings if at > entry.at]
        if index + 1 < len(entries):
            following = entries[index + 1]
            if following.out_of_order:
                continue
            ends.append(following.at)
        if not ends:
            continue
        days = _days(entry.at, min(ends))
        if days > 0:
            spells.append((entry.qualification, days))
    return spells


def funnel_profile(fact: LeadFact) -> tuple[int, tuple[int, ...], tuple[tuple[str, float], ...]]:
    """Return the lead's furthest level index, the level indexes it skipped and its (level, days) spells.

    The result is kept on the fact, so later filter changes only add numbers up.
    """
    if fact.funnel_profile is None:
        entries = _with_contact_entry(fact)
        evidence = _evidence(fact, entries)
        furthest = max(LEVELS.index(level) for level in evidence)
        skipped = tuple(index for index in range(furthest + 1) if LEVELS[index] not in evidence)
        stage_spells = _stage_spells(entries)
        qualification_spells = _qualification_spells(fact)
        if any(level == "sql" for level, _days_in in qualification_spells):
            stage_spells = [spell for spell in stage_spells if spell[0] != "sql"]
        fact.funnel_profile = (furthest, skipped, tuple(stage_spells + qualification_spells))
    return fact.funnel_profile


def funnel_report(facts: list[LeadFact]) -> FunnelReport:
    reached = [0] * len(LEVELS)
    skipped = [0] * len(LEVELS)
    # Leads that reached both the level and the one before it, for the stage-to-stage rate.
    reached_both = [0] * len(LEVELS)
    by_source: dict[str, list[int]] = defaultdict(lambda: [0] * len(LEVELS))
    both_by_source: dict[str, list[int]] = defaultdict(lambda: [0] * len(LEVELS))
    days: dict[str, list[float]] = defaultdict(list)
    days_by_source: dict[tuple[str, str], list[float]] = defaultdict(list)
    # Leads share a few dozen (furthest, skipped, source) patterns, so count those first.
    patterns: Counter = Counter()
    for fact in facts:
        furthest, skipped_levels, spells = funnel_profile(fact)
        patterns[(furthest, skipped_levels, fact.source)] += 1
        for level, spell_days in spells:
            days[level].append(spell_days)
            days_by_source[(fact.source, level)].append(spell_days)
    for (furthest, skipped_levels, source), leads in patterns.items():
        source_counts = by_source[source]
        for index in range(furthest + 1):
            if index in skipped_levels:
                skipped[index] += leads
                continue
            reached[index] += leads
            source_counts[index] += leads
            if index and index - 1 not in skipped_levels:
                reached_both[index] += leads
                both_by_source[source][index] += leads

    steps = []
    for index, level in enumerate(LEVELS):
        rate = _rate(reached, reached_both, index)
        in_stage = _median_days(days[level])
        steps.append(
            FunnelStep(
                level=level,
                reached=reached[index],
                skipped=skipped[index],
                rate_from_previous=rate,
                median_days_in_stage=in_stage,
            )
        )
    rates_by_source = {source: [_rate(counts, both_by_source[source], index) for index in range(len(LEVELS))]
                       for source, counts in sorted(by_source.items())}
    median_days_by_source = {source: [_median_days(days_by_source.get((source, level), [])) for level in LEVELS]
                             for source in sorted(by_source)}
    return FunnelReport(steps=steps, by_source=dict(sorted(by_source.items())), rates_by_source=rates_by_source,
                        median_days_by_source=median_days_by_source)


def _median_days(values: list[float]) -> float | None:
    """Return the median of days in stage rounded to 0.01, or None for no values."""
    in_stage = median(values)
    return round(in_stage, 2) if in_stage is not None else None


def _rate(reached: list[int], reached_both: list[int], index: int) -> float | None:
    """Return the percent of the previous level's leads that also reached level index, rounded to 0.1."""
    previous = reached[index - 1] if index else 0
    return round(100 * reached_both[index] / previous, 1) if previous else None
