"""The dashboard as a PDF report: a title page header, the filter, then every chart as drawn on screen."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPixmap

# Charts per A4 page, stacked vertically.
CHARTS_PER_PAGE = 3
RESOLUTION_DPI = 150


def write_pdf_report(path: Path, title: str, subtitle: str, charts: Sequence[QPixmap]) -> None:
    """Write title, subtitle and the chart images to a PDF file at path, CHARTS_PER_PAGE per page."""
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator("LeadDesk")
    painter = QPainter()
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
        top = 110.0
        slot = (page.height() - top) / CHARTS_PER_PAGE
        for index, pixmap in enumerate(charts):
            if index and index % CHARTS_PER_PAGE == 0:
                writer.newPage()
                top = 0.0
                slot = page.height() / CHARTS_PER_PAGE
            position = index % CHARTS_PER_PAGE
            scaled = pixmap.scaled(int(width), int(slot - 12), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            painter.drawPixmap(int((width - scaled.width()) / 2), int(top + position * slot), scaled)
    finally:
        painter.end()
