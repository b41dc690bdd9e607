"""Import policies and plans: phone matching, update, skip or create, fill-blanks-only, and plan_import."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaddesk.models import ImportBatch, ImportChange, Lead, Rep
from leaddesk.services.importing import ImportPolicy, OnMatch, PolicyError, RowAction, plan_import, run_import

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=1)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def leads_by_company(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.company: lead for lead in session.scalars(select(Lead))}


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def acme(database, tmp_path: Path):
    """Return the database with one imported lead: Ann at Acme, with e-mail, phone, title and a tag."""
    path = write_csv(
        tmp_path / "first.csv",
        [
            ["Email", "Phone", "Company", "Title", "City", "Tags"],
            ["ann@example.com", "+1 (555) 010-2030", "Acme", "Buyer", "", "vip"],
        ],
    )
    run_import(database, path, now=NOW)
    return database


def test_phone_stored_as_digits(acme):
    lead = leads_by_company(acme)["Acme"]

    assert lead.phone == "+1 (555) 010-2030"
    assert lead.phone_normalized == "15550102030"


def test_phone_match_updates(acme, tmp_path: Path):
    path = write_csv(tmp_path / "calls.csv", [["Phone", "Company", "City"], ["1.555.010.2030", "Acme", "Lyon"]])

    report = run_import(acme, path, now=LATER)

    assert (report.created, report.updated) == (0, 1)
    lead = leads_by_company(acme)["Acme"]
    assert lead.city == "Lyon"
    assert lead.email == "ann@example.com"


def test_phone_match_needs_same_email(acme, tmp_path: Path):
    path = write_csv(tmp_path / "colleague.csv", [["Email", "Phone", "Company"], ["bo@example.com", "+15550102030", "Acme Two"]])

    report = run_import(acme, path, now=LATER)

    assert report.created == 1
    assert count(acme, Lead) == 2


def test_short_phone_never_matches(database, tmp_path: Path):
    path = write_csv(tmp_path / "short.csv", [["Phone", "Company"], ["12", "One"], ["12", "Two"]])

    report = run_import(database, path, now=NOW)

    assert report.created == 2


def test_skip_leaves_lead(acme, tmp_path: Path):
    path = write_csv(tmp_path / "again.csv", [["Email", "Title"], ["ANN@example.com", "CEO"], ["new@example.com", "CTO"]])

    report = run_import(acme, path, now=LATER, policy=ImportPolicy(on_match=OnMatch.SKIP))

    assert (report.created, report.updated, report.skipped) == (1, 0, 1)
    assert leads_by_company(acme)["Acme"].title == "Buyer"


def test_create_ignores_matches(acme, tmp_path: Path):
    path = write_csv(tmp_path / "again.csv", [["Email", "Company"], ["ann@example.com", "Acme copy"]])

    report = run_import(acme, path, now=LATER, policy=ImportPolicy.build("create"))

    assert (report.created, report.updated) == (1, 0)
    assert count(acme, Lead) == 2


def test_fill_blanks_only_all(acme, tmp_path: Path):
    path = write_csv(
        tmp_path / "enrich.csv",
        [["Email", "Title", "City", "Tags", "Source"], ["ann@example.com", "CEO", "Lyon", "churned", "Webinar"]],
    )

    report = run_import(acme, path, now=LATER, policy=ImportPolicy.build(fill_blanks_only=True))

    lead = leads_by_company(acme)["Acme"]
    assert report.updated == 1
    assert lead.title == "Buyer"
    assert lead.city == "Lyon"
    assert lead.source == "Webinar"
    assert lead.custom_fields["Tags"] == "vip"


def test_fill_blanks_only_per_field(acme, tmp_path: Path):
    path = write_csv(tmp_path / "enrich.csv", [["Email", "Title", "Company", "Tags"], ["ann@example.com", "CEO", "Acme Corp", "churned"]])

    run_import(acme, path, now=LATER, policy=ImportPolicy.build(fill_blanks_only=["title", "custom:Tags"]))

    lead = leads_by_company(acme)["Acme Corp"]
    assert lead.title == "Buyer"
    assert lead.custom_fields["Tags"] == "vip"


def test_fill_blanks_only_custom(acme, tmp_path: Path):
    path = write_csv(tmp_path / "enrich.csv", [["Email", "Title", "Tags", "Budget"], ["ann@example.com", "CEO", "churned", "10k"]])

    run_import(acme, path, now=LATER, policy=ImportPolicy.build(fill_blanks_only=["custom"]))

    lead = leads_by_company(acme)["Acme"]
    assert lead.title == "CEO"
    assert lead.custom_fields == {"Tags": "vip", "Budget": "10k"}


def test_fill_blanks_only_owner(database, tmp_path: Path):
    first = write_csv(tmp_path / "first.csv", [["Email", "Owner", "Company"], ["ann@example.com", "Sam", "Acme"]])
    second = write_csv(tmp_path / "second.csv", [["Email", "Owner"], ["ann@example.com", "Lee"]])
    run_import(database, first, now=NOW)

    run_import(database, second, now=LATER, policy=ImportPolicy.build(fill_blanks_only=["owner"]))

    with database.session() as session:
        owner = session.scalar(select(Rep.name).join(Lead, Lead.owner_id == Rep.id))
    assert owner == "Sam"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"on_match": "merge"}, "invalid on-match action 'merge'; use one of: update, skip, create"),
        ({"fill_blanks_only": ["titel"]}, "invalid field 'titel' for fill-blanks-only"),
        ({"fill_blanks_only": ["received_at"]}, "invalid field 'received_at'"),
    ],
)
def test_policy_rejects_unknown(arguments: dict, message: str):
    with pytest.raises(PolicyError, match=message):
        ImportPolicy.build(**arguments)


def test_policy_round_trips_dict():
    policy = ImportPolicy.build("skip", ["title", "custom"])

    assert ImportPolicy.from_dict(policy.to_dict()) == policy
    assert ImportPolicy.from_dict(None) == ImportPolicy()


def test_policy_stored_on_batch(acme, tmp_path: Path):
    path = write_csv(tmp_path / "again.csv", [["Email"], ["ann@example.com"]])

    run_import(acme, path, now=LATER, policy=ImportPolicy.build("skip", ["city"]))

    with acme.session() as session:
        policies = [batch.policy for batch in session.scalars(select(ImportBatch).order_by(ImportBatch.started_at))]
    assert policies == [
        {"on_match": "update", "fill_blanks_only": []},
        {"on_match": "skip", "fill_blanks_only": ["city"]},
    ]


@pytest.fixture
def mixed_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "mixed.csv",
        [
            ["Email", "Phone", "Company", "Title", "Created Date"],
            ["ann@example.com", "", "Acme", "CEO", ""],
            ["new@example.com", "", "Newco", "", ""],
            ["", "+1 (555) 010-2030", "Acme", "CEO", ""],
            ["bad@", "", "Broken", "", ""],
            ["NEW@example.com", "", "Newco", "Founder", ""],
            ["", "", "", "", ""],
            ["cy@example.com", "", "Cyco", "", "31/02/2025"],
        ],
    )


def test_plan_lists_every_row(acme, mixed_file: Path):
    plan = plan_import(acme, mixed_file, now=LATER)

    actions = [(row.row, row.action) for row in plan.rows]
    assert actions == [
        (2, RowAction.UPDATE),
        (3, RowAction.CREATE),
        (4, RowAction.SKIP),
        (5, RowAction.REJECT),
        (6, RowAction.UPDATE),
        (7, RowAction.SKIP),
        (8, RowAction.REJECT),
    ]


def test_plan_explains_rows(acme, mixed_file: Path):
    plan = plan_import(acme, mixed_file, now=LATER)
    rows = {row.row: row for row in plan.rows}

    assert rows[2].matched_by == "email"
    assert rows[2].lead_label == "ann@example.com"
    assert rows[2].fields == ("title",)
    assert rows[4].duplicate_of == 2
    assert rows[4].reason == "nothing to change"
    assert rows[5].column == "Email"
    assert rows[5].value == "bad@"
    assert "not a valid e-mail address" in rows[5].reason
    assert rows[6].duplicate_of == 3
    assert rows[6].fields == ("title",)
    assert rows[7].reason == "the row is empty"
    assert rows[8].column == "Created Date"
    assert rows[2].describe() == "row 2: update ann@example.com (matched by email): title"


def test_plan_totals_match_import(acme, mixed_file: Path):
    plan = plan_import(acme, mixed_file, now=LATER)
    report = run_import(acme, mixed_file, now=LATER)

    assert plan.totals() == {"create": 1, "update": 2, "skip": 2, "reject": 2}
    assert (plan.report.created, plan.report.updated, plan.report.skipped) == (report.created, report.updated, report.skipped)
    assert plan.report.duplicates == report.duplicates == 2
    assert [row.row for row in plan.duplicate_rows()] == [4, 6]
    assert [row.row for row in plan.rows_for("reject", limit=1)] == [5]


def test_plan_stores_nothing(acme, mixed_file: Path):
    before = (count(acme, Lead), count(acme, ImportBatch), count(acme, ImportChange))

    plan = plan_import(acme, mixed_file, now=LATER)

    assert plan.report.dry_run is True
    assert plan.report.batch_id is None
    assert (count(acme, Lead), count(acme, ImportBatch), count(acme, ImportChange)) == before
    assert leads_by_company(acme)["Acme"].title == "Buyer"


def test_plan_skip_policy(acme, mixed_file: Path):
    plan = plan_import(acme, mixed_file, now=LATER, policy=ImportPolicy.build("skip"))
    rows = {row.row: row for row in plan.rows}

    assert rows[2].action is RowAction.SKIP
    assert rows[2].reason == "the lead exists and --on-match is skip"
    assert rows[6].action is RowAction.SKIP
    assert rows[6].reason == "repeats row 3"


def test_plan_create_policy_marks_repeats(acme, mixed_file: Path):
    plan = plan_import(acme, mixed_file, now=LATER, policy=ImportPolicy.build("create"))
    rows = {row.row: row for row in plan.rows}

    assert rows[2].action is RowAction.CREATE
    assert rows[6].action is RowAction.CREATE
    assert rows[6].duplicate_of == 3
    assert rows[6].describe() == "row 6: create NEW@example.com (repeats row 3, created anyway)"
    assert plan.report.duplicates == 1


def test_plan_deleted_match(acme, tmp_path: Path):
    with acme.session() as session:
        session.scalars(select(Lead)).one().deleted_at = NOW
    path = write_csv(tmp_path / "gone.csv", [["Email", "City"], ["ann@example.com", "Lyon"]])

    plan = plan_import(acme, path, now=LATER)

    assert plan.rows[0].action is RowAction.SKIP
    assert "was deleted" in plan.rows[0].reason


def test_later_chunk_finds_gained_email(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from leaddesk.services.importing import importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    path = write_csv(
        tmp_path / "chunks.csv",
        [
            ["Record ID", "Email", "Company"],
            ["7", "", "Acme"],
            ["8", "", "Other"],
            ["7", "ann@example.com", ""],
            ["9", "", "Third"],
            ["", "ANN@example.com", "Acme Corp"],
        ],
    )

    report = run_import(database, path, now=NOW)

    assert report.created == 3
    assert report.updated == 2
    assert leads_by_company(database)["Acme Corp"].email == "ann@example.com"
