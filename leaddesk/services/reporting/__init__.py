"""KPI reporting over the database: speed to lead, SLA compliance, funnel, completeness, scores and leading indicators.

Everything is computed in SQL and plain Python, without pandas.
"""

from leaddesk.services.reporting.dashboard import (
    DashboardReport,
    active_model_summary,
    build_dashboard,
    compute_dashboard,
    load_dashboard_facts,
    load_segment_labels,
    playbook_segment_labels,
)
from leaddesk.services.reporting.facts import NO_SOURCE, UNASSIGNED, LeadFact, load_facts
from leaddesk.services.reporting.filters import ReportFilter

__all__ = [
    "DashboardReport",
    "LeadFact",
    "NO_SOURCE",
    "ReportFilter",
    "UNASSIGNED",
    "active_model_summary",
    "build_dashboard",
    "compute_dashboard",
    "load_dashboard_facts",
    "load_facts",
    "load_segment_labels",
    "playbook_segment_labels",
]
