"""Matching imported rows to leads by phone: E.164 through phonenumbers where a region is known."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
import random
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import select

from leaddesk.models import Lead, normalize_phone
from leaddesk.services.enrichment.settings import save_default_region
from leaddesk.services.importing import importer, plan_import, run_import
from leaddesk.services.importing.matching import PhoneKeys
from leaddesk.services.post_import_jobs import run_post_import_jobs

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=1)


def write_csv(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def leads(database) -> list[tuple[str | None, str | None, str | None]]:
    with database.session() as session:
        rows = session.scalars(select(Lead).order_by(Lead.created_at, Lead.id))
        return [(lead.full_name, lead.phone, lead.title) for lead in rows]


@pytest.mark.parametrize(
    ("stored", "imported"),
    [
        ("+44 20 7946 0958,UK", "020 7946 0958,United Kingdom"),
        ("020 7946 0958,UK", "+44 20 7946 0958,"),
        ("020 7946 0958,GB", "0044 20 7946 0958,United Kingdom"),
        ("020 7946 0958,uk", "+44 (0)20 7946 0958,"),
    ],
)
def test_phone_matches_by_e164(database, tmp_path: Path, stored: str, imported: str):
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone,Country", f"Ann Lee,{stored}"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Country,Title", f"Ann Lee,{imported},CTO"])
    run_import(database, first, now=NOW)

    plan = plan_import(database, second, now=LATER)
    report = run_import(database, second, now=LATER)

    assert [(row.action.value, row.matched_by) for row in plan.rows] == [("update", "phone")]
    assert (report.created, report.updated) == (0, 1)
    assert [(name, title) for name, _phone, title in leads(database)] == [("Ann Lee", "CTO")]


@pytest.mark.parametrize(
    "imported",
    ["020 7946 0958,United Kingdom", "+44 20 7946 0958,", "+44 (0) 20 7946 0958,", "+442079460958,"],
)
def test_trunk_prefix_stored_matches(database, tmp_path: Path, imported: str):
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone,Country", "Ann Lee,+44 (0)20 7946 0958,UK"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Country,Title", f"Ann Lee,{imported},CTO"])
    run_import(database, first, now=NOW)

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (0, 1)
    assert [(name, title) for name, _phone, title in leads(database)] == [("Ann Lee", "CTO")]


def test_stored_format_matched_by_e164(database, tmp_path: Path):
    # The digits of "+44 020 7946 0958" keep the trunk 0, and nothing in the text marks it.
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone", "Ann Lee,+44 020 7946 0958"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Title", "Ann Lee,+44 20 7946 0958,CTO"])
    run_import(database, first, now=NOW)
    run_post_import_jobs(database)

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (0, 1)
    assert [(name, title) for name, _phone, title in leads(database)] == [("Ann Lee", "CTO")]


def test_phone_default_region_used(database, tmp_path: Path):
    with database.session() as session:
        save_default_region(session, "GB")
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone", "Ann Lee,+44 20 7946 0958"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Title", "Ann Lee,020 7946 0958,CTO"])
    run_import(database, first, now=NOW)

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (0, 1)
    assert leads(database) == [("Ann Lee", "020 7946 0958", "CTO")]


def test_phone_without_region_digits_only(database, tmp_path: Path):
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone", "Ann Lee,+44 20 7946 0958"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Title", "Ann Lee,020 7946 0958,CTO"])
    third = write_csv(tmp_path, "third.csv", ["Full Name,Phone,Title", "Ann Lee,(020) 7946-0958,CEO"])
    run_import(database, first, now=NOW)

    created = run_import(database, second, now=LATER)
    updated = run_import(database, third, now=LATER + timedelta(hours=1))

    assert (created.created, created.updated) == (1, 0)
    assert (updated.created, updated.updated) == (0, 1)
    assert leads(database) == [("Ann Lee", "+44 20 7946 0958", None), ("Ann Lee", "(020) 7946-0958", "CEO")]


def test_phone_other_country_not_matched(database, tmp_path: Path):
    first = write_csv(tmp_path, "first.csv", ["Full Name,Phone,Country", "Ann Lee,020 7946 0958,UK"])
    second = write_csv(tmp_path, "second.csv", ["Full Name,Phone,Country", "Bo Berg,020 7946 0958,DE"])
    run_import(database, first, now=NOW)

    report = run_import(database, second, now=LATER)

    assert (report.created, report.updated) == (1, 0)
    assert len(leads(database)) == 2


def test_phone_matches_within_file(database, tmp_path: Path):
    path = write_csv(
        tmp_path,
        "both.csv",
        ["Full Name,Phone,Country,Title", "Ann Lee,+44 20 7946 0958,,Buyer", "Ann Lee,020 7946 0958,UK,CTO"],
    )

    plan = plan_import(database, path, now=NOW)
    report = run_import(database, path, now=NOW)

    assert [(row.action.value, row.duplicate_of) for row in plan.rows] == [("create", None), ("update", 2)]
    assert (report.created, report.updated, report.duplicates) == (1, 1, 1)
    assert leads(database) == [("Ann Lee", "020 7946 0958", "CTO")]


def test_phone_matches_across_chunks(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    path = write_csv(
        tmp_path,
        "chunks.csv",
        [
            "Full Name,Phone,Country,Title",
            "Ann Lee,020 7946 0958,UK,Buyer",
            "Bo Berg,+1 555 010 2030,,",
            "Ann Lee,+44 20 7946 0958,,CTO",
        ],
    )

    report = run_import(database, path, now=NOW)

    assert (report.created, report.updated) == (2, 1)
    assert leads(database) == [("Ann Lee", "+44 20 7946 0958", "CTO"), ("Bo Berg", "+1 555 010 2030", None)]


@pytest.mark.parametrize(
    ("phone", "country", "region", "key"),
    [
        ("+44 20 7946 0958", None, None, "442079460958"),
        ("'+44 20 7946 0958", "DE", None, "442079460958"),
        ("+44 (0)20 7946 0958", None, None, "442079460958"),
        ("+44 020 7946 0958", None, None, "442079460958"),
        ("+39 06 1234 5678", None, None, "390612345678"),
        ("020 7946 0958", "United Kingdom", None, "442079460958"),
        ("020 7946 0958", None, "GB", "442079460958"),
        ("020 7946 0958", "US", "GB", "02079460958"),
        ("020 7946 0958", None, None, "02079460958"),
        ("(555) 010-2030", "USA", None, "15550102030"),
        ("12", "UK", None, None),
    ],
)
def test_phone_key_values(phone: str, country: str | None, region: str | None, key: str | None):
    assert PhoneKeys(region).key(phone, country) == key


def full_parse_key(phone: str, region: str) -> str | None:
    """Return the key as phonenumbers.parse alone computes it, for comparison with PhoneKeys' shortcut."""
    digits = normalize_phone(phone)
    if digits is None:
        return None
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(parsed):
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


@pytest.mark.parametrize("region", ["GB", "US", "DE", "FR", "IT", "NL", "IN", "AU", "JP", "BR", "AR", "ES", "MX", "CH", "SE"])
def test_phone_key_shortcut_agrees(region: str):
    rng = random.Random(region)
    numbers = []
    for _attempt in range(400):
        length = rng.randrange(6, 14)
        lead = rng.choice(["0", "00", "1", "", "4", "9", "180020", "15"])
        numbers.append(lead + "".join(rng.choice("0123456789") for _digit in range(length)))

    phone_keys = PhoneKeys(region)
    mismatches = [(number, phone_keys.key(number, None), full_parse_key(number, region)) for number in numbers]
    mismatches = [item for item in mismatches if item[1] != item[2]]

    assert mismatches == []
