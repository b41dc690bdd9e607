"""`leaddesk import` and `leaddesk export` through the real entry point."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leaddesk.cli.main import main


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def leads_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "leads.csv",
        [
            ["Email", "First Name", "Created Date"],
            ["ann@example.com", "Ann", "2025-10-21"],
            ["bo@example.com", "Bo", "31/02/2025"],
            ["cy@example.com", "Cy", "2025-10-22"],
        ],
    )


def test_import_json_keys(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["import", str(leads_file), "--db", str(db_path), "--json"])

    output = capsys.readouterr().out
    data = json.loads(output)
    assert code == 0
    assert output.count("\n") == 1
    assert {"created", "updated", "skipped", "rejected", "rejected_rows", "batch_id", "rejected_file"} <= set(data)
    assert (data["created"], data["updated"], data["skipped"], data["rejected"]) == (2, 0, 0, 1)
    assert data["rejected_rows"][0]["row"] == 3
    assert data["rejected_file"] == str(leads_file) + ".rejected.csv"
    assert data["database"] == str(db_path)


def test_import_text_output(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["--db", str(db_path), "import", str(leads_file)])

    output = capsys.readouterr().out
    assert code == 0
    assert "2 created, 0 updated, 0 skipped, 1 rejected" in output
    assert f"{leads_file}.rejected.csv" in output


def test_import_rejected_file(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])

    with (leads_file.parent / "leads.csv.rejected.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Email", "First Name", "Created Date", "row", "reason"]
    assert rows[1][:4] == ["bo@example.com", "Bo", "31/02/2025", "3"]
    assert rows[1][4].startswith("Created Date: ")
    assert "February 2025 has 28 days" in rows[1][4]
    assert len(rows) == 2


def test_import_removes_stale_rejected_file(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "clean.csv", [["Email"], ["ann@example.com"]])
    stale = tmp_path / "clean.csv.rejected.csv"
    stale.write_text("row,column,value,reason\n", encoding="utf-8")

    code = main(["import", str(source), "--db", str(db_path)])

    assert code == 0
    assert not stale.exists()
    assert "rejected.csv" not in capsys.readouterr().out


def test_import_twice_creates_nothing(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path), "--json"])
    capsys.readouterr()

    main(["import", str(leads_file), "--db", str(db_path), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["skipped"]) == (0, 2)


def test_import_dry_run(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path), "--dry-run", "--json"])
    dry = json.loads(capsys.readouterr().out)

    main(["import", str(leads_file), "--db", str(db_path), "--json"])
    real = json.loads(capsys.readouterr().out)

    assert dry["dry_run"] is True
    assert dry["batch_id"] is None
    assert dry["created"] == 2
    assert real["created"] == 2


def test_import_db_from_environment(
    leads_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    target = tmp_path / "env.sqlite"
    monkeypatch.setenv("LEADDESK_DB", str(target))

    code = main(["import", str(leads_file), "--json"])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["database"] == str(target)
    assert target.exists()


def test_import_missing_file(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["import", str(tmp_path / "nope.csv"), "--db", str(db_path)])

    error = capsys.readouterr().err
    assert code == 1
    assert error.startswith("leaddesk import: ")
    assert "nope.csv does not exist" in error
    assert error.count("\n") == 1


def test_import_unreadable_file(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    page = tmp_path / "Leads.csv"
    page.write_text("<!DOCTYPE html><html></html>", encoding="utf-8")

    code = main(["import", str(page), "--db", str(db_path)])

    assert code == 1
    assert "is a web page, not a CSV file" in capsys.readouterr().err


def test_import_bad_extension(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    document = tmp_path / "contacts.pdf"
    document.write_bytes(b"%PDF-1.4\n")

    code = main(["import", str(document), "--db", str(db_path)])

    error = capsys.readouterr().err
    assert code == 1
    assert error.startswith("leaddesk import: contacts.pdf")


@pytest.mark.parametrize(
    "argv",
    [
        ["import"],
        ["import", "a.csv", "--no-such-option"],
        ["export"],
        ["import", "a.csv", "--db"],
    ],
)
def test_wrong_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as raised:
        main(argv)

    assert raised.value.code == 2
    assert capsys.readouterr().err.startswith("leaddesk: ")


def test_import_salesforce_report(shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    # A copy, so that the rejected-rows file lands in the test's folder.
    source = tmp_path / "salesforce_lead_report.csv"
    shutil.copyfile(shared_data / "formats" / "salesforce_lead_report.csv", source)

    code = main(["import", str(source), "--db", str(db_path), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    # The report's footer lines are skipped and named in a warning, so no rejected-rows file is written.
    assert (data["created"], data["rejected"]) == (3, 0)
    assert data["rejected_file"] is None
    assert any("footer" in warning for warning in data["warnings"])


def test_export_csv_and_xlsx(leads_file: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    csv_code = main(["export", str(tmp_path / "out.csv"), "--db", str(db_path)])
    xlsx_code = main(["--db", str(db_path), "export", str(tmp_path / "out.xlsx")])

    output = capsys.readouterr().out
    assert (csv_code, xlsx_code) == (0, 0)
    assert f"Exported 2 leads to {tmp_path / 'out.csv'}" in output
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        emails = sorted(row["email"] for row in csv.DictReader(handle))
    assert emails == ["ann@example.com", "cy@example.com"]
    assert load_workbook(tmp_path / "out.xlsx")["Leads"].max_row == 3


def test_export_bad_extension(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["export", str(tmp_path / "out.pdf"), "--db", str(db_path)])

    assert code == 1
    assert "unknown extension '.pdf'" in capsys.readouterr().err


def test_export_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "missing.sqlite"

    code = main(["export", str(tmp_path / "out.csv"), "--db", str(missing)])

    assert code == 1
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_dry_run_creates_no_database(leads_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "new" / "leads.sqlite"

    code = main(["import", str(leads_file), "--db", str(missing), "--dry-run"])

    output = capsys.readouterr().out
    assert code == 0
    assert not missing.exists()
    assert not missing.parent.exists()
    assert not (tmp_path / "leads.csv.rejected.csv").exists()
    assert "does not exist yet, so every row is checked as new" in output
    assert "Would create 2, update 0, skip 0, reject 1 of 3 rows." in output
    assert "1 rejected row was not written to a file; add --rejected-file PATH" in output


def test_dry_run_lists_rows(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    main(["import", str(leads_file), "--db", str(db_path), "--dry-run", "--show", "1"])

    output = capsys.readouterr().out
    assert "Rows to skip (first 1 of 2):" in output
    assert "  row 2: skip Ann (matched by email); nothing to change" in output
    assert "Rows to reject:" in output
    assert "  row 3: reject in 'Created Date':" in output


def test_dry_run_json_rows(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path), "--dry-run", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert data["totals"] == {"create": 2, "update": 0, "skip": 0, "reject": 1}
    assert [row["action"] for row in data["rows"]] == ["create", "reject", "create"]
    assert data["rows"][1]["column"] == "Created Date"
    assert data["rejected_file"] is None


def test_dry_run_rejected_file(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "to-fix.csv"

    main(["import", str(leads_file), "--db", str(db_path), "--dry-run", "--rejected-file", str(target)])

    assert read_rows(target)[1][:4] == ["bo@example.com", "Bo", "31/02/2025", "3"]
    assert not (tmp_path / "leads.csv.rejected.csv").exists()


def test_header_only_file_note(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    source = write_csv(tmp_path / "headers.csv", [["Email", "First Name"]])

    code = main(["import", str(source), "--db", str(db_path)])

    output = capsys.readouterr().out
    assert code == 0
    assert "Note: headers.csv: the file has a header but no data rows, so nothing was imported" in output


def test_fix_and_reimport(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    rejected = leads_file.parent / "leads.csv.rejected.csv"
    rows = read_rows(rejected)
    rows[1][2] = "2025-02-28"
    write_csv(rejected, rows)
    capsys.readouterr()

    code = main(["import", str(rejected), "--db", str(db_path), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["created"], data["rejected"]) == (1, 0)
    assert "the last two columns, row and reason, come from a rejected-rows file and are not imported" in data["warnings"]
    main(["export", str(leads_file.parent / "all.csv"), "--db", str(db_path)])
    exported = read_rows(leads_file.parent / "all.csv")
    assert sorted(row[exported[0].index("email")] for row in exported[1:]) == [
        "ann@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    assert "row" not in exported[0]
    assert "reason" not in exported[0]


def test_on_match_skip(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    update = write_csv(tmp_path / "update.csv", [["Email", "First Name"], ["ann@example.com", "Annie"]])
    capsys.readouterr()

    main(["import", str(update), "--db", str(db_path), "--on-match", "skip", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert (data["updated"], data["skipped"]) == (0, 1)
    assert data["policy"] == {"on_match": "skip", "fill_blanks_only": []}


def test_fill_blanks_only_option(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    update = write_csv(tmp_path / "update.csv", [["Email", "First Name", "City"], ["ann@example.com", "Annie", "Lyon"]])
    capsys.readouterr()

    main(["import", str(update), "--db", str(db_path), "--fill-blanks-only", "--json"])
    everything = json.loads(capsys.readouterr().out)
    main(["import", str(update), "--db", str(db_path), "--fill-blanks-only=first_name,city", "--json"])
    listed = json.loads(capsys.readouterr().out)

    assert everything["updated"] == 1
    assert "first_name" in everything["policy"]["fill_blanks_only"]
    assert listed["policy"]["fill_blanks_only"] == ["city", "first_name"]
    assert listed["skipped"] == 1


def test_fill_blanks_unknown_field(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["import", str(leads_file), "--db", str(db_path), "--fill-blanks-only=titel"])

    assert code == 2
    assert "invalid field 'titel' for fill-blanks-only" in capsys.readouterr().err
    assert not db_path.exists()


def test_map_option_saved(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    first = write_csv(tmp_path / "march.csv", [["Contact", "Mail"], ["Ann Lee", "ann@example.com"]])
    second = write_csv(tmp_path / "april.csv", [["Contact", "Mail"], ["Bo Ek", "bo@example.com"]])

    main(["import", str(first), "--db", str(db_path), "--map", "Contact=full_name", "--json"])
    mapped = json.loads(capsys.readouterr().out)
    main(["import", str(second), "--db", str(db_path)])
    output = capsys.readouterr().out

    assert mapped["mapping"]["Contact"] == "full_name"
    assert mapped["mapping_source"] == "explicit"
    assert "Note: using the mapping saved on " in output


def test_map_option_invalid(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["import", str(leads_file), "--db", str(db_path), "--map", "Email"])

    assert code == 2
    assert "invalid --map value 'Email': expected HEADER=FIELD" in capsys.readouterr().err


def test_imports_list_and_undo(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path), "--json"])
    batch_id = json.loads(capsys.readouterr().out)["batch_id"]

    main(["imports", "--db", str(db_path)])
    listing = capsys.readouterr().out
    undo_code = main(["imports", "undo", batch_id[:8], "--db", str(db_path)])
    undone = capsys.readouterr().out
    main(["imports", "--db", str(db_path), "--json"])
    history = json.loads(capsys.readouterr().out)

    assert listing.splitlines()[0].split() == ["Batch", "Started", "(UTC)", "File", "Created", "Updated", "Skipped", "Rejected", "Status"]
    assert batch_id[:8] in listing
    assert "leads.csv" in listing
    assert undo_code == 0
    assert "deleted 2 leads, restored 0 fields on 0 leads." in undone
    assert history[0]["id"] == batch_id
    assert history[0]["undone_at"] is not None


def test_imports_undo_unknown(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    code = main(["imports", "undo", "ffffffff", "--db", str(db_path)])

    assert code == 1
    assert "no import batch has an id starting with 'ffffffff'" in capsys.readouterr().err


def test_imports_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "none.sqlite"

    code = main(["imports", "--db", str(missing)])

    assert code == 1
    assert "not found" in capsys.readouterr().err
    assert not missing.exists()


def test_export_to_folder(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    code = main(["export", str(tmp_path), "--db", str(db_path)])

    assert code == 1
    assert "it is a folder; give a file name in it" in capsys.readouterr().err


def test_export_filtered(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    code = main(["export", str(tmp_path / "cy.csv"), "--db", str(db_path), "--search", "cy@", "--stage", "new"])

    rows = read_rows(tmp_path / "cy.csv")
    assert code == 0
    assert "Exported 1 leads" in capsys.readouterr().out
    assert rows[1][rows[0].index("email")] == "cy@example.com"


def test_export_unknown_owner(leads_file: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])
    capsys.readouterr()

    code = main(["export", str(tmp_path / "x.csv"), "--db", str(db_path), "--owner", "Nobody"])

    assert code == 1
    assert "no rep is named 'Nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_terminal(leads_file: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    main(["import", str(leads_file), "--db", str(db_path)])

    drawn = terminal.getvalue()
    assert "\rimporting leads.csv    0%  reading leads.csv" in drawn
    assert "100%  2 created, 0 updated, 0 skipped, 1 rejected" in drawn
    assert drawn.endswith("\r")


def test_progress_quiet_with_json(leads_file: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    main(["import", str(leads_file), "--db", str(db_path), "--json"])

    assert terminal.getvalue() == ""


def test_progress_quiet_off_terminal(leads_file: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    main(["import", str(leads_file), "--db", str(db_path)])

    assert "%" not in capsys.readouterr().err
