"""Benchmark the refresh of derived values (enrichment and match keys) after an import.

Usage: .venv/bin/python bench/enrich_bench.py [--rows 100000]

Generates leads with a fixed seed (phones of six countries in national and international
forms, 60 job titles, 30 % free-mail addresses), stores them as one import batch in a new
SQLite file, and times in one process:

- floor: reading the source columns and writing as many columns back with the sqlite3
  cursor's executemany, with no computation, the least a refresh of these rows can cost;
- peer: refresh_match_keys of the dedup module on all leads, the match keys alone, which
  the duplicate scan computes anyway;
- refresh_after_import on new leads: what an import of these rows runs after it
  commits, match keys and enrichment, with empty name, title, domain and phone caches;
- enrichment only: the same on leads whose match keys are fresh, with cold and warm caches.

Each phase runs on its own copy of the generated database file. Every phase reports its
wall time and its CPU time (time.process_time), and the ratios use the CPU time, because
the machine may be shared and wall times are noisy.

It also compares the prefix-cached phone lookup with an uncached one on every distinct
number, and prints the pure-Python cost per lead of derive_values with and without the
phone cache.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lead_files import machine_description  # noqa: E402

from leaddesk.models import ImportBatch, Lead, utc_now  # noqa: E402
from leaddesk.services.database import Database  # noqa: E402
from leaddesk.services.dedup import normalize  # noqa: E402
from leaddesk.services.dedup.normalize import refresh_match_keys  # noqa: E402
from leaddesk.services.derived import refresh_after_import  # noqa: E402
from leaddesk.services.enrichment import DERIVED_COLUMNS, SOURCE_FIELDS  # noqa: E402
from leaddesk.services.enrichment import department as department_module  # noqa: E402
from leaddesk.services.enrichment import mail_domain as mail_module  # noqa: E402
from leaddesk.services.enrichment import phone_geo  # noqa: E402
from leaddesk.services.enrichment import seniority as seniority_module  # noqa: E402
from leaddesk.services.enrichment.derive import derive_values  # noqa: E402

SEED = 20261204

# (country field, national form, international form, count of random digits that fill the "{}").
PHONE_PLANS = [
    ("United States", "(415) 5{}", "+1 415 5{}", 6),
    ("United States", "212-55{}", "+1 212 55{}", 5),
    ("Canada", "416 55{}", "+1 416 55{}", 5),
    ("United Kingdom", "020 79{}", "+44 20 79{}", 6),
    ("United Kingdom", "07700 9{}", "+44 7700 9{}", 5),
    ("Germany", "030 55{}", "+49 30 55{}", 6),
    ("France", "01 42 {}", "+33 1 42 {}", 6),
    ("India", "098765 {}", "+91 98765 {}", 5),
]

TITLES = [
    "VP of Operations", "Founder & CEO", "Sales Manager, EMEA", "Head of Procurement", "CTO", "Buyer",
    "Head of Growth", "SVP Sales", "Chief Revenue Officer", "Sr. Software Engineer", "Co-founder & CEO",
    "Directeur commercial", "Account Executive", "Customer Success Manager", "Data Analyst", "Controller",
    "Director of Engineering", "Marketing Specialist", "Product Manager", "HR Business Partner",
    "IT Manager", "General Counsel", "Office Manager", "Executive Assistant to the CEO", "Recruiter",
    "Senior Product Designer", "Chief Financial Officer", "Managing Director", "Owner", "Intern",
    "Solutions Engineer", "Head of People", "VP Marketing", "Business Development Representative",
    "Systems Administrator", "Operations Director", "Support Specialist", "Team Lead - Support",
    "Principal Consultant", "Partner", "President", "Chief of Staff", "Senior Accountant",
    "Growth Marketing Manager", "Engineering Manager", "QA Engineer", "Legal Counsel",
    "Procurement Specialist", "Logistics Coordinator", "Talent Acquisition Lead", "Student", "",
    "Chief Technology Officer", "Senior Vice President, Sales", "Director, Sales & Partnerships",
    "Customer Support Agent", "DevOps Engineer", "Finance Manager", "Content Writer", "Ninja",
]
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"]


def generate(count: int, batch_id) -> list[dict]:
    rng = random.Random(SEED)
    now = utc_now()
    rows = []
    for index in range(count):
        country, national, international, digits = rng.choice(PHONE_PLANS)
        tail = "".join(rng.choice("0123456789") for _ in range(digits))
        phone = (international if rng.random() < 0.5 else national).format(tail)
        typed_country = country if rng.random() < 0.8 else None
        domain = rng.choice(FREE_MAIL) if rng.random() < 0.3 else f"co{index % 5000}.example.co.uk"
        rows.append(
            {
                "id": uuid.uuid4(),
                "first_name": f"First{index % 700}",
                "last_name": f"Last{index % 1300}",
                "email": f"person{index}@{domain}" if rng.random() < 0.95 else None,
                "phone": phone if rng.random() < 0.9 else None,
                "company": f"Company {index % 5000} Ltd",
                "title": rng.choice(TITLES) or None,
                "country": typed_country,
                "city": "Springfield" if rng.random() < 0.5 else None,
                "employee_count": rng.randrange(1, 5000) if rng.random() < 0.6 else None,
                "segment": "general",
                "stage": "new",
                "score": 0,
                "custom_fields": {},
                "secondary_values": {},
                "match_phone_unparsed": False,
                "received_at": now,
                "created_at": now,
                "updated_at": now,
                "row_version": 1,
                "import_batch_id": batch_id,
            }
        )
    return rows


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clear_caches() -> None:
    phone_geo.clear_cache()
    seniority_module._seniority_key.cache_clear()
    department_module._department.cache_clear()
    mail_module._domain_facts.cache_clear()
    for cached in (normalize.fold_text, normalize.region_of_country, normalize.canonical_first_name,
                   normalize.sound_code, normalize.split_names, normalize.company_key, normalize.registered_domain):
        cached.cache_clear()


def mark_stale(database: Database) -> None:
    with database.session() as session:
        session.execute(update(Lead).values(derived_version=None, updated_at=Lead.updated_at))


def time_floor(database: Database) -> tuple[float, float]:
    """Read the refresh's source columns and write as many columns back through the DBAPI, without computing."""
    columns = ", ".join(SOURCE_FIELDS)
    written = ", ".join(f"{name} = ?" for name in DERIVED_COLUMNS + ("derived_version", "derived_at"))
    started, cpu_started = time.perf_counter(), time.process_time()
    with database.session() as session:
        cursor = session.connection().connection.cursor()
        rows = cursor.execute(f"SELECT id, match_phone, match_phone_unparsed, {columns} FROM leads").fetchall()
        width = len(DERIVED_COLUMNS) + 2
        for start in range(0, len(rows), 900):
            chunk = rows[start : start + 900]
            cursor.executemany(f"UPDATE leads SET {written} WHERE id = ?", [(*([None] * width), row[0]) for row in chunk])
        cursor.close()
    return time.perf_counter() - started, time.process_time() - cpu_started


def cache_agreement(rows: list[dict]) -> tuple[int, int]:
    """Return (distinct numbers, numbers whose cached result differs from an uncached lookup)."""
    numbers = set()
    for row in rows:
        region = {"United States": "US", "Canada": "CA", "United Kingdom": "GB", "Germany": "DE",
                  "France": "FR", "India": "IN"}.get(row["country"] or "")
        e164 = phone_geo.parse_to_e164(row["phone"], region)
        if e164:
            numbers.add(e164)
    phone_geo.clear_cache()
    differing = sum(1 for number in numbers if phone_geo.geo_of_e164(number) != phone_geo.lookup_geo(number))
    return len(numbers), differing


def derive_cost(rows: list[dict], cached_phone: bool) -> float:
    """Return microseconds per lead of derive_values alone, with warm title caches."""
    fields = [{name: row.get(name) for name in ("email", "phone", "title", "country", "first_name",
                                                "last_name", "company", "city", "employee_count")}
              for row in rows]
    geo = phone_geo.geo_of_e164
    if not cached_phone:
        phone_geo.geo_of_e164 = phone_geo.lookup_geo
    try:
        import leaddesk.services.enrichment.derive as derive_module

        derive_module.geo_of_e164 = phone_geo.geo_of_e164
        phone_geo.clear_cache()
        started = time.perf_counter()
        for item in fields:
            derive_values(item, "US")
        return (time.perf_counter() - started) / len(fields) * 1e6
    finally:
        phone_geo.geo_of_e164 = geo
        derive_module.geo_of_e164 = geo


def open_copy(source: Path, name: str) -> Database:
    target = source.with_name(name)
    shutil.copy(source, target)
    return Database.open(target)


def timed_refresh(database: Database, batch_id) -> tuple[tuple[float, float], int]:
    """Return ((wall seconds, CPU seconds), leads written) of one refresh_after_import."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with database.session() as session:
        written = refresh_after_import(session, batch_id)
    return (time.perf_counter() - started, time.process_time() - cpu_started), written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="number of generated leads (default 100000)")
    arguments = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    source = folder / "leads.sqlite"
    database = Database.open(source)
    with database.session() as session:
        batch = ImportBatch(file_name="bench.csv", sha256="0" * 64, started_at=utc_now(), historical=False,
                            column_mapping={}, policy={})
        session.add(batch)
        session.flush()
        batch_id = batch.id
    rows = generate(arguments.rows, batch_id)
    with database.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Lead), rows[start : start + 5000])
    database.dispose()
    base = peak_mib()

    print(machine_description())
    print(f"leads: {len(rows):,}; derived columns: {len(DERIVED_COLUMNS)}; base peak {base:.0f} MiB")

    floor_database = open_copy(source, "floor.sqlite")
    floor = time_floor(floor_database)
    floor_database.dispose()

    peer_database = open_copy(source, "peer.sqlite")
    started, cpu_started = time.perf_counter(), time.process_time()
    with peer_database.session() as session:
        refresh_match_keys(session)
    peer = (time.perf_counter() - started, time.process_time() - cpu_started)
    peer_database.dispose()

    ours = open_copy(source, "ours.sqlite")
    clear_caches()
    full, written = timed_refresh(ours, batch_id)
    mark_stale(ours)
    enrichment_warm, _written = timed_refresh(ours, batch_id)
    mark_stale(ours)
    clear_caches()
    enrichment_cold, _written = timed_refresh(ours, batch_id)

    phases = [
        ("floor (read + write, no computing)", floor),
        ("peer: refresh_match_keys, all stale", peer),
        (f"refresh_after_import, new ({written:,})", full),
        ("  enrichment only, cold caches", enrichment_cold),
        ("  enrichment only, warm caches", enrichment_warm),
    ]
    print(f"{'phase':40} {'wall s':>8} {'CPU s':>8} {'CPU us/lead':>12} {'x floor':>8} {'x peer':>7}")
    for label, (wall, cpu) in phases:
        print(f"{label:40} {wall:8.2f} {cpu:8.2f} {cpu / len(rows) * 1e6:12.1f} {cpu / floor[1]:8.2f} {cpu / peer[1]:7.2f}")
    print(f"peak memory: {peak_mib():.0f} MiB")

    distinct, differing = cache_agreement(rows)
    print(f"phone prefix cache: {distinct:,} distinct numbers, {differing} differ from an uncached lookup")
    cached = derive_cost(rows, cached_phone=True)
    uncached = derive_cost(rows, cached_phone=False)
    print(f"derive_values alone: {cached:.1f} us per lead with the phone cache, {uncached:.1f} us without "
          f"({uncached / cached:.1f}x)")

    with ours.session() as session:
        counts = session.execute(
            select(Lead.seniority.is_not(None), Lead.derived_country.is_not(None), Lead.derived_timezone.is_not(None))
        ).all()
    print(
        f"leads with a seniority: {sum(row[0] for row in counts) / len(counts):.1%}, "
        f"with a country from the phone: {sum(row[1] for row in counts) / len(counts):.1%}, "
        f"with a timezone: {sum(row[2] for row in counts) / len(counts):.1%}"
    )
    ours.dispose()
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
