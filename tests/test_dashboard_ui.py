"""The dashboard tab on real widgets: charts, filters, exports, the PDF report and training."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from PySide6.QtGui import QImage

from leaddesk.ui.dashboard_pdf import export_widgets, place_rows
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.tasks import TaskRunner
from predictive_history import build_closed_leads
from reporting_history import NOW, build_history


@pytest.fixture
def tab(qtbot, database):
    build_history(database)
    runner = TaskRunner(database, synchronous=True)
    widget = DashboardTab(runner, clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.reload()
    return widget


def card(tab: DashboardTab, key: str):
    return next(card for card in tab.cards if card.table.key == key)


def test_dashboard_draws_every_chart(tab):
    keys = [card.table.key for card in tab.cards]
    assert tab.report.leads == 6
    assert len(keys) == 12
    assert "speed_by_segment" in keys
    assert "sla_breach_heatmap" in keys
    assert "model_calibration" not in keys
    assert card(tab, "funnel").table.rows[1] == ("Contacted", 3, 1, 50.0, 1.5)


def test_funnel_by_source_export_rates_days(tab, tmp_path):
    by_source = card(tab, "funnel_by_source")
    path = tmp_path / "funnel_by_source.csv"

    by_source.save_csv(path)

    with path.open(newline="", encoding="utf-8") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}
    assert rows["source"][6:10] == ["Contacted % of New", "MQL % of Contacted", "SQL % of MQL", "Won % of SQL"]
    assert rows["source"][10:] == ["median days in New", "median days in Contacted", "median days in MQL",
                                   "median days in SQL"]
    assert rows["web"][1:6] == ["2", "1", "0", "0", "0"]
    assert rows["web"][6:10] == ["50.0", "0.0", "", ""]
    assert rows["web"][10:] == ["0.04", "2.0", "", ""]
    # The chart plots the five counts only.
    assert by_source.table.plotted_headers == ("New", "Contacted", "MQL", "SQL", "Won")
    assert len(by_source.chart.chart().series()[0].barSets()) == 5


def test_funnel_chart_shows_rates_and_days(tab):
    from PySide6.QtCharts import QBarCategoryAxis

    funnel = card(tab, "funnel")
    axis = next(axis for axis in funnel.chart.chart().axes() if isinstance(axis, QBarCategoryAxis))

    labels = axis.categories()
    assert labels[0] == "New 6<br>median 1.3 d"
    assert labels[1] == "Contacted 3<br>50% of New, median 1.5 d"
    assert funnel.table.category_labels[2] == "MQL 1\n33.3% of Contacted"
    assert len(labels) == 5
    assert not axis.truncateLabels()


def test_dashboard_owner_filter(tab):
    tab.owner.setCurrentIndex(tab.owner.findText("Ana"))

    assert tab.report.leads == 2
    assert tab.report.filter.owners == frozenset({"Ana"})
    assert card(tab, "sla_by_rep").table.rows == (("Ana", 50.0, 1, 1),)


def test_dashboard_period_filter(tab):
    # Last 7 days from 2026-03-11 12:00: leads A (Friday 03-06 17:50), B, D and E.
    tab.period.setCurrentIndex(1)

    assert tab.report.leads == 4


def test_chart_exports_png_csv_xlsx(tab, tmp_path):
    funnel = card(tab, "funnel")
    heatmap = card(tab, "sla_breach_heatmap")

    funnel.save_png(tmp_path / "funnel.png")
    heatmap.save_png(tmp_path / "heatmap.png")
    funnel.save_csv(tmp_path / "funnel.csv")
    funnel.save_xlsx(tmp_path / "funnel.xlsx")

    for name in ("funnel.png", "heatmap.png"):
        image = QImage(str(tmp_path / name))
        assert not image.isNull()
        assert image.width() > 100
        assert image.height() > 100
    with (tmp_path / "funnel.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["stage", "leads", "skipped", "rate from previous %", "median days in stage"]
    assert rows[1] == ["New", "6", "0", "", "1.34"]
    sheet = load_workbook(tmp_path / "funnel.xlsx").active
    assert sheet["A3"].value == "Contacted"
    assert sheet["B3"].value == 3


def test_pdf_report_opens(tab, tmp_path):
    from PySide6.QtPdf import QPdfDocument

    path = tmp_path / "dashboard.pdf"
    tab.export_pdf(path)
    document = QPdfDocument()
    error = document.load(str(path))

    assert path.read_bytes().startswith(b"%PDF")
    assert error == QPdfDocument.Error.None_
    # Twelve charts in the screen's grid of two columns fill two A4 pages.
    assert document.pageCount() == 2
    page = document.render(0, document.pagePointSize(0).toSize())
    assert not page.isNull()


def test_pdf_charts_keep_aspect(tab):
    tables = [card.table for card in tab.cards]
    rows = export_widgets(tables)
    sizes = [[(widget.width(), widget.height()) for widget in widgets] for widgets in rows]

    placed = place_rows(sizes, 1098, 1612, 110)

    flat = [size for row in sizes for size in row]
    assert len(placed) == len(tables) == len(flat)
    for (width, height), (_page, target) in zip(flat, placed):
        assert target.width() / target.height() == pytest.approx(width / height, rel=1e-6)
    lefts = {round(target.left(), 6) for _page, target in placed}
    assert len(lefts) == 2
    rights = {round(target.right(), 6) for _page, target in placed}
    assert len(rights) == 2
    # The charts of one row share their top and bottom edges.
    for row_index, row in enumerate(rows):
        first = sum(len(previous) for previous in rows[:row_index])
        targets = [target for _page, target in placed[first:first + len(row)]]
        assert len({round(target.top(), 6) for target in targets}) == 1
        assert len({round(target.bottom(), 6) for target in targets}) == 1


def test_pdf_tall_row_fits_page():
    placed = place_rows([[(1132, 5000)], [(560, 280), (560, 280)]], 1098, 1612, 110)

    page, target = placed[0]
    assert target.height() == pytest.approx(1612)
    assert target.width() / target.height() == pytest.approx(1132 / 5000)
    assert page == 1
    assert placed[1][0] == 2


def test_training_too_little_data(tab):
    tab.train_model()

    assert "too few closed leads" in tab.model_status.text()
    assert tab.train_button.isEnabled()
    assert not tab.progress.isVisible()


def test_training_adds_model_charts(qtbot, database):
    build_closed_leads(database, won=150, lost=250)
    runner = TaskRunner(database, synchronous=True)
    tab = DashboardTab(runner, clock=lambda: NOW)
    qtbot.addWidget(tab)
    tab.reload()

    with qtbot.waitSignal(tab.training_finished, timeout=120_000):
        tab.train_model()

    keys = [card.table.key for card in tab.cards]
    assert "model_calibration" in keys
    assert "model_lift" in keys
    assert "version 1" in tab.model_status.text()
    lift = card(tab, "model_lift").table.rows
    assert len(lift) == 10
    assert lift[0][1] > lift[-1][1]


def test_main_window_dashboard_tab(qtbot, database):
    build_history(database)
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.show()

    window.tabs.setCurrentWidget(window.dashboard)

    assert window.tabs.tabText(1) == "Dashboard"
    qtbot.waitUntil(lambda: window.dashboard.report is not None, timeout=10_000)
    assert window.dashboard.report.leads == 6


def test_dashboard_custom_range(tab, tmp_path):
    # Leads arrived on 03-02 (two), 03-06, 03-09, 03-10 and 03-11; both ends are included.
    tab.period.setCurrentIndex(tab.period.findText("Custom range…"))
    tab.custom_range.set_range(date(2026, 3, 6), date(2026, 3, 9))

    assert tab.custom_range.isVisibleTo(tab)
    assert tab.report.leads == 2
    assert tab.report.filter.since == datetime(2026, 3, 6, tzinfo=timezone.utc)
    assert tab.report.filter.until == datetime(2026, 3, 10, tzinfo=timezone.utc)

    tab.custom_range.set_range(date(2026, 3, 2), date(2026, 3, 2))
    assert tab.report.leads == 2
    tab.export_pdf(tmp_path / "range.pdf")
    assert (tmp_path / "range.pdf").stat().st_size > 0


def test_custom_range_rejects_reversed(tab):
    tab.period.setCurrentIndex(tab.period.findText("Custom range…"))
    tab.custom_range.set_range(date(2026, 3, 6), date(2026, 3, 9))

    tab.custom_range.set_range(date(2026, 3, 9), date(2026, 3, 6))

    message = tab.custom_range.error.text()
    assert "the end 2026-03-06 is before its start 2026-03-09" in message
    assert tab.custom_range.error.isVisibleTo(tab)
    # The charts keep the last valid range.
    assert tab.report.leads == 2
    tab.period.setCurrentIndex(0)
    assert not tab.custom_range.isVisibleTo(tab)
    assert tab.report.leads == 6


@pytest.mark.parametrize("size", [(1280, 800), (1400, 900), (1920, 1080)])
def test_heatmap_fills_full_row(tab, size):
    tab.resize(*size)
    tab.show()
    tab.grid.activate()
    heatmap = card(tab, "sla_breach_heatmap")
    index = tab.grid.indexOf(heatmap)

    _row, column, _rows, columns = tab.grid.getItemPosition(index)
    view = heatmap.chart
    cells = view.cell_height() * len(heatmap.table.rows)

    assert column == 0
    assert columns == 2
    assert heatmap.width() > tab.grid_host.width() * 0.9
    # The cells take all the height between the title and the hour labels: no empty band.
    assert view._top() + cells + view._bottom_space() == pytest.approx(view.height(), abs=2)
    # Every hour gets its own label at these widths.
    assert view.width() - view.name_width() > 24 * 30


def test_pdf_unwritable_folder(tab, tmp_path):
    target = tmp_path / "missing-folder" / "dashboard.pdf"

    with pytest.raises(OSError, match="check that the folder is writable"):
        tab.export_pdf(target)

    assert not target.exists()
