"""`leaddesk import` options for workbooks with merged cells and files whose columns compete for a field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database


def merged_workbook(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Email"])
    sheet.append(["Acme", "ann@example.com"])
    sheet.append([None, "bo@example.com"])
    sheet.merge_cells("A2:A3")
    workbook.save(path)
    return path


def companies(db_path: Path) -> dict[str, str | None]:
    database = Database.open(db_path)
    try:
        with database.session() as session:
            return {lead.email: lead.company for lead in session.scalars(select(Lead))}
    finally:
        database.dispose()


def test_fill_merged_flag(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    path = merged_workbook(tmp_path / "merged.xlsx")

    code = main(["import", str(path), "--db", str(db_path), "--fill-merged", "--json"])

    assert code == 0
    output = json.loads(capsys.readouterr().out)
    assert output["created"] == 2
    assert "merged cells A2:A3 were filled: every cell of each range got the range's value" in output["warnings"]
    assert companies(db_path) == {"ann@example.com": "Acme", "bo@example.com": "Acme"}


def test_fill_merged_dry_run(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    path = merged_workbook(tmp_path / "merged.xlsx")

    code = main(["import", str(path), "--db", str(db_path), "--fill-merged", "--dry-run"])

    assert code == 0
    output = capsys.readouterr().out
    assert "Would create 2, update 0, skip 0, reject 0 of 2 rows." in output
    assert "Note: merged cells A2:A3 were filled" in output


def test_merged_unfilled_without_flag(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    path = merged_workbook(tmp_path / "merged.xlsx")

    main(["import", str(path), "--db", str(db_path)])

    output = capsys.readouterr().out
    assert "Note: the sheet has merged cells in its data (A2:A3)" in output
    assert "--fill-merged" in output
    assert companies(db_path) == {"ann@example.com": "Acme", "bo@example.com": None}


def test_competing_columns_printed(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "twice.csv"
    path.write_text("Email,Work Email,Email\nann@example.com,ann@work.example,ann@home.example\n", encoding="utf-8")

    main(["import", str(path), "--db", str(db_path)])

    lines = capsys.readouterr().out.splitlines()
    assert "Note: the header 'Email' appears more than once; column 3 is kept as 'Email (2)'" in lines
    assert (
        "Note: 3 columns could fill the e-mail field; 'Email' fills it, and 'Work Email', 'Email (2)' are kept "
        "as custom fields that fill it only in rows where 'Email' is empty"
    ) in lines
