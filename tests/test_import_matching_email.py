"""Import matching by the normalized e-mail: a +tag, case, spaces and Gmail dots name one mailbox."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import run_import
from leaddesk.services.importing.matching import MatchIndex, conflicts, find_match

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=1)


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _leads(database) -> list[Lead]:
    with database.session() as session:
        return list(session.scalars(select(Lead).order_by(Lead.created_at)))


def test_tagged_email_updates_lead(database, tmp_path: Path) -> None:
    first = _write_csv(tmp_path / "first.csv", [["Email", "First name", "Company"], ["kate.moreau@brightforce.example", "Kate", "Brightforce"]])
    run_import(database, first, now=NOW)
    second = _write_csv(tmp_path / "second.csv", [["Email", "City"], ["KATE.MOREAU+crm@Brightforce.example ", "Lyon"]])

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (0, 1)
    leads = _leads(database)
    assert len(leads) == 1
    assert leads[0].city == "Lyon"
    # The stored address stays, because the tagged one names the same mailbox.
    assert leads[0].email == "kate.moreau@brightforce.example"


def test_tagged_email_inside_one_file(database, tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "both.csv",
        [["Email", "City"], ["kate.moreau@brightforce.example", "Paris"], ["kate.moreau+crm@brightforce.example", "Lyon"]],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 1
    assert len(_leads(database)) == 1


def test_other_email_creates_lead(database, tmp_path: Path) -> None:
    first = _write_csv(tmp_path / "first.csv", [["Email"], ["kate.moreau@brightforce.example"]])
    run_import(database, first, now=NOW)
    second = _write_csv(tmp_path / "second.csv", [["Email"], ["kate.moreau@nightforce.example"]])

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (1, 0)


def test_index_finds_gmail_dots_variant() -> None:
    index = MatchIndex()
    stored = {"email_normalized": "kate.moreau@gmail.com"}
    index.add(stored)

    found = find_match({"email_normalized": "katemoreau+news@googlemail.com"}, index)

    assert found == (stored, "email")


def test_tag_variant_no_conflict() -> None:
    lead = {"email_normalized": "kate@brightforce.example"}

    assert not conflicts(lead, {"email_normalized": "kate+crm@brightforce.example"})
    assert conflicts(lead, {"email_normalized": "kim@brightforce.example"})


def test_values_without_address_conflict() -> None:
    lead = {"email_normalized": "sales desk"}

    assert conflicts(lead, {"email_normalized": "support desk"})
    assert not conflicts(lead, {"email_normalized": "sales desk"})
