"""The dashboard as a PDF report: a header with the filter, then every chart in the screen's grid.

Each chart is drawn afresh from its table at a fixed size, so the report looks the same
whatever the window's size. One scale fits the grid's width to the page, so every chart
keeps its aspect ratio, the text has one size throughout, and the columns line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRectF, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QWidget

from leaddesk.services.reporting.tables import ChartTable
from leaddesk.ui.dashboard_charts import COLUMNS, chart_widget, grid_rows

RESOLUTION_DPI = 150
# Width in screen pixels at which each chart is drawn, and the gap between charts.
CHART_WIDTH = 560
GAP = 12
# Charts are drawn as images at this many pixels per screen pixel, so that text stays sharp in print.
PIXEL_RATIO = 2
HEADER_HEIGHT = 110


def export_widgets(tables: Sequence[ChartTable]) -> list[list[QWidget]]:
    """Return a chart widget per table, grouped and sized as the rows of the report's grid.

    A chart alone in its row takes the grid's full width. The charts of a row share the
    height of the tallest one, as they do on screen.
    """
    full_width = COLUMNS * CHART_WIDTH + (COLUMNS - 1) * GAP
    rows = []
    for indexes in grid_rows(tables):
        widgets = [chart_widget(tables[index]) for index in indexes]
        width = full_width if len(widgets) == 1 else CHART_WIDTH
        height = max(max(widget.minimumHeight(), widget.sizeHint().height()) for widget in widgets)
        for widget in widgets:
            widget.resize(width, height)
        rows.append(widgets)
    return rows


def _chart_image(widget: QWidget) -> QImage:
    image = QImage(widget.width() * PIXEL_RATIO, widget.height() * PIXEL_RATIO, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(PIXEL_RATIO)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    try:
        # QGraphicsView overrides render() with a scene-drawing one, so the widget version is called by name.
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    return image


def place_rows(sizes: Sequence[Sequence[tuple[int, int]]], page_width: float, page_height: float,
               first_top: float) -> list[tuple[int, QRectF]]:
    """Return (page index, target rectangle) for each chart of the grid rows, whose (width, height) are in sizes.

    One scale fits the grid's full width to page_width, so the columns line up and every chart keeps
    its aspect ratio. Rows flow down the pages, the first page starting at first_top. A row taller
    than a page is scaled down to fit it.
    """
    scale = page_width / (COLUMNS * CHART_WIDTH + (COLUMNS - 1) * GAP)
    page, top = 0, float(first_top)
    placed = []
    for row in sizes:
        row_scale = min(scale, page_height / max(height for _width, height in row))
        row_height = max(height for _width, height in row) * row_scale
        if top > 0 and top + row_height > page_height:
            page, top = page + 1, 0.0
        for column, (width, height) in enumerate(row):
            left = column * (CHART_WIDTH + GAP) * row_scale
            placed.append((page, QRectF(left, top, width * row_scale, height * row_scale)))
        top += row_height + GAP * scale
    return placed


def write_pdf_report(path: Path, title: str, subtitle: str, tables: Sequence[ChartTable]) -> None:
    """Write title, subtitle and a chart per table to a PDF file at path, in the dashboard's grid."""
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator("LeadDesk")
    rows = export_widgets(tables)
    painter = QPainter()
    pages = 0
    if not painter.begin(writer):
        raise OSError(f"cannot write the PDF report to {path}; check that the folder is writable")
    try:
        page = painter.viewport()
        width = page.width()
        heading = QFont("Sans", 16)
        heading.setBold(True)
        painter.setFont(heading)
        painter.drawText(QRectF(0, 0, width, 60), Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(QFont("Sans", 9))
        painter.drawText(QRectF(0, 60, width, 40), Qt.AlignmentFlag.AlignLeft, subtitle)

        sizes = [[(widget.width(), widget.height()) for widget in widgets] for widgets in rows]
        for (page_index, target), widget in zip(place_rows(sizes, width, page.height(), HEADER_HEIGHT),
                                                (widget for widgets in rows for widget in widgets)):
            while page_index > pages:
                writer.newPage()
                pages += 1
            painter.drawImage(target, _chart_image(widget))
    finally:
        painter.end()
        for widgets in rows:
            for widget in widgets:
                widget.deleteLater()
