"""Exporting leads to CSV and XLSX and reading them back."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from leaddesk.models import Lead, Rep
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.database import Database
from leaddesk.services.enrichment.export_columns import DERIVED_EXPORT_COLUMNS
from leaddesk.services.exporting import EXPORT_FIELDS, ExportError, csv_safe, export_leads
from leaddesk.services.importing import run_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

# Lead fields that an export followed by an import into a new database must keep.
ROUND_TRIP_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "email_normalized",
    "phone",
    "company",
    "title",
    "website",
    "domain",
    "linkedin_url",
    "city",
    "region",
    "country",
    "industry",
    "employee_count",
    "source",
    "segment",
    "stage",
    "notes",
    "received_at",
)


@pytest.fixture
def filled(database, tmp_path: Path):
    """Return the database with three leads: one with an owner, formulas and custom fields."""
    with database.session() as session:
        owner = Rep(name="Sam Example")
        session.add(owner)
        session.flush()
        session.add_all(
            [
                Lead(
                    external_id="42",
                    first_name="Zoë",
                    last_name="=HYPERLINK(\"http://evil.example\")",
                    email="Zoe@Example.com",
                    email_normalized="zoe@example.com",
                    phone="+44 7700 900123",
                    company="@Acme",
                    title="-Buyer",
                    website="https://acme.example",
                    domain="acme.example",
                    employee_count=230,
                    source="Demo request",
                    segment="mid_market_form",
                    stage="qualified",
                    owner_id=owner.id,
                    notes="Line one\nLine two, with comma",
                    custom_fields={"Tags": "vip; q3", "email": "shadow", "Budget": "=1+2"},
                    received_at=datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc),
                    created_at=datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc),
                ),
                Lead(company="Bare Co", received_at=NOW, created_at=NOW),
                Lead(company="Deleted Co", received_at=NOW, created_at=NOW, deleted_at=NOW),
            ]
        )
    return database


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_has_bom_and_headers(filled, tmp_path: Path):
    path = tmp_path / "leads.csv"

    count = export_leads(filled, path)

    assert count == 2
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(path)
    assert list(rows[0])[: len(EXPORT_FIELDS)] == list(EXPORT_FIELDS)
    assert list(rows[0])[len(EXPORT_FIELDS) : len(EXPORT_FIELDS) + len(DERIVED_EXPORT_COLUMNS)] == list(DERIVED_EXPORT_COLUMNS)
    assert list(rows[0])[len(EXPORT_FIELDS) + len(DERIVED_EXPORT_COLUMNS) :] == ["Tags", "email (custom)", "Budget"]


def test_csv_values(filled, tmp_path: Path):
    path = tmp_path / "leads.csv"
    export_leads(filled, path)

    zoe, bare = read_csv(path)

    assert zoe["first_name"] == "Zoë"
    assert zoe["owner"] == "Sam Example"
    assert zoe["employee_count"] == "230"
    assert zoe["notes"] == "Line one\nLine two, with comma"
    assert zoe["received_at"] == "2025-10-21T14:03:00+00:00"
    assert zoe["Tags"] == "vip; q3"
    assert zoe["email (custom)"] == "shadow"
    assert bare["company"] == "Bare Co"
    assert bare["owner"] == ""
    assert bare["Tags"] == ""


def test_csv_formula_injection(filled, tmp_path: Path):
    path = tmp_path / "leads.csv"
    export_leads(filled, path)

    zoe = read_csv(path)[0]

    assert zoe["last_name"] == "'=HYPERLINK(\"http://evil.example\")"
    assert zoe["phone"] == "'+44 7700 900123"
    assert zoe["company"] == "'@Acme"
    assert zoe["title"] == "'-Buyer"
    assert zoe["Budget"] == "'=1+2"
    assert csv_safe("plain") == "plain"
    assert csv_safe("\tTabbed") == "'\tTabbed"


def test_csv_round_trip(filled, tmp_path: Path):
    path = tmp_path / "leads.csv"
    export_leads(filled, path)
    copy = Database.open(tmp_path / "copy.sqlite")

    report = run_import(copy, path, now=NOW)

    assert report.created == 2
    assert report.rejected == 0
    with filled.session() as session:
        originals = {lead.company: lead for lead in session.scalars(select(Lead).where(Lead.deleted_at.is_(None)))}
    with copy.session() as session:
        copies = {lead.company: lead for lead in session.scalars(select(Lead))}
        owner_names = {rep.id: rep.name for rep in session.scalars(select(Rep))}
    copy.dispose()
    assert set(copies) == set(originals)
    for company, original in originals.items():
        for name in ROUND_TRIP_FIELDS:
            assert getattr(copies[company], name) == getattr(original, name), f"{company}: {name} differs"
    zoe = copies["@Acme"]
    assert zoe.external_id == "42"
    # The exported LeadDesk id only matches leads of the same database; it never fills external_id.
    assert copies["Bare Co"].external_id is None
    assert owner_names[zoe.owner_id] == "Sam Example"
    assert zoe.custom_fields["Tags"] == "vip; q3"
    assert zoe.custom_fields["Budget"] == "=1+2"
    # The export suffixes a custom key equal to a lead field; the import takes the suffix off again.
    assert zoe.custom_fields["email"] == "shadow"
    assert set(zoe.custom_fields) == {"Tags", "Budget", "email"}


def test_xlsx_values(filled, tmp_path: Path):
    path = tmp_path / "leads.xlsx"

    count = export_leads(filled, path)

    assert count == 2
    sheet = load_workbook(path)["Leads"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    zoe = dict(zip(headers, rows[1]))
    assert headers[: len(EXPORT_FIELDS)] == list(EXPORT_FIELDS)
    assert zoe["first_name"] == "Zoë"
    assert zoe["employee_count"] == 230
    assert zoe["owner"] == "Sam Example"
    assert zoe["phone"] == "+44 7700 900123"
    assert zoe["Budget"] == "=1+2"
    assert sheet.cell(row=2, column=headers.index("Budget") + 1).data_type == "s"
    assert sheet.cell(row=2, column=headers.index("last_name") + 1).data_type == "s"


def test_xlsx_round_trip(filled, tmp_path: Path):
    path = tmp_path / "leads.xlsx"
    export_leads(filled, path)
    copy = Database.open(tmp_path / "copy.sqlite")

    report = run_import(copy, path, now=NOW)

    with copy.session() as session:
        zoe = session.scalars(select(Lead).where(Lead.external_id == "42")).one()
    copy.dispose()
    assert report.created == 2
    assert zoe.last_name == "=HYPERLINK(\"http://evil.example\")"
    assert zoe.employee_count == 230
    assert zoe.received_at == datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc)


def test_empty_database_exports_header(database, tmp_path: Path):
    path = tmp_path / "none.csv"

    assert export_leads(database, path) == 0
    assert read_csv(path) == []
    assert path.read_text(encoding="utf-8-sig").startswith("id,external_id,")


def test_unknown_extension(database, tmp_path: Path):
    with pytest.raises(ExportError, match="unknown extension '.json'"):
        export_leads(database, tmp_path / "leads.json")
    assert list(tmp_path.glob("*.json")) == []


def test_missing_folder(database, tmp_path: Path):
    with pytest.raises(ExportError, match="does not exist"):
        export_leads(database, tmp_path / "nowhere" / "leads.csv")


def test_failed_export_leaves_no_file(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services import exporting

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exporting, "_write_csv", broken)
    # A folder of its own, because on SQLite tmp_path also contains the database file.
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(OSError, match="disk full"):
        export_leads(database, folder / "leads.csv")
    assert list(folder.iterdir()) == []


def test_folder_target_rejected(database, tmp_path: Path):
    folder = tmp_path / "exports.csv"
    folder.mkdir()

    with pytest.raises(ExportError, match="it is a folder; give a file name in it"):
        export_leads(database, folder)


def test_xlsx_dates_are_dates(filled, tmp_path: Path):
    from leaddesk.services.playbook import set_team_timezone

    with filled.session() as session:
        set_team_timezone(session, "Europe/Berlin")
    path = tmp_path / "leads.xlsx"

    export_leads(filled, path)

    sheet = load_workbook(path)["Leads"]
    headers = [cell.value for cell in sheet[1]]
    received = sheet.cell(row=2, column=headers.index("received_at") + 1)
    assert received.is_date
    assert received.value == datetime(2025, 10, 21, 16, 3)
    assert sheet.cell(row=2, column=headers.index("first_contacted_at") + 1).value is None


def test_xlsx_dates_read_back(filled, tmp_path: Path):
    from leaddesk.services.playbook import set_team_timezone

    with filled.session() as session:
        set_team_timezone(session, "America/New_York")
    path = tmp_path / "leads.xlsx"
    export_leads(filled, path)
    copy = Database.open(tmp_path / "copy.sqlite")
    with copy.session() as session:
        set_team_timezone(session, "America/New_York")

    run_import(copy, path, now=NOW)

    with copy.session() as session:
        zoe = session.scalars(select(Lead).where(Lead.external_id == "42")).one()
    copy.dispose()
    assert zoe.received_at == datetime(2025, 10, 21, 14, 3, tzinfo=timezone.utc)


def test_xlsx_text_never_formula(database, tmp_path: Path):
    texts = ["=SUM(A1:A3)", "=1+2", "'=already quoted", "a\rb\x01c", "_x0041_ stays", "+44 20"]
    with database.session() as session:
        for index, text in enumerate(texts):
            session.add(Lead(company=text, received_at=NOW, created_at=NOW + timedelta(seconds=index)))
    path = tmp_path / "texts.xlsx"

    export_leads(database, path)

    sheet = load_workbook(path)["Leads"]
    column = [cell.value for cell in sheet[1]].index("company") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, len(texts) + 2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert cells[0].value == "=SUM(A1:A3)"
    assert cells[2].value == "''=already quoted"
    assert cells[3].value == "a_x000D_b_x0001_c"
    assert cells[4].value == "_x005F_x0041_ stays"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_odd_text_round_trip(database, tmp_path: Path, suffix: str):
    texts = ["=SUM(A1:A3)", "'=already quoted", "'+1", "a\rb\x01c", "_x0041_ stays", "\tTabbed", "-minus", "@at"]
    with database.session() as session:
        for index, text in enumerate(texts):
            session.add(Lead(company=f"Co {index}", title=text, received_at=NOW, created_at=NOW + timedelta(seconds=index)))
    path = tmp_path / f"texts{suffix}"
    export_leads(database, path)
    copy = Database.open(tmp_path / "copy.sqlite")

    run_import(copy, path, now=NOW)

    with copy.session() as session:
        titles = {lead.company: lead.title for lead in session.scalars(select(Lead))}
    copy.dispose()
    for index, text in enumerate(texts):
        assert titles[f"Co {index}"] == text


@pytest.fixture
def team(database):
    """Return the database with four leads of two owners in different stages and segments."""
    with database.session() as session:
        # Left unevaluated, so the inbox orders these leads by Lead.score.
        session.info[SKIP_KEY] = True
        sam, lee = Rep(name="Sam Example"), Rep(name="Lee Example")
        session.add_all([sam, lee])
        session.flush()
        specs = [
            ("Ann", "new", sam, "general", {"Tags": "vip"}),
            ("Bo", "qualified", sam, "enterprise_demo", {"Budget": "10k"}),
            ("Cy", "new", lee, "general", {"Region code": "7"}),
            ("Dee", "new", sam, "general", {}),
        ]
        for index, (name, stage, owner, segment, custom) in enumerate(specs):
            session.add(
                Lead(
                    first_name=name,
                    company=f"{name} Co",
                    stage=stage,
                    owner_id=owner.id,
                    segment=segment,
                    custom_fields=custom,
                    score=index,
                    received_at=NOW,
                    created_at=NOW + timedelta(seconds=index),
                )
            )
    return database


def filtered_names(database, tmp_path: Path, **filters) -> tuple[list[str], list[str]]:
    from leaddesk.services.inbox import InboxQuery

    path = tmp_path / "view.csv"
    export_leads(database, path, InboxQuery(now=NOW, **filters))
    rows = read_csv(path)
    headers = list(rows[0]) if rows else []
    return [row["first_name"] for row in rows], headers[len(EXPORT_FIELDS) + len(DERIVED_EXPORT_COLUMNS) :]


def test_filtered_by_stage(team, tmp_path: Path):
    names, custom = filtered_names(team, tmp_path, stage="qualified")

    assert names == ["Bo"]
    assert custom == ["Budget"]


def test_filtered_by_owner(team, tmp_path: Path):
    names, custom = filtered_names(team, tmp_path, owner="lee example")

    assert names == ["Cy"]
    assert custom == ["Region code"]


def test_filtered_by_search(team, tmp_path: Path):
    names, _custom = filtered_names(team, tmp_path, search="dee co")

    assert names == ["Dee"]


def test_filtered_in_inbox_order(team, tmp_path: Path):
    names, custom = filtered_names(team, tmp_path, owner="Sam Example", segment="general")

    # Outside the response-clock groups the inbox puts the highest score first.
    assert names == ["Dee", "Ann"]
    assert custom == ["Tags"]


def test_export_reports_progress(team, tmp_path: Path):
    calls: list[tuple[float, str]] = []

    export_leads(team, tmp_path / "all.csv", progress=lambda fraction, message: calls.append((fraction, message)))

    assert calls[0] == (0.0, "exporting")
    assert calls[-1] == (1.0, "4 leads exported")
