"""Every dashboard figure on the fixed history of reporting_history, computed by hand."""

from __future__ import annotations

import pytest

from leaddesk.services.reporting import ReportFilter, build_dashboard
from reporting_history import NOW, at, build_history


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


@pytest.fixture
def report(database):
    build_history(database)
    return build_dashboard(database, ReportFilter(), NOW)


def test_speed_overall_wall_and_business(report):
    overall = report.speed.overall
    assert overall.contacted == 3
    # Wall seconds 240 (B), 3600 (C), 228000 (A: Friday 17:50 to Monday 09:10).
    assert overall.median_wall == 3600
    assert overall.p90_wall == 228000
    # Business seconds 240, 1200 (A: 10 minutes on Friday, 10 on Monday), 3600.
    assert overall.median_business == 1200
    assert overall.p90_business == 3600


def test_speed_weekend_lead_business_minutes(report):
    segment = report.speed.by_segment["mid_market_form"]
    assert segment.contacted == 1
    assert segment.median_wall == 228000
    assert segment.median_business == 1200


def test_speed_per_rep_and_week(report):
    ana = report.speed.by_rep["Ana"]
    assert ana.median_wall == (240 + 228000) / 2
    assert ana.p90_wall == 228000
    assert ana.median_business == (240 + 1200) / 2
    assert report.speed.by_rep["Ben"].median_wall == 3600
    assert report.speed.by_rep["(unassigned)"].contacted == 0
    assert report.speed.by_rep["(unassigned)"].median_wall is None
    assert list(report.speed.by_week) == ["2026-03-02", "2026-03-09"]
    assert report.speed.by_week["2026-03-02"].median_wall == (3600 + 228000) / 2
    assert report.speed.by_week["2026-03-02"].median_business == (1200 + 3600) / 2
    assert report.speed.by_week["2026-03-09"].median_wall == 240


def test_sla_met_by_one_minute(report):
    sla = report.sla
    assert sla.by_segment["enterprise_demo"].met == 1
    assert sla.by_segment["enterprise_demo"].percent_met == 100.0
    assert sla.by_segment["mid_market_form"].breached == 1
    assert sla.by_segment["mid_market_form"].percent_met == 0.0
    # E is still inside its deadline and F has none, so neither counts.
    assert sla.by_segment["general"].met == 1
    assert sla.by_segment["general"].breached == 1
    assert sla.overall.met == 2
    assert sla.overall.breached == 2
    assert sla.overall.percent_met == 50.0


def test_sla_by_rep_and_heatmap(report):
    assert report.sla.by_rep["Ana"].met == 1
    assert report.sla.by_rep["Ana"].breached == 1
    assert report.sla.by_rep["Ben"].met == 1
    assert report.sla.by_rep["Ben"].breached == 1
    assert "(unassigned)" not in report.sla.by_rep
    heatmap = report.sla.breach_heatmap
    assert set(heatmap) == {"Ana", "Ben"}
    assert heatmap["Ana"][17] == 1
    assert sum(heatmap["Ana"]) == 1
    assert heatmap["Ben"][9] == 1
    assert sum(heatmap["Ben"]) == 1


def test_funnel_counts_and_skipped_stage(report):
    steps = {step.level: step for step in report.funnel.steps}
    # F went from new straight to won, so it is skipped at contacted, MQL and SQL, not reached.
    assert [steps[level].reached for level in ("new", "contacted", "mql", "sql", "won")] == [6, 3, 1, 1, 2]
    assert [steps[level].skipped for level in ("new", "contacted", "mql", "sql", "won")] == [0, 1, 1, 1, 0]
    assert steps["new"].rate_from_previous is None
    assert steps["contacted"].rate_from_previous == 50.0
    assert steps["mql"].rate_from_previous == 33.3
    assert steps["sql"].rate_from_previous == 100.0
    assert steps["won"].rate_from_previous == 100.0


def test_funnel_days_in_stage(report):
    steps = {step.level: step for step in report.funnel.steps}
    # Days in new: B 240 s, C 3600 s, A 228000 s, F 3 days; the median is the mean of the middle two.
    assert steps["new"].median_days_in_stage == round((3600 + 228000) / 2 / 86400, 2)
    # Days in contacted: B from 10:04 to 10:00 the next day, C two days.
    assert steps["contacted"].median_days_in_stage == round((86160 / 86400 + 2) / 2, 2)
    assert steps["sql"].median_days_in_stage == 1.0
    assert steps["mql"].median_days_in_stage is None
    assert steps["won"].median_days_in_stage is None


def test_funnel_by_source(report):
    assert report.funnel.by_source == {
        "(no source)": [1, 0, 0, 0, 0],
        "demo request": [1, 1, 1, 1, 1],
        "referral": [1, 0, 0, 0, 1],
        "web": [2, 1, 0, 0, 0],
        "web form": [1, 1, 0, 0, 0],
    }


def test_funnel_days_by_source(report):
    days = report.funnel.median_days_by_source
    # B: 240 s in new, 86160 s in contacted, one day in SQL.
    assert days["demo request"] == [round(240 / 86400, 2), round(86160 / 86400, 2), None, 1.0, None]
    # C: 3600 s in new, two days in contacted. E is still new, so it has no finished spell.
    assert days["web"] == [round(3600 / 86400, 2), 2.0, None, None, None]
    # A: 228000 s in new, and still contacted.
    assert days["web form"] == [round(228000 / 86400, 2), None, None, None, None]
    assert days["referral"] == [3.0, None, None, None, None]
    assert days["(no source)"] == [None, None, None, None, None]


def test_funnel_rates_by_source(report):
    rates = report.funnel.rates_by_source
    assert rates["demo request"] == [None, 100.0, 100.0, 100.0, 100.0]
    # C was contacted and E not, so half of web's new leads reached contacted. Neither reached MQL.
    assert rates["web"] == [None, 50.0, 0.0, None, None]
    assert rates["web form"] == [None, 100.0, 0.0, None, None]
    # F skipped contacted, MQL and SQL, so its win has no previous level to count from.
    assert rates["referral"] == [None, 0.0, None, None, None]
    assert rates["(no source)"] == [None, 0.0, None, None, None]
    assert report.to_json()["funnel"]["rates_by_source_percent"]["web"] == [None, 50.0, 0.0, None, None]


def test_completeness_per_field(report):
    by_field = report.completeness.by_field
    assert by_field["name"] == 100.0
    assert by_field["e-mail"] == 33.3
    assert by_field["phone"] == 16.7
    assert by_field["company"] == 33.3
    assert by_field["employee count"] == 16.7
    assert by_field["lead source"] == 83.3
    assert by_field["city"] == 0.0


def test_completeness_per_source(report):
    by_source = report.completeness.by_source
    # Twelve field groups: A fills name, e-mail, company and source.
    assert by_source["web form"] == (1, 33.3)
    assert by_source["demo request"] == (1, 58.3)
    assert by_source["web"] == (2, 16.7)
    assert by_source["(no source)"] == (1, 8.3)


def test_score_distribution_buckets(report):
    buckets = report.scores.buckets
    assert buckets["0-9"] == 1
    assert buckets["10-19"] == 1
    assert buckets["40-49"] == 1
    assert buckets["70-79"] == 1
    assert buckets["90-100"] == 2
    assert sum(buckets.values()) == 6


def test_leading_indicators(report):
    leading = report.leading
    assert leading.open_leads == 3
    assert leading.by_sla_state == {"overdue": 1, "due_soon": 0, "waiting": 1, "contacted": 1}
    assert leading.leads_with_overdue_follow_ups == 1
    assert leading.overdue_follow_ups == 1
    assert leading.no_next_step == 1


def test_filter_by_owner(database):
    build_history(database)
    report = build_dashboard(database, ReportFilter(owners=frozenset({"Ana"})), NOW)
    assert report.leads == 2
    assert report.sla.overall.met == 1
    assert report.sla.overall.breached == 1


def test_filter_by_date_segment_source(database):
    build_history(database)
    since = build_dashboard(database, ReportFilter(since=at(9, 0, 0)), NOW)
    segment = build_dashboard(database, ReportFilter(segments=frozenset({"general"})), NOW)
    source = build_dashboard(database, ReportFilter(sources=frozenset({"web"})), NOW)
    until = build_dashboard(database, ReportFilter(until=at(9, 0, 0)), NOW)
    assert since.leads == 3
    assert segment.leads == 4
    assert source.leads == 2
    assert until.leads == 3


def test_filter_rejects_naive_instant():
    from datetime import datetime

    with pytest.raises(ValueError, match="naive"):
        ReportFilter(since=datetime(2026, 3, 1))
