"""Layout of `leaddesk stats` text tables and heatmap: alignment, 100-column fit, collapsed hours."""

from __future__ import annotations

from leaddesk.cli.heatmap_text import format_breach_heatmap, hour_ranges
from leaddesk.cli.model_text import model_lines, score_lines
from leaddesk.cli.text_table import TERMINAL_WIDTH, format_table
from leaddesk.services.reporting.scores import ScoreDistribution
from stats_text_reader import heatmap


def test_table_columns_aligned():
    lines = format_table(("group", "met", "percent"), [("all leads", "2", "50.0%"), ("rep Ana", "118", "100.0%")])

    assert lines == [
        "  group      met  percent",
        "  all leads    2    50.0%",
        "  rep Ana    118   100.0%",
    ]


def test_table_two_line_header():
    lines = format_table(("group", "wall time\nmedian", "\np90"), [("all leads", "1h 0m", "2d 15h")])

    assert lines == [
        "             wall time",
        "  group         median     p90",
        "  all leads      1h 0m  2d 15h",
    ]


def test_table_cuts_long_label():
    label = "segment " + "x" * 120
    lines = format_table(("group", "met", "breached"), [(label, "1", "2"), ("rep Ana", "3", "4")])

    assert all(len(line) <= TERMINAL_WIDTH for line in lines)
    assert lines[1].split()[1].endswith("...")
    assert lines[1].split()[-2:] == ["1", "2"]
    assert lines[2].split() == ["rep", "Ana", "3", "4"]


def test_heatmap_all_hours_fit():
    lines = format_breach_heatmap({"Ana": [0] * 9 + [3] + [0] * 14, "Ben": [1] + [0] * 23})
    grid, left_out = heatmap(lines)

    assert lines[0] == "  rep " + " ".join(f"{hour:02d}" for hour in range(24))
    assert lines[1] == "  Ana" + "  ." * 9 + "  3" + "  ." * 14
    assert left_out is None
    assert grid["Ana"][9] == 3
    assert grid["Ben"] == {0: 1, **{hour: 0 for hour in range(1, 24)}}


def test_heatmap_collapses_empty_hours():
    # Four-digit counts make 24 hour columns wider than 100 characters.
    ana = [0] * 24
    ana[9], ana[10], ana[17] = 1200, 5, 40
    ben = [0] * 24
    ben[23] = 7

    lines = format_breach_heatmap({"Ana": ana, "Ben": ben})
    grid, left_out = heatmap(lines)

    assert left_out == "hours without breaches are left out: 00-08, 11-16, 18-22"
    assert lines[1].split() == ["rep", "09", "10", "17", "23"]
    assert grid == {"Ana": {9: 1200, 10: 5, 17: 40, 23: 0}, "Ben": {9: 0, 10: 0, 17: 0, 23: 7}}
    assert all(len(line) <= TERMINAL_WIDTH for line in lines)


def test_heatmap_splits_wide_grid():
    counts = [10_000 + hour for hour in range(24)]

    lines = format_breach_heatmap({"Dana Fox-Lindqvist": counts, "Eli": counts[::-1]})
    grid, left_out = heatmap(lines)
    header_rows = [line for line in lines if line.split()[0] == "rep"]

    assert left_out is None
    assert len(header_rows) == 2
    assert grid == {"Dana Fox-Lindqvist": dict(enumerate(counts)), "Eli": dict(enumerate(counts[::-1]))}
    assert all(len(line) <= TERMINAL_WIDTH for line in lines)


def test_heatmap_cuts_long_rep_name():
    lines = format_breach_heatmap({"Maximiliana Oppenheimer-Castellanos": [1] * 24})

    assert lines[1].startswith("  Maximiliana Oppen...  1")
    assert all(len(line) <= TERMINAL_WIDTH for line in lines)


def test_heatmap_without_breaches():
    assert format_breach_heatmap({}) == ["  no breaches"]


def test_hour_ranges():
    assert hour_ranges([0, 1, 2, 5, 7, 8, 23]) == "00-02, 05, 07-08, 23"
    assert hour_ranges([]) == ""


def test_score_bars_scaled():
    buckets = {f"{start}-{start + 9}": 0 for start in range(0, 90, 10)} | {"90-100": 0}
    buckets["0-9"] = 200
    buckets["50-59"] = 1
    buckets["90-100"] = 100

    lines = score_lines(ScoreDistribution(buckets))
    bars = {line.split()[0]: line.split()[2] if len(line.split()) > 2 else "" for line in lines[2:]}

    assert bars["0-9"] == "#" * 40
    assert bars["90-100"] == "#" * 20
    # One lead in 200 still shows one character, so a small bucket never looks empty.
    assert bars["50-59"] == "#"
    assert bars["10-19"] == ""


def test_model_lift_without_base_rate():
    model = {"version": 2, "auc": 0.5, "trained_at": "2026-03-01T10:00:00+00:00",
             "calibration": [{"from": 0.0, "to": 0.1, "leads": 4, "mean_predicted": 0.05, "observed_rate": 0.0}],
             "lift_by_decile": [{"decile": 1, "leads": 4, "conversion_rate": 0.0, "lift": None}]}

    lines = model_lines(model)

    assert lines[0] == "Conversion model version 2: held-out AUC 0.500, trained 2026-03-01T10:00"
    assert lines[3].split() == ["0.0-0.1", "4", "5.0%", "0.0%"]
    assert lines[-1].split() == ["1", "4", "0.0%", "-"]
