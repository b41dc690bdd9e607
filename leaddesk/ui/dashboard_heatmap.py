"""The rep x hour-of-day breach heatmap, painted by hand because QtCharts has no heatmap series.

The dashboard gives it a whole grid row, because 24 hour columns need the width. Its
height follows the number of reps, so the card has no empty band under the cells.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QHelpEvent, QLinearGradient, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from leaddesk.services.reporting.tables import ChartTable

# Cell height in pixels that the preferred size gives each rep, and the bounds the cells
# keep when the widget is made taller or shorter than preferred.
PREFERRED_CELL_HEIGHT = 28
MIN_CELL_HEIGHT = 16
MAX_CELL_HEIGHT = 44
# Height of a heatmap with no rows, which shows only the title and a message.
EMPTY_HEIGHT = 120
# Maximum share of the width that the rep name column takes. Longer names are elided.
MAX_NAME_SHARE = 0.3
MARGIN = 12
PANEL_INSET = 4
PANEL_RADIUS = 6
LEGEND_WIDTH = 120
EMPTY_TEXT = "No breaches in this selection"
AXIS_TITLE = "hour of arrival (team time)"
TEXT_COLOR = QColor("#222")


def cell_color(share: float) -> QColor:
    """Return the fill of a cell whose count is share (0 to 1) of the busiest cell: white to strong red."""
    return QColor.fromRgbF(1.0, 1.0 - 0.8 * share, 1.0 - 0.8 * share)


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


class HeatmapView(QWidget):
    """A grid of cells shaded by count, one row per category and one column per numeric header."""

    def __init__(self, table: ChartTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _line_height(self) -> float:
        return QFontMetricsF(self.font()).height()

    def _top(self) -> float:
        """Return the y where the cells start, below the title."""
        return MARGIN + self._line_height() + MARGIN

    def _bottom_space(self) -> float:
        """Return the height below the cells: the hour labels, then the axis title and the color scale."""
        return 2 * (self._line_height() + 4) + MARGIN

    def preferred_height(self) -> int:
        if not self.table.rows:
            return EMPTY_HEIGHT
        return int(self._top() + PREFERRED_CELL_HEIGHT * len(self.table.rows) + self._bottom_space())

    def sizeHint(self) -> QSize:
        return QSize(900, self.preferred_height())

    def minimumSizeHint(self) -> QSize:
        # Computed on request, because the font that sets the text lines is known only once the widget is polished.
        return QSize(300, self.preferred_height())

    def cell_height(self) -> float:
        """Return the height of one row of cells: the space under the title shared by the rows, within bounds."""
        rows = len(self.table.rows)
        if not rows:
            return 0.0
        share = (self.height() - self._top() - self._bottom_space()) / rows
        return max(MIN_CELL_HEIGHT, min(MAX_CELL_HEIGHT, share))

    def name_width(self) -> float:
        metrics = QFontMetricsF(self.font())
        widest = max((metrics.horizontalAdvance(str(row[0])) for row in self.table.rows), default=0.0)
        return min(widest + 2 * MARGIN, self.width() * MAX_NAME_SHARE)

    def cell_grid(self) -> tuple[float, float, float, float]:
        """Return the left and top of the first cell and the width and height of every cell, in pixels."""
        left = self.name_width()
        cell_width = (self.width() - left - MARGIN) / max(len(self.table.headers) - 1, 1)
        cell_height = self.cell_height()
        # In a widget taller than MAX_CELL_HEIGHT lets the cells fill, the cells and their labels
        # are centered vertically.
        block = cell_height * len(self.table.rows) + self._bottom_space()
        top = max(self._top(), (self.height() - block + self._top()) / 2)
        return left, top, cell_width, cell_height

    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        """Return the (row, column) index of the cell under point, or None outside the cells."""
        if not self.table.rows:
            return None
        left, top, cell_width, cell_height = self.cell_grid()
        row = math.floor((point.y() - top) / cell_height)
        column = math.floor((point.x() - left) / cell_width)
        if 0 <= row < len(self.table.rows) and 0 <= column < len(self.table.headers) - 1:
            return row, column
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._show_cell_tip(event)
            return True
        return super().event(event)

    def _show_cell_tip(self, event: QHelpEvent) -> None:
        """Show the rep, the hour and the count of the cell under the pointer, such as "Ana, 08:00-09:00: 3 breaches"."""
        found = self.cell_at(QPointF(event.pos()))
        if found is None:
            QToolTip.hideText()
            return
        row_index, column_index = found
        row = self.table.rows[row_index]
        hour = int(self.table.headers[1 + column_index])
        text = f"{row[0]}, {hour:02d}:00-{(hour + 1) % 24:02d}:00: {row[1 + column_index]} {self.table.unit}".rstrip()
        QToolTip.showText(event.globalPos(), text, self)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        # A white panel inset on the window color, as QChartView draws the other charts.
        painter.fillRect(self.rect(), self.palette().window())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(PANEL_INSET, PANEL_INSET, -PANEL_INSET, -PANEL_INSET),
                                PANEL_RADIUS, PANEL_RADIUS)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(TEXT_COLOR)
        painter.drawText(QRectF(0, MARGIN, self.width(), self._line_height()), Qt.AlignmentFlag.AlignHCenter,
                         self.table.title)
        rows = self.table.rows
        if not rows:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            return

        columns = self.table.headers[1:]
        left, top, cell_width, cell_height = self.cell_grid()
        maximum = max((_number(value) for row in rows for value in row[1:]), default=0.0) or 1.0
        metrics = QFontMetricsF(self.font())

        for row_index, row in enumerate(rows):
            y = top + row_index * cell_height
            name = metrics.elidedText(str(row[0]), Qt.TextElideMode.ElideRight, left - 2 * MARGIN)
            painter.setPen(TEXT_COLOR)
            painter.drawText(QRectF(0, y, left - MARGIN, cell_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name)
            for column_index, value in enumerate(row[1:]):
                cell = QRectF(left + column_index * cell_width, y, cell_width - 1, cell_height - 1)
                painter.fillRect(cell, cell_color(_number(value) / maximum))
                if value and metrics.horizontalAdvance(str(value)) < cell_width - 2:
                    painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, str(value))

        label_y = top + len(rows) * cell_height + 2
        self._paint_hour_labels(painter, columns, left, cell_width, label_y)
        self._paint_scale(painter, int(maximum), left, label_y + self._line_height() + 4)

    def _paint_hour_labels(self, painter: QPainter, columns: tuple[str, ...], left: float, cell_width: float,
                           y: float) -> None:
        """Label each hour under its column, or every second hour when the cells are narrower than a label."""
        metrics = QFontMetricsF(self.font())
        widest = max(metrics.horizontalAdvance(header) for header in columns)
        step = 1 if widest + 4 <= cell_width else 2
        for column_index, header in enumerate(columns):
            if column_index % step == 0:
                painter.drawText(QRectF(left + column_index * cell_width, y, cell_width, self._line_height()),
                                 Qt.AlignmentFlag.AlignHCenter, header)

    def _paint_scale(self, painter: QPainter, maximum: int, left: float, y: float) -> None:
        """Draw the axis title on the left and a color scale from 0 to the busiest cell's count on the right."""
        height = self._line_height()
        painter.drawText(QRectF(left, y, self.width() / 2, height), Qt.AlignmentFlag.AlignLeft, AXIS_TITLE)
        metrics = QFontMetricsF(self.font())
        end_text = f"{maximum} {self.table.unit}".strip()
        end_width = metrics.horizontalAdvance(end_text)
        bar_right = self.width() - MARGIN - end_width - 4
        bar = QRectF(bar_right - LEGEND_WIDTH, y + 2, LEGEND_WIDTH, height - 4)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, cell_color(0.0))
        gradient.setColorAt(1.0, cell_color(1.0))
        painter.fillRect(bar, gradient)
        painter.drawRect(bar)
        painter.drawText(QRectF(bar.left() - 24, y, 20, height), Qt.AlignmentFlag.AlignRight, "0")
        painter.drawText(QRectF(bar_right + 4, y, end_width + 2, height), Qt.AlignmentFlag.AlignLeft, end_text)
