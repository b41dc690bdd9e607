"""Draw a ChartTable as a QtCharts chart, or as a painted heatmap for the rep x hour table, and place charts in a grid.

QtCharts (PySide6-Addons) is used because it ships with the Qt LeadDesk already runs on,
draws offline without a browser engine, and renders to PNG and PDF through QWidget.grab().
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from leaddesk.services.reporting.tables import HEATMAP, HORIZONTAL_BAR, LINE, ChartTable
from leaddesk.ui.dashboard_heatmap import HeatmapView

CHART_HEIGHT = 280
# Categories with longer names are cut on the axis; the exports keep the full name. 28 fits
# the shipped playbook's segment labels, such as "High-intent outbound reply".
MAX_LABEL_CHARS = 28
# A vertical bar chart turns its category labels when it has more than this many categories
# and a label longer than SHORT_LABEL_CHARS, because Qt elides labels wider than their bar group.
MAX_LEVEL_CATEGORIES = 3
SHORT_LABEL_CHARS = 8
TINY_LABEL_CHARS = 3


# Height per category of a horizontal bar chart, so that Qt does not elide the axis labels.
ROW_HEIGHT = 26
_ISO_DATE = re.compile(r"^\d{4}-(\d{2}-\d{2})$")


def _label(value: object) -> str:
    text = str(value)
    match = _ISO_DATE.match(text)
    if match:
        # Weeks are labelled by month and day to fit the axis; the exports keep the year.
        return match.group(1)
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


# Units whose values are whole counts, and the count up to which each whole number gets a tick.
COUNT_UNITS = frozenset({"leads", "breaches"})
MAX_COUNT_TICKS = 10
# Value axis room above the longest labelled bar, as a factor, for the value label drawn beyond its end.
LABEL_HEADROOM = 1.15
LABEL_COLOR = "#202020"


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _value_axis(table: ChartTable, maximum: float) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(table.unit)
    if table.unit == "percent":
        axis.setRange(0, 100)
    elif table.unit in COUNT_UNITS and maximum < MAX_COUNT_TICKS:
        # One tick per whole number, so small counts read 0, 1, 2 rather than 0.0, 1.5, 3.0.
        top = int(maximum) + 1
        axis.setRange(0, top)
        axis.setTickCount(top + 1)
    else:
        axis.setRange(0, maximum * 1.05 if maximum > 0 else 1)
        axis.applyNiceNumbers()
    axis.setLabelFormat("%.0f" if axis.max() >= 10 or table.unit in COUNT_UNITS else "%.1f")
    return axis


def _bar_chart(chart: QChart, table: ChartTable, horizontal: bool) -> None:
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    count = len(table.plotted_headers)
    maximum = 0.0
    for column, header in enumerate(table.plotted_headers, start=1):
        bar_set = QBarSet(header)
        for row in table.rows:
            value = _number(row[column])
            maximum = max(maximum, value)
            bar_set.append(value)
        series.append(bar_set)
    labelled = len(table.rows) * count <= 12
    series.setLabelsVisible(labelled)
    if labelled:
        # Beyond the bar's end, a label never overlaps a short bar. A percent bar can reach the
        # axis maximum of 100, so its label stays inside the bar's end.
        position = (QAbstractBarSeries.LabelsPosition.LabelsInsideEnd if table.unit == "percent"
                    else QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsPosition(position)
        for bar_set in series.barSets():
            # The default label color is white, which is invisible beyond the bar's end.
            bar_set.setLabelColor(QColor(LABEL_COLOR) if position != QAbstractBarSeries.LabelsPosition.LabelsInsideEnd
                                  else QColor("white"))
        # Headroom above the longest bar, so its outside label is not cut at the plot edge.
        maximum *= LABEL_HEADROOM
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    if table.category_labels is not None:
        # Qt draws axis labels as rich text, so a line break must be <br> and other text escaped.
        categories.append([html.escape(label).replace("\n", "<br>") for label in table.category_labels])
    elif not horizontal and _wrapped_fit(table):
        # Rich text again: the lines of a wrapped label are joined with <br>.
        categories.append([html.escape("\n".join(textwrap.wrap(_label(row[0]), WRAP_CHARS))).replace("\n", "<br>")
                           for row in table.rows])
    else:
        categories.append([_label(row[0]) for row in table.rows])
    # _label already cut names longer than MAX_LABEL_CHARS, and category_labels are meant whole, so Qt must not elide them.
    categories.setTruncateLabels(False)
    values = _value_axis(table, maximum)
    if horizontal:
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    else:
        if not _wrapped_fit(table):
            _turn_long_labels(categories, table)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    chart.legend().setVisible(count > 1)


# With more categories than this, axis labels are turned so that each one fits.
MAX_LEVEL_LABELS = 8


# A vertical bar chart with more than MAX_LEVEL_CATEGORIES and at most this many categories
# wraps long labels onto lines of at most WRAP_CHARS characters instead of turning them.
# Qt reserves too little height for turned labels as long as segment names, which then
# run into the legend below the axis.
MAX_WRAPPED_CATEGORIES = 5
WRAP_CHARS = 14


def _wrapped_fit(table: ChartTable) -> bool:
    """Return whether the category labels of a vertical bar chart are wrapped rather than turned."""
    longest = max((len(_label(row[0])) for row in table.rows), default=0)
    return MAX_LEVEL_CATEGORIES < len(table.rows) <= MAX_WRAPPED_CATEGORIES and longest > SHORT_LABEL_CHARS


def _turn_long_labels(categories: QBarCategoryAxis, table: ChartTable) -> None:
    """Turn the labels of a horizontal category axis so that Qt shows them whole instead of eliding them."""
    longest = max((len(_label(row[0])) for row in table.rows), default=0)
    # Labels as short as deciles ("1" to "10") fit side by side even when there are many.
    many = len(table.rows) > MAX_LEVEL_LABELS and longest > TINY_LABEL_CHARS
    # Labels turn a full 90 degrees. Qt centres the box of a label turned by 45 degrees on its
    # category and hides the first label when that box reaches left of the axis.
    if many or (len(table.rows) > MAX_LEVEL_CATEGORIES and longest > SHORT_LABEL_CHARS):
        categories.setLabelsAngle(-90)


def _line_chart(chart: QChart, table: ChartTable) -> None:
    categories = QBarCategoryAxis()
    categories.append([_label(row[0]) for row in table.rows])
    if len(table.rows) > MAX_LEVEL_LABELS:
        categories.setLabelsAngle(-90)
    maximum = max((_number(value) for row in table.rows for value in row[1:]), default=0.0)
    values = _value_axis(table, maximum)
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    for column, header in enumerate(table.plotted_headers, start=1):
        series = QLineSeries()
        series.setName(header)
        series.setPointsVisible(True)
        for index, row in enumerate(table.rows):
            if row[column] is not None:
                series.append(index, _number(row[column]))
        chart.addSeries(series)
        series.attachAxis(categories)
        series.attachAxis(values)
    chart.legend().setVisible(len(table.plotted_headers) > 1)


def chart_widget(table: ChartTable, parent: QWidget | None = None) -> QWidget:
    """Return a widget that draws table: a QChartView, or a HeatmapView for heatmap tables."""
    if table.kind == HEATMAP:
        return HeatmapView(table, parent)
    chart = QChart()
    chart.setTitle(table.title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    if not table.rows:
        chart.setTitle(f"{table.title}: no data in this selection")
    elif table.kind == LINE:
        _line_chart(chart, table)
    else:
        _bar_chart(chart, table, horizontal=table.kind == HORIZONTAL_BAR)
    view = QChartView(chart, parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    height = CHART_HEIGHT
    if table.kind == HORIZONTAL_BAR:
        height = max(CHART_HEIGHT, 110 + ROW_HEIGHT * len(table.rows))
    view.setMinimumHeight(height)
    return view



# Charts side by side in one grid row, on screen and in the PDF report.
COLUMNS = 2
# Kinds that take a whole grid row: the heatmap's 24 hour columns need the width.
FULL_ROW_KINDS = frozenset({HEATMAP})


def grid_rows(tables: Sequence[ChartTable]) -> list[list[int]]:
    """Return the indexes of tables grouped into grid rows, in order: COLUMNS per row, a full-row kind alone."""
    rows: list[list[int]] = []
    current: list[int] = []
    for index, table in enumerate(tables):
        if table.kind in FULL_ROW_KINDS:
            if current:
                rows.append(current)
                current = []
            rows.append([index])
            continue
        current.append(index)
        if len(current) == COLUMNS:
            rows.append(current)
            current = []
    if current:
        rows.append(current)
    return rows
