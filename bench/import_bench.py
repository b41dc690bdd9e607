"""Import benchmark: LeadDesk's run_import against a floor of csv + sqlite3 executemany.

Generates ROWS realistic lead rows (fixed seed) into a temporary CSV, then runs each phase
in its own Python process so that peak memory (ru_maxrss) belongs to that phase alone:

- floor: the standard csv module reads the file and sqlite3 executemany inserts every row
  into a plain table with one TEXT column per header, in one transaction;
- leaddesk: run_import into a fresh LeadDesk database file;
- leaddesk-quiet: the same without the "import" activity per created lead, to price it;
- reimport: run_import of the same file a second time, where every row is skipped.

Peak memory is the process's maximum resident set size. "base" is that maximum right
before the timed work starts, mostly the interpreter and the imported modules.

Usage: .venv/bin/python bench/import_bench.py [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20260301
PHASES = ("floor", "leaddesk", "leaddesk-quiet", "reimport")
DEFAULT_ROWS = 100_000

HEADERS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Website URL",
    "City",
    "State/Region",
    "Country/Region",
    "Industry",
    "Number of Employees",
    "Lead Source",
    "Lead Status",
    "Contact owner",
    "Create Date",
    "Annual Revenue",
    "Tags",
    "Notes",
]

FIRST_NAMES = ["Marta", "Devi", "Joaquín", "Priya", "Tomás", "Ann-Marie", "Lars", "Chen", "Amara", "Olu", "Zoë", "Mateo"]
LAST_NAMES = ["Quillfeather", "Okonkwo-Hale", "Ferreira", "Vantongeren", "Ekwueme", "O'Shea", "Lindqvist", "Nakamura"]
COMPANY_WORDS = ["Brindle", "Tallowmere", "Nordhaven", "Quartz", "Ember", "Larch", "Copperline", "Halcyon", "Orbit"]
COMPANY_SUFFIXES = ["Freight Co", "Labs", "Tools GmbH", "Analytics", "Systems", "Partners", "Ltd", "Inc."]
TITLES = ["VP of Operations", "Founder & CEO", "Sales Manager, EMEA", "Head of Procurement", "CTO", "Buyer"]
PLACES = [
    ("Columbus", "Ohio", "United States"),
    ("London", "England", "United Kingdom"),
    ("Berlin", "Berlin", "Germany"),
    ("Lyon", "Auvergne-Rhône-Alpes", "France"),
    ("Pune", "Maharashtra", "India"),
]
INDUSTRIES = ["logistics & supply chain", "computer software", "machinery", "retail", "financial services"]
EMPLOYEES = ["12", "85", "230", "1,200", "5000", "51-200", "", "85.0"]
SOURCES = ["Web form", "Demo request", "Outbound reply", "Partner Referral", "Organic Search", "Trade show"]
STATUSES = ["New", "Open - Not Contacted", "Working - Contacted", "Unqualified", "", "Bad timing"]
OWNERS = ["Sam Example", "Lee Example", "Kim Example", ""]
TAGS = ["", "priority", "newsletter; webinar", "q3-campaign"]


def generate_rows(count: int, seed: int = SEED):
    """Yield count lead rows; about 5 % lack an e-mail and 3 % use an Excel apostrophe phone."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for index in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        domain = company.split()[0].casefold() + f"{index % 997}.example"
        email = "" if rng.random() < 0.05 else f"{first[0].lower()}.{index}@{domain}"
        phone = f"+1 555-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        if rng.random() < 0.03:
            phone = "'" + phone
        city, region, country = rng.choice(PLACES)
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 420))
        yield [
            str(51_000_000_000 + index),
            first,
            last,
            email,
            phone,
            company,
            rng.choice(TITLES),
            f"https://www.{domain}",
            city,
            region,
            country,
            rng.choice(INDUSTRIES),
            rng.choice(EMPLOYEES),
            rng.choice(SOURCES),
            rng.choice(STATUSES),
            rng.choice(OWNERS),
            created.strftime("%Y-%m-%d %H:%M"),
            str(rng.randrange(100_000, 90_000_000)),
            rng.choice(TAGS),
            "" if rng.random() < 0.8 else "Asked for pricing,\nfollow up next week",
        ]


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(generate_rows(count))


def run_floor(csv_path: Path, db_path: Path) -> dict:
    """Read the CSV with the csv module and insert every row with sqlite3 executemany."""
    started = time.perf_counter()
    connection = sqlite3.connect(db_path)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        columns = ", ".join(f'"c{index}" TEXT' for index in range(len(headers)))
        connection.execute(f"CREATE TABLE rows ({columns})")
        placeholders = ", ".join("?" for _ in headers)
        count = 0
        with connection:
            batch = []
            for row in reader:
                batch.append(row)
                if len(batch) >= 1000:
                    connection.executemany(f"INSERT INTO rows VALUES ({placeholders})", batch)
                    count += len(batch)
                    batch = []
            connection.executemany(f"INSERT INTO rows VALUES ({placeholders})", batch)
            count += len(batch)
    connection.close()
    return {"rows": count, "seconds": time.perf_counter() - started}


def run_leaddesk(csv_path: Path, db_path: Path, *, log_activities: bool = True, twice: bool = False) -> dict:
    """Import the CSV with run_import into a fresh LeadDesk database; with twice, time the second import."""
    from leaddesk.services.database import Database
    from leaddesk.services.importing import run_import

    database = Database.open(db_path)
    if twice:
        run_import(database, csv_path, log_activities=log_activities)
    base = peak_rss_mib()
    started = time.perf_counter()
    report = run_import(database, csv_path, log_activities=log_activities)
    seconds = time.perf_counter() - started
    database.dispose()
    return {
        "rows": report.created + report.updated + report.skipped + report.rejected,
        "created": report.created,
        "skipped": report.skipped,
        "rejected": report.rejected,
        "seconds": seconds,
        "base_rss_mib": base,
    }


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, csv_path: Path, db_path: Path) -> None:
    if phase == "floor":
        base = peak_rss_mib()
        result = run_floor(csv_path, db_path)
        result["base_rss_mib"] = base
    else:
        result = run_leaddesk(
            csv_path, db_path, log_activities=phase != "leaddesk-quiet", twice=phase == "reimport"
        )
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (default 100000)")
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and databases in (default: a temp folder)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        run_phase(args.phase, args.csv, args.db)
        return 0

    with tempfile.TemporaryDirectory(prefix="leaddesk-bench-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "bench_leads.csv"
        write_csv(csv_path, args.rows)
        size_mib = csv_path.stat().st_size / (1 << 20)
        print(f"generated {args.rows:,} rows ({size_mib:.1f} MiB) in {csv_path}")

        results = {}
        for phase in PHASES:
            db_path = folder / f"{phase}.sqlite"
            db_path.unlink(missing_ok=True)
            command = [sys.executable, __file__, "--phase", phase, "--csv", str(csv_path), "--db", str(db_path)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[phase] = json.loads(output.strip().splitlines()[-1])

    floor_rate = results["floor"]["rows"] / results["floor"]["seconds"]
    labels = {
        "floor": "floor (csv + sqlite3 executemany)",
        "leaddesk": "LeadDesk run_import",
        "leaddesk-quiet": "LeadDesk, no import activities",
        "reimport": "LeadDesk re-import, all skipped",
    }
    for phase in PHASES:
        result = results[phase]
        rate = result["rows"] / result["seconds"]
        print(
            f"{labels[phase]:<36} {rate:>9,.0f} rows/s  {result['seconds']:6.2f} s  "
            f"ratio to floor {rate / floor_rate:.3f}  "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB (base {result['base_rss_mib']:.0f} MiB)"
        )
    leaddesk = results["leaddesk"]
    print(f"LeadDesk: {leaddesk['created']:,} created, {leaddesk['rejected']:,} rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
