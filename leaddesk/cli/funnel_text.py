"""Plain-text conversion funnel, overall and by source, for `leaddesk stats`."""

from __future__ import annotations

from leaddesk.cli.model_text import percent
from leaddesk.cli.text_table import LEFT, RIGHT, format_table
from leaddesk.services.reporting.funnel import LEVEL_LABELS, LEVELS, FunnelReport

# Labels of the three rows that each source gets in the funnel by source.
LEADS_ROW = "leads"
RATE_ROW = "% of previous"
DAYS_ROW = "median days"


def days(value: float | None) -> str:
    """Return days in stage with two decimals, as the report rounds them, or "-" for no value."""
    return "-" if value is None else f"{value:.2f}"


def funnel_lines(funnel: FunnelReport) -> list[str]:
    """Return the funnel by stage, then by source with each source's rates and median days in stage."""
    lines = ["Funnel (reached, skipped, rate from previous stage, median days in stage)"]
    rows = [
        (LEVEL_LABELS[step.level], str(step.reached), str(step.skipped), percent(step.rate_from_previous),
         days(step.median_days_in_stage))
        for step in funnel.steps
    ]
    lines += format_table(("stage", "reached", "skipped", "rate", "median days"), rows)

    lines.append("")
    lines.append("Funnel by source (leads reached, percent of the previous stage's leads, median days in stage)")
    if not funnel.by_source:
        lines.append("  no leads")
        return lines
    source_rows = []
    for source, counts in funnel.by_source.items():
        source_rows.append((source, LEADS_ROW, *(str(count) for count in counts)))
        source_rows.append(("", RATE_ROW, *(percent(rate) for rate in funnel.rates_by_source[source])))
        source_rows.append(("", DAYS_ROW, *(days(value) for value in funnel.median_days_by_source[source])))
    headers = ("source", "", *(LEVEL_LABELS[level] for level in LEVELS))
    lines += format_table(headers, source_rows, align=(LEFT, LEFT, *([RIGHT] * len(LEVELS))))
    return lines
