"""Segment names in the dashboard: charts, exports, `leaddesk stats` and the filter show the playbook's labels."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from leaddesk.cli.main import main
from leaddesk.services.playbook import save_playbook_text, shipped_playbook_text
from leaddesk.services.reporting import ReportFilter, build_dashboard
from leaddesk.services.reporting.tables import dashboard_tables
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.tasks import TaskRunner
from reporting_history import NOW, build_history

NOW_OPTION = "2026-03-11T12:00:00Z"


def table(report, key):
    return next(table for table in dashboard_tables(report) if table.key == key)


def rename_mid_market(database) -> None:
    """Make the active playbook call mid_market_form "Mid-size inbound"."""
    text = shipped_playbook_text().replace('label = "Mid-market form fill"', 'label = "Mid-size inbound"')
    with database.session() as session:
        save_playbook_text(session, text)


@pytest.fixture
def report(database):
    build_history(database)
    return build_dashboard(database, ReportFilter(), NOW)


def test_speed_table_segment_labels(report):
    rows = table(report, "speed_by_segment").rows

    # B (enterprise, 4 minutes) and A (mid-market, 3800 wall minutes); C (general, 60 minutes).
    assert [row[0] for row in rows] == ["Enterprise demo request", "General website visitor", "Mid-market form fill"]
    assert rows[2][1] == 3800.0


def test_sla_table_segment_labels(report):
    rows = table(report, "sla_by_segment").rows

    assert rows == (
        ("Enterprise demo request", 100.0, 1, 0),
        ("General website visitor", 50.0, 1, 1),
        ("Mid-market form fill", 0.0, 0, 1),
    )


def test_labels_follow_active_playbook(database):
    build_history(database)
    rename_mid_market(database)

    report = build_dashboard(database, ReportFilter(), NOW)

    assert report.segment_label("mid_market_form") == "Mid-size inbound"
    assert ("Mid-size inbound", 0.0, 0, 1) in table(report, "sla_by_segment").rows
    # A segment key the playbook no longer has is shown as the key.
    assert report.segment_label("retired_segment") == "retired_segment"


def test_segment_exports_use_labels(report, tmp_path):
    sla = table(report, "sla_by_segment")
    sla.write_csv(tmp_path / "sla.csv")
    sla.write_xlsx(tmp_path / "sla.xlsx")

    with (tmp_path / "sla.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    sheet = load_workbook(tmp_path / "sla.xlsx").active

    assert rows[1] == ["Enterprise demo request", "100.0", "1", "0"]
    assert rows[3][0] == "Mid-market form fill"
    assert sheet["A2"].value == "Enterprise demo request"
    assert sheet["A4"].value == "Mid-market form fill"


def test_stats_text_segment_labels(database, database_target, capsys):
    build_history(database)

    code = main(["stats", "--db", database_target, "--now", NOW_OPTION])
    output = capsys.readouterr().out

    assert code == 0
    assert "segment Mid-market form fill" in output
    assert "segment General website visitor" in output
    assert "mid_market_form" not in output
    sla_line = next(line for line in output.splitlines() if line.strip().startswith("segment Enterprise demo request")
                    and "%" in line)
    assert sla_line.split()[-3:] == ["1", "0", "100.0%"]


def test_stats_json_segment_labels(database, database_target, capsys):
    build_history(database)

    code = main(["stats", "--db", database_target, "--json", "--now", NOW_OPTION])
    output = json.loads(capsys.readouterr().out)

    assert code == 0
    assert output["segment_labels"] == {
        "enterprise_demo": "Enterprise demo request",
        "general": "General website visitor",
        "mid_market_form": "Mid-market form fill",
    }


def test_stats_segment_by_label(database, database_target, capsys):
    build_history(database)

    code = main(["stats", "--db", database_target, "--json", "--now", NOW_OPTION, "--segment", "general website visitor"])
    output = json.loads(capsys.readouterr().out)

    assert code == 0
    assert output["leads"] == 4
    assert output["filter"]["segments"] == ["general"]


def test_stats_unknown_segment_lists_labels(database, database_target, capsys):
    build_history(database)

    code = main(["stats", "--db", database_target, "--segment", "Partners"])
    error = capsys.readouterr().err

    assert code == 1
    assert "'Partners'" in error
    assert "mid_market_form (Mid-market form fill)" in error


def test_dashboard_segment_filter_labels(qtbot, database):
    build_history(database)
    tab = DashboardTab(TaskRunner(database, synchronous=True), clock=lambda: NOW)
    qtbot.addWidget(tab)
    tab.reload()

    shown = [tab.segment.itemText(index) for index in range(tab.segment.count())]
    tab.segment.setCurrentIndex(tab.segment.findText("General website visitor"))

    assert shown == ["All", "Enterprise demo request", "General website visitor", "Mid-market form fill"]
    assert tab.report.filter.segments == frozenset({"general"})
    assert tab.report.leads == 4
    sla_rows = next(card for card in tab.cards if card.table.key == "sla_by_segment").table.rows
    assert sla_rows == (("General website visitor", 50.0, 1, 1),)
