"""Plain-text rendering of the dashboard figures for `leaddesk stats`."""

from __future__ import annotations

from leaddesk.services.reporting import DashboardReport
from leaddesk.services.reporting.funnel import LEVEL_LABELS
from leaddesk.services.reporting.speed import SpeedStats


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


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _speed_line(name: str, stats: SpeedStats) -> str:
    return (
        f"  {name:<36} {stats.contacted:>6}  {format_duration(stats.median_wall):>9} {format_duration(stats.p90_wall):>9}"
        f"  {format_duration(stats.median_business):>9} {format_duration(stats.p90_business):>9}"
    )


def format_report(report: DashboardReport) -> str:
    lines = [f"LeadDesk stats at {report.now.isoformat(timespec='minutes')} over {report.leads} leads", ""]

    lines.append("Speed to lead (contacted, median and p90 wall time, median and p90 business time)")
    lines.append(_speed_line("all leads", report.speed.overall))
    for name, stats in report.speed.by_segment.items():
        lines.append(_speed_line(f"segment {report.segment_label(name)}", stats))
    for name, stats in report.speed.by_rep.items():
        lines.append(_speed_line(f"rep {name}", stats))
    lines.append("")

    lines.append("SLA compliance (met, breached, percent met)")
    sla = report.sla
    lines.append(f"  {'all leads':<36} {sla.overall.met:>6} {sla.overall.breached:>6}  {_percent(sla.overall.percent_met):>7}")
    labelled = [(f"segment {report.segment_label(key)}", value) for key, value in sla.by_segment.items()]
    labelled += [(f"rep {name}", value) for name, value in sla.by_rep.items()]
    for name, compliance in labelled:
        lines.append(f"  {name:<36} {compliance.met:>6} {compliance.breached:>6}  {_percent(compliance.percent_met):>7}")
    lines.append("")

    lines.append("Funnel (reached, skipped, rate from previous, median days in stage)")
    for step in report.funnel.steps:
        days = "-" if step.median_days_in_stage is None else f"{step.median_days_in_stage:.2f}"
        lines.append(
            f"  {LEVEL_LABELS[step.level]:<10} {step.reached:>6} {step.skipped:>6}  {_percent(step.rate_from_previous):>7}  {days:>6}"
        )
    lines.append("")

    lines.append("Data completeness (percent of leads with the field filled)")
    for label, percent in report.completeness.by_field.items():
        # With no lead the share is unknown (0 of 0), not 0%.
        shown = _percent(percent if report.completeness.leads else None)
        lines.append(f"  {label:<28} {shown:>7}")
    lines.append("")

    leading = report.leading
    states = ", ".join(f"{state.replace('_', ' ')} {count}" for state, count in leading.by_sla_state.items())
    lines.append("Leading indicators")
    lines.append(f"  open leads {leading.open_leads}: {states}")
    lines.append(f"  overdue follow-ups {leading.overdue_follow_ups} on {leading.leads_with_overdue_follow_ups} leads")
    lines.append(f"  open leads with no next step {leading.no_next_step}")
    if report.model:
        lines.append("")
        lines.append(f"Conversion model version {report.model['version']}: held-out AUC {report.model['auc']:.3f}")
    return "\n".join(lines) + "\n"
