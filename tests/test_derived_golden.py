"""Golden values of the refresh after an import: match keys, blocking keys and derived values.

The leads come from bench/lead_files.py's generator with a fixed seed, varied by a second
seeded generator (full names only, nicknames, Gmail dots and +tags, national phones with
and without a country, free mail, websites and domains, custom identifiers). The expected
digests are those of the code before the refresh was made faster, so any change in a
computed value fails here. When a rule changes on purpose, print the new digests and
replace them, and raise KEY_RULES_VERSION or DERIVED_VERSION as the rule's module documents.
"""

from __future__ import annotations

import hashlib
import random
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.driver_sql import driver_cursor
from leaddesk.services.dedup.key_store import SOURCE_COLUMNS as KEY_SOURCE_COLUMNS
from leaddesk.services.dedup.normalize import MATCH_COLUMNS, normalize_lead_keys
from leaddesk.services.derived import refresh_derived
from leaddesk.services.enrichment import DERIVED_COLUMNS, SOURCE_FIELDS
from leaddesk.services.enrichment.derive import derive_values
from leaddesk.services.enrichment.settings import save_default_region

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from lead_files import generate_rows  # noqa: E402

ROWS = 3000
VARIATION_SEED = 20261205
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)

EXPECTED_KEYS_DIGEST = "8e4a1e19e0bd4d8bc4247c30398bcfaa4edf4710ef3bae1035703d9a2ebbcf6a"
EXPECTED_BLOCKING_DIGEST = "1f3029f50b87966eeba3da7cff0ca34301d81452382596e235ed004456fc9a8b"
EXPECTED_DERIVED_DIGEST = "636a331a5c2c6e96cda1e021633c12daaa7dcd529dab78bec84ef04bd2ae8654"
EXPECTED_DIRECT_DIGEST = "678782af7a523dc5d69d68b3be47f483c9910ec161bfcea7303562704cdec2ad"

NICKNAMES = ["Bill", "Liz", "Bob", "Kate", "Jim", "Peggy", "Dick", "Sasha", "Chuck", "Ted"]
NATIONAL_PHONES = [
    ("United Kingdom", "020 7946 {}"),
    ("Germany", "030 5512 {}"),
    ("France", "01 42 68 {}"),
    ("India", "098765 4{}"),
    (None, "(415) 555-{}"),
    (None, "0{}"),
    ("Narnia", "+44 7700 900{}"),
    ("de", "0151 2345 {}"),
    ("UK", "07700 9001{}"),
]
TITLES = [
    "VP of Operations", "Co-founder & CEO", "Sr. Software Engineer", "Directeur commercial",
    "Executive Assistant to the CEO", "Chief of Staff", "Senior Vice President, Sales",
    "Team Lead - Support", "Ninja", "  ", "Head of People", "Chief Information Security Officer",
]
COMPANIES = ["ACME Software, Inc.", "Global Solutions Ltd", "S.A. Dupont", "the group", "Müller GmbH & Co. KG", ""]
WEBSITES = ["https://shop.acme.co.uk/about", "acme.com", "localhost", "http://www.example.org", "  "]


def varied_leads(count: int) -> list[dict]:
    """Return lead rows for insert(Lead): the generated export rows with seeded variations."""
    rng = random.Random(VARIATION_SEED)
    leads = []
    for index, row in enumerate(generate_rows(count)):
        (_record, first, last, email, phone, company, title, website, city, region, country,
         industry, employees, _source, _status, _owner, _created, revenue, tags, notes) = row
        lead = {
            "id": uuid.UUID(int=index + 1),
            "first_name": first,
            "last_name": last,
            "full_name": None,
            "email": email or None,
            "phone": phone,
            "company": company,
            "title": title,
            "website": website,
            "domain": None,
            "city": city,
            "region": region,
            "country": country,
            "industry": industry,
            "employee_count": int(employees) if employees.isdigit() else None,
            "custom_fields": {"Annual Revenue": revenue, "Tags": tags, "Notes": notes},
        }
        _vary(rng, lead, index)
        leads.append(lead)
    return leads


def _vary(rng: random.Random, lead: dict, index: int) -> None:
    roll = rng.random()
    if roll < 0.15:
        lead["full_name"] = f"Dr. {lead['first_name']} {lead['last_name']} Jr."
        lead["first_name"] = lead["last_name"] = None
    elif roll < 0.25:
        lead["first_name"] = rng.choice(NICKNAMES)
    elif roll < 0.30:
        lead["first_name"], lead["last_name"] = lead["last_name"], lead["first_name"]
    elif roll < 0.33:
        lead["first_name"] = lead["last_name"] = lead["full_name"] = None

    roll = rng.random()
    if roll < 0.2:
        lead["email"] = f"{lead['first_name'] or 'ann'}.Lee+news{index}@GMail.com"
    elif roll < 0.3:
        lead["email"] = rng.choice(["info@acme.com", "ana@eu.acme.co.uk", "no-at-sign", "x@yahoo.com"])

    roll = rng.random()
    if roll < 0.35:
        country, form = rng.choice(NATIONAL_PHONES)
        lead["phone"] = form.format(rng.randrange(1000, 9999))
        lead["country"] = country
    elif roll < 0.40:
        lead["phone"] = rng.choice(["0", "  ", "ext. 12", "+1 800 555 0199"])
    elif roll < 0.45:
        lead["phone"] = None

    if rng.random() < 0.3:
        lead["title"] = rng.choice(TITLES)
    if rng.random() < 0.2:
        lead["company"] = rng.choice(COMPANIES) or None
    roll = rng.random()
    if roll < 0.2:
        lead["website"] = rng.choice(WEBSITES)
    elif roll < 0.3:
        lead["website"], lead["domain"] = None, "sub.acme.co.uk"
    if rng.random() < 0.2:
        lead["custom_fields"] = {"Postcode": str(rng.randrange(100, 99999)), "Customer no": f"AB {rng.randrange(10**8, 10**9)}"}
    if rng.random() < 0.1:
        lead["city"] = rng.choice(["São Paulo", "", "Zürich", None])


def _store(database: Database, leads: list[dict]) -> None:
    filler = {"segment": "general", "stage": "new", "score": 0, "secondary_values": {}, "row_version": 1,
              "match_phone_unparsed": False, "received_at": NOW, "created_at": NOW, "updated_at": NOW}
    with database.session() as session:
        session.execute(insert(Lead), [{**filler, **lead} for lead in leads])


def _digest(rows) -> str:
    return hashlib.sha256(repr(list(rows)).encode("utf-8")).hexdigest()


def _as_sqlite_returns(rows: list[tuple]) -> list[tuple]:
    """Return rows with booleans as the 0 and 1 that SQLite returns, since psycopg returns True and False."""
    return [tuple(int(value) if isinstance(value, bool) else value for value in row) for row in rows]


def _stored_digests(database: Database) -> tuple[str, str, str]:
    columns = ", ".join((*MATCH_COLUMNS, "match_keys_hash"))
    derived = ", ".join(DERIVED_COLUMNS)
    with database.session() as session:
        # driver_cursor returns SQLite's stored forms on both backends, so the digests match on PostgreSQL too.
        cursor = driver_cursor(session.connection())
        keys = _as_sqlite_returns(cursor.execute(f"SELECT id, {columns} FROM leads ORDER BY id").fetchall())
        blocking = cursor.execute("SELECT lead_id, key FROM lead_match_keys ORDER BY lead_id, key").fetchall()
        values = _as_sqlite_returns(cursor.execute(f"SELECT id, {derived}, derived_version FROM leads ORDER BY id").fetchall())
        cursor.close()
    return _digest(keys), _digest(blocking), _digest(values)


def test_refresh_keeps_golden_values(database: Database) -> None:
    leads = varied_leads(ROWS)
    _store(database, leads)
    with database.session() as session:
        save_default_region(session, "GB")
    with database.session() as session:
        assert refresh_derived(session, now=NOW) == ROWS

    keys, blocking, values = _stored_digests(database)
    assert keys == EXPECTED_KEYS_DIGEST
    assert blocking == EXPECTED_BLOCKING_DIGEST
    assert values == EXPECTED_DERIVED_DIGEST


def test_direct_functions_keep_golden_values() -> None:
    outputs = []
    for lead in varied_leads(ROWS):
        keys = normalize_lead_keys({name: lead.get(name) for name in KEY_SOURCE_COLUMNS})
        fields = {name: lead.get(name) for name in SOURCE_FIELDS}
        outputs.append((keys, derive_values(fields, "US"), derive_values(fields)))
    assert _digest(outputs) == EXPECTED_DIRECT_DIGEST


def test_second_refresh_changes_nothing(database: Database) -> None:
    _store(database, varied_leads(500))
    with database.session() as session:
        refresh_derived(session, now=NOW)
    first = _stored_digests(database)
    with database.session() as session:
        refresh_derived(session, [uuid.UUID(int=index + 1) for index in range(500)], now=NOW)
    assert _stored_digests(database) == first
