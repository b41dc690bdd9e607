"""The dashboard's charts as plain tables: what each chart plots, and what its CSV or XLSX export holds.

The UI draws each table as a chart, so the exported numbers are exactly the plotted ones.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from leaddesk.services.reporting.dashboard import DashboardReport
from leaddesk.services.reporting.funnel import LEVEL_LABELS, LEVELS, FunnelStep

# Chart kinds of a table: grouped vertical bars, horizontal bars, lines or a heatmap.
BAR = "bar"
HORIZONTAL_BAR = "horizontal_bar"
LINE = "line"
HEATMAP = "heatmap"

# Sources beyond this many, by leads, are left out of the per-source charts (not the exports' totals).
MAX_SOURCES_PLOTTED = 8
SECONDS_PER_MINUTE = 60


@dataclass(frozen=True)
class ChartTable:
    key: str
    title: str
    kind: str
    # The first column names the category; the others are numeric series (None for no value).
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    # Unit of the numeric columns, shown on the value axis.
    unit: str = ""
    # How many numeric columns the chart plots, from the left; None plots all. The rest are export-only.
    plotted: int | None = None
    # Axis labels, one per row and possibly of several lines, shown whole in place of the first column.
    # The exports keep the first column.
    category_labels: tuple[str, ...] | None = None

    @property
    def plotted_headers(self) -> tuple[str, ...]:
        numeric = self.headers[1:]
        return numeric if self.plotted is None else numeric[: self.plotted]

    def write_csv(self, path: Path) -> None:
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.headers)
            writer.writerows(["" if value is None else value for value in row] for row in self.rows)

    def write_xlsx(self, path: Path) -> None:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = sheet_title(self.title)
        sheet.append(list(self.headers))
        for row in self.rows:
            sheet.append([xlsx_value(value) for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = XLSX_DATE_FORMAT
        workbook.save(path)


# An ISO date, as the week of arrival column holds, which the XLSX export stores as a date cell.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
XLSX_DATE_FORMAT = "yyyy-mm-dd"


def xlsx_value(value: Any) -> Any:
    """Return value as an XLSX cell stores it: an ISO date text becomes a datetime so that Excel sorts it as a date."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return datetime.fromisoformat(value)
    return value


# Characters Excel rejects in a sheet name, and its maximum length (Excel 2007 and later).
SHEET_TITLE_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
SHEET_TITLE_MAX = 31


def sheet_title(title: str) -> str:
    """Return title as a valid Excel sheet name: forbidden characters become "-", cut to 31 characters."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub("-", title).strip().strip("'")
    return cleaned[:SHEET_TITLE_MAX].rstrip() or "Sheet"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_MINUTE, 1)


def _speed_rows(groups) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (name, _minutes(stats.median_wall), _minutes(stats.p90_wall), _minutes(stats.median_business),
         _minutes(stats.p90_business))
        for name, stats in groups.items()
        if stats.contacted
    )


SPEED_HEADERS = ("group", "median wall", "p90 wall", "median business", "p90 business")


def _by_segment_label(report: DashboardReport, groups: dict[str, Any]) -> dict[str, Any]:
    """Return groups keyed by segment key as groups keyed by the playbook's segment labels."""
    return {report.segment_label(key): value for key, value in groups.items()}


def speed_tables(report: DashboardReport) -> list[ChartTable]:
    speed = report.speed
    return [
        ChartTable("speed_by_segment", "Speed to lead by segment", BAR, ("segment", *SPEED_HEADERS[1:]),
                   _speed_rows(_by_segment_label(report, speed.by_segment)), "minutes"),
        ChartTable("speed_by_rep", "Speed to lead by rep", BAR, ("rep", *SPEED_HEADERS[1:]),
                   _speed_rows(speed.by_rep), "minutes"),
        ChartTable("speed_trend", "Speed to lead by week of arrival", LINE, ("week", *SPEED_HEADERS[1:]),
                   _speed_rows(speed.by_week), "minutes"),
    ]


def sla_tables(report: DashboardReport) -> list[ChartTable]:
    sla = report.sla
    headers = ("percent met", "met", "breached")
    hours = tuple(f"{hour:02d}" for hour in range(24))
    return [
        ChartTable("sla_by_segment", "SLA met by segment", HORIZONTAL_BAR, ("segment", *headers),
                   tuple((name, value.percent_met, value.met, value.breached)
                         for name, value in _by_segment_label(report, sla.by_segment).items()),
                   "percent", plotted=1),
        ChartTable("sla_by_rep", "SLA met by rep", HORIZONTAL_BAR, ("rep", *headers),
                   tuple((name, value.percent_met, value.met, value.breached) for name, value in sla.by_rep.items()),
                   "percent", plotted=1),
        ChartTable("sla_breach_heatmap", "SLA breaches by rep and hour of arrival", HEATMAP, ("rep", *hours),
                   tuple((name, *counts) for name, counts in sla.breach_heatmap.items()), "breaches"),
    ]


def funnel_step_label(step: FunnelStep, previous: FunnelStep | None) -> str:
    """Return the funnel chart's two-line axis label for step, such as "MQL 42\\n61% of Contacted, median 3.0 d"."""
    details = []
    if previous is not None and step.rate_from_previous is not None:
        # The rate is already rounded to one decimal, so :g drops only a trailing ".0".
        details.append(f"{step.rate_from_previous:g}% of {LEVEL_LABELS[previous.level]}")
    if step.median_days_in_stage is not None:
        details.append(f"median {step.median_days_in_stage:.1f} d")
    label = f"{LEVEL_LABELS[step.level]} {step.reached}"
    return f"{label}\n{', '.join(details)}" if details else label


def funnel_tables(report: DashboardReport) -> list[ChartTable]:
    funnel_steps = report.funnel.steps
    steps = tuple(
        (LEVEL_LABELS[step.level], step.reached, step.skipped, step.rate_from_previous, step.median_days_in_stage)
        for step in funnel_steps
    )
    labels = tuple(funnel_step_label(step, funnel_steps[index - 1] if index else None)
                   for index, step in enumerate(funnel_steps))
    top_sources = sorted(report.funnel.by_source.items(), key=lambda item: -item[1][0])[:MAX_SOURCES_PLOTTED]
    # The exports of the per-source funnel also carry each source's stage-to-stage rates and
    # median days in stage. Won ends the funnel, so it has no days in stage.
    rate_headers = tuple(f"{LEVEL_LABELS[level]} % of {LEVEL_LABELS[previous]}"
                         for previous, level in zip(LEVELS, LEVELS[1:]))
    days_headers = tuple(f"median days in {LEVEL_LABELS[level]}" for level in LEVELS[:-1])
    funnel = report.funnel
    return [
        ChartTable("funnel", "Conversion funnel", HORIZONTAL_BAR,
                   ("stage", "leads", "skipped", "rate from previous %", "median days in stage"), steps, "leads",
                   plotted=1, category_labels=labels),
        ChartTable("funnel_by_source", "Funnel by source", BAR,
                   ("source", *(LEVEL_LABELS[level] for level in LEVELS), *rate_headers, *days_headers),
                   tuple((source, *counts, *funnel.rates_by_source[source][1:], *funnel.median_days_by_source[source][:-1])
                         for source, counts in top_sources),
                   "leads", plotted=len(LEVELS)),
    ]


def completeness_tables(report: DashboardReport) -> list[ChartTable]:
    completeness = report.completeness
    return [
        ChartTable("completeness_by_field", "Data completeness by field", HORIZONTAL_BAR, ("field", "percent filled"),
                   tuple(completeness.by_field.items()), "percent"),
        ChartTable("completeness_by_source", "Data completeness by source", HORIZONTAL_BAR,
                   ("source", "percent filled", "leads"),
                   tuple((source, percent, leads) for source, (leads, percent)
                         in sorted(completeness.by_source.items(), key=lambda item: -item[1][0])[:MAX_SOURCES_PLOTTED]),
                   "percent", plotted=1),
    ]


def score_tables(report: DashboardReport) -> list[ChartTable]:
    tables = [
        ChartTable("score_distribution", "Score distribution", BAR, ("score", "leads"),
                   tuple(report.scores.buckets.items()), "leads"),
    ]
    if report.model:
        tables.append(ChartTable(
            "model_calibration", f"Model calibration (version {report.model['version']}, held out)", LINE,
            ("predicted bin", "mean predicted %", "observed %"),
            tuple((f"{row['from']:.1f}-{row['to']:.1f}", round(row["mean_predicted"] * 100, 1),
                   round(row["observed_rate"] * 100, 1)) for row in report.model["calibration"]),
            "percent"))
        tables.append(ChartTable(
            "model_lift", "Model lift by decile (held out)", BAR, ("decile", "lift", "conversion rate %"),
            tuple((int(row["decile"]), row["lift"], round(row["conversion_rate"] * 100, 1))
                  for row in report.model["lift_by_decile"]),
            "times the mean rate", plotted=1))
    return tables


def leading_tables(report: DashboardReport) -> list[ChartTable]:
    leading = report.leading
    rows = tuple((state.replace("_", " "), count) for state, count in leading.by_sla_state.items())
    rows += (("overdue follow-ups", leading.overdue_follow_ups), ("no next step", leading.no_next_step))
    return [ChartTable("leading_indicators", f"Open leads ({leading.open_leads}): leading indicators", HORIZONTAL_BAR,
                       ("indicator", "leads"), rows, "leads")]


def dashboard_tables(report: DashboardReport) -> list[ChartTable]:
    """Return every chart of the dashboard in display order."""
    return [
        *leading_tables(report),
        *speed_tables(report),
        *sla_tables(report),
        *funnel_tables(report),
        *completeness_tables(report),
        *score_tables(report),
    ]
