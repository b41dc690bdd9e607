"""`leaddesk stats` text output against its JSON output, on a generated history with a trained model.

Each test reads one section of the text back into cells and compares every figure with
the JSON figures of the same database and --now, formatted as the text shows them.
"""

from __future__ import annotations

import json

import pytest

from leaddesk.cli.main import main
from leaddesk.cli.stats_text import format_duration
from leaddesk.cli.text_table import TERMINAL_WIDTH
from predictive_history import build_closed_leads
from stats_history import NOW_OPTION, build_generated_history
from stats_text_reader import cells, heatmap, section, table


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def days(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def run_stats(database_target: str, capsys, *options: str) -> tuple[str, dict]:
    """Run `leaddesk stats` as text and as JSON with the same options, and return both outputs."""
    assert main(["stats", "--db", database_target, "--now", NOW_OPTION, "--json", *options]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert main(["stats", "--db", database_target, "--now", NOW_OPTION, *options]) == 0
    return capsys.readouterr().out, figures


@pytest.fixture
def outputs(database, database_target, capsys) -> tuple[str, dict]:
    """Return the text and JSON output for the generated history, with a validated conversion model."""
    build_generated_history(database)
    # Closed leads with a conversion signal, so training validates a model.
    build_closed_leads(database, won=100, lost=150)
    assert main(["score", "train", "--db", database_target, "--method", "logistic", "--holdout", "0.25"]) == 0
    capsys.readouterr()
    return run_stats(database_target, capsys)


def speed_row(stats: dict) -> list[str]:
    return [str(stats["contacted"]), format_duration(stats["median_wall_seconds"]),
            format_duration(stats["p90_wall_seconds"]), format_duration(stats["median_business_seconds"]),
            format_duration(stats["p90_business_seconds"])]


def sla_row(compliance: dict) -> list[str]:
    return [str(compliance["met"]), str(compliance["breached"]), percent(compliance["percent_met"])]


def group_rows(figures: dict, block: dict, make_row) -> dict[str, list[str]]:
    """Return the expected cells of each group row, keyed by the label the text table shows for it."""
    labels = figures["segment_labels"]
    expected = {"all leads": make_row(block["overall"])}
    expected |= {f"segment {labels[key]}": make_row(value) for key, value in block["by_segment"].items()}
    expected |= {f"rep {name}": make_row(value) for name, value in block["by_rep"].items()}
    return expected


def test_stats_text_fits_width(outputs):
    text, figures = outputs

    too_wide = [line for line in text.splitlines() if len(line) > TERMINAL_WIDTH]

    assert too_wide == []
    assert text.startswith(f"LeadDesk stats at 2026-03-20T15:00+00:00 over {figures['leads']} leads\n")
    # The history must fill the sections that the other tests compare.
    assert figures["leads"] == 490
    assert len(figures["sla_compliance"]["breach_heatmap_by_arrival_hour"]) == 5


def test_stats_text_speed(outputs):
    text, figures = outputs
    speed = figures["speed_to_lead"]
    expected = group_rows(figures, speed, speed_row)
    expected |= {f"week {week}": speed_row(stats) for week, stats in speed["by_week"].items()}

    printed = table(section(text, "Speed to lead"), header_lines=2)

    assert printed == expected
    assert len(speed["by_week"]) >= 5


def test_stats_text_sla(outputs):
    text, figures = outputs
    expected = group_rows(figures, figures["sla_compliance"], sla_row)

    printed = table(section(text, "SLA compliance"))

    assert printed == expected


def test_stats_text_heatmap(outputs):
    text, figures = outputs
    expected = {rep: dict(enumerate(counts)) for rep, counts in figures["sla_compliance"]["breach_heatmap_by_arrival_hour"].items()}

    grid, left_out = heatmap(section(text, "SLA breaches by rep and hour"))

    # Every hour fits in 100 columns here, so none is left out and the grid is the JSON's.
    assert left_out is None
    assert grid == expected
    assert "(unassigned)" in grid
    assert sum(sum(row.values()) for row in grid.values()) == figures["sla_compliance"]["overall"]["breached"]


def test_stats_text_funnel(outputs):
    text, figures = outputs
    expected = {
        step["label"]: [str(step["reached"]), str(step["skipped"]), percent(step["rate_from_previous_percent"]),
                        days(step["median_days_in_stage"])]
        for step in figures["funnel"]["steps"]
    }

    printed = table(section(text, "Funnel ("))

    assert printed == expected
    assert list(printed) == ["New", "Contacted", "MQL", "SQL", "Won"]
    # The history has leads that skipped stages and MQL spells with an end.
    assert int(printed["Contacted"][1]) > 0
    assert printed["MQL"][3] != "-"


def test_stats_text_funnel_by_source(outputs):
    text, figures = outputs
    funnel = figures["funnel"]

    lines = section(text, "Funnel by source")[1:]
    printed = {}
    for leads_line, rate_line, days_line in zip(lines[0::3], lines[1::3], lines[2::3]):
        source, leads_name, *counts = cells(leads_line)
        assert leads_name == "leads"
        assert cells(rate_line)[0] == "% of previous"
        assert cells(days_line)[0] == "median days"
        printed[source] = (counts, cells(rate_line)[1:], cells(days_line)[1:])
    expected = {
        source: ([str(count) for count in counts], [percent(rate) for rate in funnel["rates_by_source_percent"][source]],
                 [days(value) for value in funnel["median_days_in_stage_by_source"][source]])
        for source, counts in funnel["by_source"].items()
    }

    assert len(lines) == 3 * len(funnel["by_source"])
    assert printed == expected
    assert "(no source)" in printed


def test_stats_text_completeness(outputs):
    text, figures = outputs
    completeness = figures["completeness"]
    expected_fields = {label: [percent(value)] for label, value in completeness["by_field_percent"].items()}
    expected_sources = {source: [str(value["leads"]), percent(value["percent_filled"])]
                        for source, value in completeness["by_source"].items()}

    by_field = table(section(text, "Data completeness ("))
    by_source = table(section(text, "Data completeness by source"))

    assert by_field == expected_fields
    assert by_source == expected_sources


def test_stats_text_scores(outputs):
    text, figures = outputs
    buckets = figures["score_distribution"]["buckets"]

    printed = table(section(text, "Score distribution"))

    assert {label: values[0] for label, values in printed.items()} == {label: str(leads) for label, leads in buckets.items()}
    # The largest bucket has the full 40-character bar, and only empty buckets have none.
    bars = {label: len(values[1]) if len(values) > 1 else 0 for label, values in printed.items()}
    largest = max(buckets, key=buckets.get)
    assert bars[largest] == 40
    assert all(bars[label] > 0 for label, leads in buckets.items() if leads)
    assert all(bars[label] == 0 for label, leads in buckets.items() if not leads)


def test_stats_text_leading(outputs):
    text, figures = outputs
    leading = figures["leading_indicators"]
    expected = {"open leads": [str(leading["open_leads"])]}
    expected |= {f"open, {state.replace('_', ' ')}": [str(count)] for state, count in leading["by_sla_state"].items()}
    expected |= {
        "overdue follow-ups": [str(leading["overdue_follow_ups"])],
        "leads with overdue follow-ups": [str(leading["leads_with_overdue_follow_ups"])],
        "open leads with no next step": [str(leading["no_next_step"])],
    }

    printed = table(section(text, "Leading indicators"))

    assert printed == expected


def test_stats_text_model(outputs):
    text, figures = outputs
    model = figures["model"]
    expected_calibration = {
        f"{row['from']:.1f}-{row['to']:.1f}": [str(row["leads"]), percent(row["mean_predicted"] * 100),
                                               percent(row["observed_rate"] * 100)]
        for row in model["calibration"]
    }
    expected_lift = {
        str(row["decile"]): [str(row["leads"]), percent(row["conversion_rate"] * 100), f"{row['lift']:.2f}"]
        for row in model["lift_by_decile"]
    }

    headline = next(line for line in text.splitlines() if line.startswith("Conversion model version"))
    calibration = table(section(text, "Calibration on held-out leads"))
    lift = table(section(text, "Lift by decile on held-out leads"))

    assert headline == (f"Conversion model version {model['version']}: held-out AUC {model['auc']:.3f}, "
                        f"trained {model['trained_at'][:16]}")
    assert calibration == expected_calibration
    assert lift == expected_lift
    assert len(lift) == 10


def test_stats_text_filtered(database, database_target, capsys):
    build_generated_history(database)

    text, figures = run_stats(database_target, capsys, "--owner", "Chen Wei", "--source", "referral",
                              "--since", "2026-02-23")
    grid, _left_out = heatmap(section(text, "SLA breaches by rep and hour"))
    by_source = section(text, "Funnel by source")[1:]

    assert figures["filter"]["owners"] == ["Chen Wei"]
    assert text.startswith(f"LeadDesk stats at 2026-03-20T15:00+00:00 over {figures['leads']} leads\n")
    assert 0 < figures["leads"] < 30
    assert grid == {rep: dict(enumerate(counts))
                    for rep, counts in figures["sla_compliance"]["breach_heatmap_by_arrival_hour"].items()}
    assert [cells(line)[0] for line in by_source[0::3]] == ["referral"]


def test_stats_text_without_model(database, database_target, capsys):
    build_generated_history(database)

    text, figures = run_stats(database_target, capsys)

    assert figures["model"] is None
    assert "Conversion model: none validated yet, so leads keep the playbook's rule score." in text
    assert "Calibration on held-out leads" not in text
