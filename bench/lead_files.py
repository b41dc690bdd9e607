"""Generated lead files for the benchmarks, and a description of the machine they run on.

The rows are HubSpot-style contact exports with a fixed seed: 20 columns of record id,
names, e-mail, phone, company, title, website, location, industry, employee count,
source, status, owner, create date and three custom columns.
"""

from __future__ import annotations

import csv
import os
import platform
import random
import sqlite3
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

SEED = 20260301

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


def write_xlsx(path: Path, count: int) -> None:
    """Write the same rows as write_csv to one sheet, every cell as text, as CRM exports do."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(HEADERS)
    for row in generate_rows(count):
        sheet.append(row)
    workbook.save(path)


def machine_description() -> str:
    """Return the CPU, core count, memory, OS and the versions that the figures depend on."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
        memory_text = f"{memory:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory_text = "unknown memory"
    versions = []
    for package in ("SQLAlchemy", "openpyxl", "python-calamine", "pandas"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} not installed")
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_text}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {', '.join(versions)}"
    )
