"""`leaddesk import` and `leaddesk export` through the real entry point."""

from __future__ import annotations

import csv
import json
import shutil
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
    assert rows[0] == ["row", "column", "value", "reason", "Email", "First Name", "Created Date"]
    assert rows[1][:3] == ["3", "Created Date", "31/02/2025"]
    assert "February 2025 has 28 days" in rows[1][3]
    assert rows[1][4:] == ["bo@example.com", "Bo", "31/02/2025"]


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
    assert (data["created"], data["rejected"]) == (3, 3)
    assert Path(data["rejected_file"]).exists()


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
