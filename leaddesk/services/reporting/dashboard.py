"""Every figure of the KPI dashboard, computed from lead facts under one filter."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leaddesk.services.database import Database
from leaddesk.services.playbook import Playbook, load_playbook
from leaddesk.services.reporting.completeness import CompletenessReport, completeness_report
from leaddesk.services.reporting.facts import LeadFact, cyclic_gc_paused, load_facts
from leaddesk.services.reporting.filters import ReportFilter
from leaddesk.services.reporting.funnel import FunnelReport, funnel_profile, funnel_report
from leaddesk.services.reporting.leading import LeadingIndicators, leading_indicators
from leaddesk.services.reporting.scores import ScoreDistribution, score_distribution
from leaddesk.services.reporting.sla_compliance import SlaReport, sla_report
from leaddesk.services.reporting.speed import SpeedReport, speed_report

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DashboardReport:
    now: datetime
    leads: int
    speed: SpeedReport
    sla: SlaReport
    funnel: FunnelReport
    completeness: CompletenessReport
    scores: ScoreDistribution
    leading: LeadingIndicators
    # Held-out calibration and lift by decile of the active conversion model; None without one.
    model: dict[str, Any] | None = None
    filter: ReportFilter = field(default_factory=ReportFilter)
    # Segment key -> the playbook's label, which charts, exports and text output show.
    segment_labels: Mapping[str, str] = field(default_factory=dict)

    def segment_label(self, key: str) -> str:
        """Return the playbook's label of a segment key, or the key of a segment the playbook no longer has."""
        return self.segment_labels.get(key, key)

    def to_json(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "leads": self.leads,
            "filter": {
                "since": self.filter.since.isoformat() if self.filter.since else None,
                "until": self.filter.until.isoformat() if self.filter.until else None,
                "owners": sorted(self.filter.owners),
                "segments": sorted(self.filter.segments),
                "sources": sorted(self.filter.sources),
            },
            "speed_to_lead": self.speed.to_json(),
            "sla_compliance": self.sla.to_json(),
            "funnel": self.funnel.to_json(),
            "completeness": self.completeness.to_json(),
            "score_distribution": self.scores.to_json(),
            "leading_indicators": self.leading.to_json(),
            "model": self.model,
            "segment_labels": {key: self.segment_label(key) for key in self.speed.by_segment},
        }


def compute_dashboard(
    facts: list[LeadFact],
    report_filter: ReportFilter,
    now: datetime,
    model: dict[str, Any] | None = None,
    segment_labels: Mapping[str, str] | None = None,
) -> DashboardReport:
    """Compute every dashboard figure over the facts that pass report_filter.

    segment_labels maps segment keys to the names shown; see playbook_segment_labels.
    """
    chosen = report_filter.apply(facts)
    return DashboardReport(
        now=now,
        leads=len(chosen),
        speed=speed_report(chosen),
        sla=sla_report(chosen, now),
        funnel=funnel_report(chosen),
        completeness=completeness_report(chosen),
        scores=score_distribution(chosen),
        leading=leading_indicators(chosen, now),
        model=model,
        filter=report_filter,
        segment_labels=dict(segment_labels or {}),
    )


def playbook_segment_labels(playbook: Playbook) -> dict[str, str]:
    """Return segment key -> label of the playbook's segments."""
    return {rule.key: rule.label for rule in playbook.segments}


def load_segment_labels(database: Database) -> dict[str, str]:
    """Return segment key -> label of the active playbook."""
    with database.session() as session:
        return playbook_segment_labels(load_playbook(session))


def load_dashboard_facts(database: Database, now: datetime) -> list[LeadFact]:
    """Read the lead facts and compute each lead's funnel position, which every later redraw reuses.

    The funnel positions took about 0.7 s of CPU for the 100,000 leads of
    bench/dashboard_history.py. Computing them here puts that on the thread that loads,
    instead of on the GUI thread in the first redraw.
    """
    with cyclic_gc_paused():
        with database.session() as session:
            playbook = load_playbook(session)
            facts = load_facts(session, playbook, now)
        for fact in facts:
            funnel_profile(fact)
    return facts


def active_model_summary(database: Database) -> dict[str, Any] | None:
    """Return the held-out calibration and lift of the database's active conversion model, or None."""
    from leaddesk.services.predictive.metrics import CHANCE_AUC
    from leaddesk.services.predictive.store import model_store

    active = model_store(database).active()
    # A model no better than chance is never activated now, but one activated earlier must not be shown.
    if active is None or active.validation["auc"] <= CHANCE_AUC:
        return None
    validation = active.validation
    return {
        "version": active.version,
        "trained_at": active.trained_at,
        "auc": validation["auc"],
        "calibration": validation["calibration"],
        "lift_by_decile": validation["lift_by_decile"],
    }


def build_dashboard(database: Database, report_filter: ReportFilter, now: datetime) -> DashboardReport:
    """Read the database and compute the dashboard; the UI keeps the facts to redraw without rereading."""
    facts = load_dashboard_facts(database, now)
    return compute_dashboard(facts, report_filter, now, active_model_summary(database), load_segment_labels(database))
