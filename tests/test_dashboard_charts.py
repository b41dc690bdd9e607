"""Chart drawing details: whole segment labels on the axes and whole-number ticks for counts."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QValueAxis

from leaddesk.services.reporting.tables import BAR, HORIZONTAL_BAR, ChartTable
from leaddesk.ui.dashboard_charts import chart_widget

SEGMENTS = ("Enterprise demo request", "High-intent outbound reply", "Mid-market form fill", "General website visitor")


def axes(widget, kind):
    return [axis for axis in widget.chart().axes() if isinstance(axis, kind)]


def test_segment_labels_shown_whole(qtbot):
    table = ChartTable("sla_by_segment", "SLA met by segment", HORIZONTAL_BAR, ("segment", "percent met"),
                       tuple((name, 50.0) for name in SEGMENTS), "percent")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    categories = axes(widget, QBarCategoryAxis)[0]

    assert categories.categories() == list(SEGMENTS)
    assert not categories.truncateLabels()


def test_many_long_categories_turned(qtbot):
    table = ChartTable("funnel_by_source", "Funnel by source", BAR, ("source", "New"),
                       tuple((f"Source number {index}", index) for index in range(5)), "leads")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    categories = axes(widget, QBarCategoryAxis)[0]

    assert categories.labelsAngle() == -45
    assert categories.categories()[4] == "Source number 4"


def test_small_counts_whole_ticks(qtbot):
    table = ChartTable("score_distribution", "Score distribution", BAR, ("score", "leads"),
                       (("0-9", 1), ("10-19", 6)), "leads")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    values = axes(widget, QValueAxis)[0]

    assert values.max() == 7
    assert values.tickCount() == 8
    assert values.labelFormat() == "%.0f"


def test_bar_labels_fit_above_bars(qtbot):
    from PySide6.QtCharts import QAbstractBarSeries

    table = ChartTable("score_distribution", "Score distribution", BAR, ("bucket", "leads"),
                       (("0-9", 9240), ("10-19", 12)), "leads")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    series = widget.chart().series()[0]
    values = axes(widget, QValueAxis)[0]

    assert series.isLabelsVisible()
    assert series.labelsPosition() == QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd
    assert series.barSets()[0].labelColor().name() != "#ffffff"
    # Room above the tallest bar for its "9240" label.
    assert values.max() >= 9240 * 1.1
