"""Plain-text rendering of every dashboard figure for `leaddesk stats`, in tables that fit 100 columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leaddesk.cli.funnel_text import funnel_lines
from leaddesk.cli.heatmap_text import format_breach_heatmap
from leaddesk.cli.model_text import model_lines, percent, score_lines
from leaddesk.cli.text_table import format_table
from leaddesk.services.reporting import DashboardReport
from leaddesk.services.reporting.sla_compliance import Compliance, SlaReport
from leaddesk.services.reporting.speed import SpeedReport, SpeedStats


def format_duration(seconds: float | None) -> str:
    """Return "2d 15h", "1h 20m", "4m 0s" or "-" for no value, with the two largest units."""
    if seconds is None:
        return "-"
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return " ".join(f"{value}{unit}" for value, unit in parts[:2])


def _group_rows(
    report: DashboardReport, figures: SpeedReport | SlaReport, make_row: Callable[[str, Any], tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """Return make_row's rows for all leads, then for each segment, then for each rep."""
    rows = [make_row("all leads", figures.overall)]
    rows += [make_row(f"segment {report.segment_label(key)}", value) for key, value in figures.by_segment.items()]
    rows += [make_row(f"rep {name}", value) for name, value in figures.by_rep.items()]
    return rows


def _speed_row(name: str, stats: SpeedStats) -> tuple[str, ...]:
    return (name, str(stats.contacted), format_duration(stats.median_wall), format_duration(stats.p90_wall),
            format_duration(stats.median_business), format_duration(stats.p90_business))


def _sla_row(name: str, compliance: Compliance) -> tuple[str, ...]:
    return (name, str(compliance.met), str(compliance.breached), percent(compliance.percent_met))


def speed_lines(report: DashboardReport) -> list[str]:
    speed = report.speed
    rows = _group_rows(report, speed, _speed_row)
    rows += [_speed_row(f"week {week}", stats) for week, stats in speed.by_week.items()]
    headers = ("group", "contacted", "wall time\nmedian", "\np90", "business time\nmedian", "\np90")
    return ["Speed to lead (time from arrival to first contact of the contacted leads; weeks start on Monday)",
            *format_table(headers, rows)]


def sla_lines(report: DashboardReport) -> list[str]:
    sla = report.sla
    rows = _group_rows(report, sla, _sla_row)
    return [
        "SLA compliance (response deadlines met and breached; open deadlines count in neither)",
        *format_table(("group", "met", "breached", "percent met"), rows),
        "",
        "SLA breaches by rep and hour of arrival (team timezone; '.' is no breach)",
        *format_breach_heatmap(sla.breach_heatmap),
    ]


def completeness_lines(report: DashboardReport) -> list[str]:
    completeness = report.completeness
    # With no lead the share is unknown (0 of 0), not 0%.
    by_field = [(label, percent(value if completeness.leads else None)) for label, value in completeness.by_field.items()]
    by_source = [(source, str(leads), percent(filled)) for source, (leads, filled) in completeness.by_source.items()]
    return [
        "Data completeness (percent of leads with the field filled)",
        *format_table(("field", "percent filled"), by_field),
        "",
        "Data completeness by source (leads, mean percent of the fields above filled)",
        *(format_table(("source", "leads", "percent filled"), by_source) if by_source else ["  no leads"]),
    ]


def leading_lines(report: DashboardReport) -> list[str]:
    leading = report.leading
    rows = [("open leads", str(leading.open_leads))]
    rows += [(f"open, {state.replace('_', ' ')}", str(count)) for state, count in leading.by_sla_state.items()]
    rows += [
        ("overdue follow-ups", str(leading.overdue_follow_ups)),
        ("leads with overdue follow-ups", str(leading.leads_with_overdue_follow_ups)),
        ("open leads with no next step", str(leading.no_next_step)),
    ]
    return ["Leading indicators (open leads by SLA state, overdue follow-ups, no next step)",
            *format_table(("indicator", "leads"), rows)]


def format_report(report: DashboardReport) -> str:
    """Return every dashboard figure as text sections separated by blank lines."""
    sections = [
        [f"LeadDesk stats at {report.now.isoformat(timespec='minutes')} over {report.leads} leads"],
        leading_lines(report),
        speed_lines(report),
        sla_lines(report),
        funnel_lines(report.funnel),
        completeness_lines(report),
        score_lines(report.scores),
        model_lines(report.model),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"
