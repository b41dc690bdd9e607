"""`leaddesk stats` on the fixed history of reporting_history."""

from __future__ import annotations

import json

from leaddesk.cli.main import main
from reporting_history import build_history


def test_stats_json_figures(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--json", "--now", "2026-03-11T12:00:00Z"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    assert output["leads"] == 6
    assert output["speed_to_lead"]["overall"]["median_business_seconds"] == 1200
    assert output["sla_compliance"]["overall"]["percent_met"] == 50.0
    assert [step["reached"] for step in output["funnel"]["steps"]] == [6, 3, 1, 1, 2]
    assert output["leading_indicators"]["no_next_step"] == 1
    assert output["model"] is None


def test_stats_since_and_owner(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--json", "--now", "2026-03-11T12:00:00Z",
                 "--since", "2026-03-09", "--owner", "Ana"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    # Only B: Ana's other lead A arrived on Friday 2026-03-06.
    assert output["leads"] == 1
    assert output["filter"]["owners"] == ["Ana"]


def test_stats_text_output(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--now", "2026-03-11T12:00:00Z"])
    output = capsys.readouterr().out
    assert code == 0
    assert "over 6 leads" in output
    # Median wall 3600 s and p90 228000 s (2d 15h 20m, shown with its two largest units).
    assert "1h 0m" in output
    assert "2d 15h" in output
    funnel_line = next(line for line in output.splitlines() if line.strip().startswith("Contacted"))
    assert funnel_line.split() == ["Contacted", "3", "1", "50.0%", "1.50"]


def test_stats_unknown_owner(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--owner", "Zed"])
    error = capsys.readouterr().err
    assert code == 1
    assert "no lead has owner 'Zed'" in error
    assert "Ana, Ben" in error


def test_stats_invalid_since(database, database_target, capsys):
    code = main(["stats", "--db", database_target, "--since", "March"])
    assert code == 2
    assert "invalid --since value 'March'" in capsys.readouterr().err


def test_stats_missing_database(tmp_path, capsys):
    code = main(["stats", "--db", str(tmp_path / "absent.sqlite")])
    assert code == 1
    assert "not found" in capsys.readouterr().err


def test_stats_since_after_until(database, database_target, capsys):
    code = main(["stats", "--db", database_target, "--since", "2026-12-01", "--until", "2026-01-01"])
    error = capsys.readouterr().err

    assert code == 2
    assert "invalid range: --since 2026-12-01 is after --until 2026-01-01" in error


def test_stats_until_includes_day(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--json", "--now", "2026-03-11T12:00:00Z",
                 "--since", "2026-03-09", "--until", "2026-03-09"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    # Only B arrived on 2026-03-09.
    assert output["leads"] == 1


def test_stats_segment_without_leads(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--json", "--now", "2026-03-11T12:00:00Z",
                 "--segment", "outbound_reply"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    assert output["leads"] == 0


def test_stats_segment_case_insensitive(database, database_target, capsys):
    build_history(database)
    code = main(["stats", "--db", database_target, "--json", "--now", "2026-03-11T12:00:00Z", "--segment", "GENERAL"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    assert output["leads"] == 4


def test_stats_empty_completeness_unknown(database, database_target, capsys):
    code = main(["stats", "--db", database_target, "--now", "2026-03-11T12:00:00Z"])
    output = capsys.readouterr().out
    assert code == 0
    completeness = output.split("Data completeness")[1].split("\n\n")[0]
    assert "0.0%" not in completeness
    assert completeness.count(" -\n") >= 5


def test_stats_text_empty_sections(database, database_target, capsys):
    code = main(["stats", "--db", database_target, "--now", "2026-03-11T12:00:00Z"])
    output = capsys.readouterr().out
    heatmap = output.split("SLA breaches by rep and hour")[1].split("\n\n")[0]
    by_source = output.split("Funnel by source")[1].split("\n\n")[0]
    completeness_by_source = output.split("Data completeness by source")[1].split("\n\n")[0]

    assert code == 0
    assert heatmap.splitlines()[1:] == ["  no breaches"]
    assert by_source.splitlines()[1:] == ["  no leads"]
    assert completeness_by_source.splitlines()[1:] == ["  no leads"]
    assert "Conversion model: none validated yet" in output
