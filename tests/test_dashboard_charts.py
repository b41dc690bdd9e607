"""Chart drawing details: whole segment labels, whole-number ticks for counts, the heatmap's size and the grid."""

from __future__ import annotations

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QValueAxis

from leaddesk.services.reporting.tables import BAR, HEATMAP, HORIZONTAL_BAR, ChartTable
from leaddesk.ui.dashboard_charts import chart_widget, grid_rows
from leaddesk.ui.dashboard_heatmap import EMPTY_HEIGHT, MAX_CELL_HEIGHT, PREFERRED_CELL_HEIGHT, HeatmapView

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
                       tuple((f"Source number {index}", index) for index in range(6)), "leads")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    categories = axes(widget, QBarCategoryAxis)[0]

    assert categories.labelsAngle() == -90
    assert categories.categories()[0] == "Source number 0"
    assert categories.categories()[4] == "Source number 4"


def test_deciles_stay_level(qtbot):
    table = ChartTable("model_lift", "Model lift by decile (held out)", BAR, ("decile", "lift"),
                       tuple((decile, 2.0 - decile / 10) for decile in range(1, 11)), "times the mean rate")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    categories = axes(widget, QBarCategoryAxis)[0]

    assert categories.labelsAngle() == 0
    assert categories.categories()[9] == "10"


def test_few_long_categories_wrapped(qtbot):
    table = ChartTable("speed_by_segment", "Speed to lead by segment", BAR, ("segment", "median wall"),
                       tuple((name, 12.0) for name in SEGMENTS), "minutes")

    widget = chart_widget(table)
    qtbot.addWidget(widget)
    categories = axes(widget, QBarCategoryAxis)[0]

    assert categories.labelsAngle() == 0
    assert categories.categories()[0] == "Enterprise<br>demo request"
    assert categories.categories()[1] == "High-intent<br>outbound reply"
    assert not categories.truncateLabels()


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


HOURS = tuple(f"{hour:02d}" for hour in range(24))


def heatmap_table(reps: int) -> ChartTable:
    return ChartTable("sla_breach_heatmap", "SLA breaches by rep and hour of arrival", HEATMAP, ("rep", *HOURS),
                      tuple((f"Rep {index}", *range(24)) for index in range(reps)), "breaches")


def test_heatmap_height_follows_reps(qtbot):
    one_rep = HeatmapView(heatmap_table(1))
    seven_reps = HeatmapView(heatmap_table(7))
    empty = HeatmapView(heatmap_table(0))
    for widget in (one_rep, seven_reps, empty):
        qtbot.addWidget(widget)

    step = (seven_reps.sizeHint().height() - one_rep.sizeHint().height()) / 6

    assert step == PREFERRED_CELL_HEIGHT
    assert one_rep.minimumSizeHint().height() == one_rep.sizeHint().height()
    assert empty.sizeHint().height() == EMPTY_HEIGHT


def test_heatmap_cells_fill_taller_widget(qtbot):
    widget = HeatmapView(heatmap_table(3))
    qtbot.addWidget(widget)
    widget.resize(900, widget.sizeHint().height() + 30)

    assert widget.cell_height() == pytest.approx(PREFERRED_CELL_HEIGHT + 10, abs=1)
    widget.resize(900, 2000)
    assert widget.cell_height() == MAX_CELL_HEIGHT
    # Painting a stretched heatmap must not fail.
    assert not widget.grab().isNull()


def test_grid_rows_heatmap_alone():
    kinds = (BAR, BAR, BAR, HEATMAP, BAR, BAR, BAR)
    tables = [ChartTable(f"chart{index}", "Chart", kind, ("name", "value"), (), "") for index, kind in enumerate(kinds)]

    rows = grid_rows(tables)

    assert rows == [[0, 1], [2], [3], [4, 5], [6]]


def test_heatmap_cell_tooltip(qtbot):
    from PySide6.QtCore import QEvent, QPoint, QPointF
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    widget = HeatmapView(heatmap_table(3))
    qtbot.addWidget(widget)
    widget.resize(900, widget.sizeHint().height())
    widget.show()
    left, top, cell_width, cell_height = widget.cell_grid()
    inside = QPoint(int(left + 5.5 * cell_width), int(top + 2.5 * cell_height))

    assert widget.cell_at(QPointF(inside)) == (2, 5)
    assert widget.cell_at(QPointF(left - 2, top + 1)) is None
    assert widget.cell_at(QPointF(left + 1, top + 3 * cell_height + 1)) is None
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, inside, widget.mapToGlobal(inside)))
    assert QToolTip.text() == "Rep 2, 05:00-06:00: 5 breaches"
