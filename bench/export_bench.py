"""Export benchmark: LeadDesk's export_leads against bare write loops over the same rows.

Generates ROWS lead rows (fixed seed, see lead_files.py), imports them into a new LeadDesk
database (not timed), then runs each phase in its own Python process:

- openpyxl-bare: the rows that the export writes, read into memory before the clock
  starts, appended to an openpyxl write-only workbook, with dates as naive datetimes;
- leaddesk-xlsx: export_leads to an XLSX file, reading from the database;
- csv-bare: the same in-memory rows written with csv.writer;
- leaddesk-csv: export_leads to a CSV file.

The target is an XLSX export within 1.5 times the bare openpyxl loop.

Usage: .venv/bin/python bench/export_bench.py [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from lead_files import machine_description, write_csv

PHASES = ("openpyxl-bare", "leaddesk-xlsx", "csv-bare", "leaddesk-csv")
DEFAULT_ROWS = 100_000
MAX_XLSX_RATIO = 1.5

LABELS = {
    "openpyxl-bare": "openpyxl write-only loop",
    "leaddesk-xlsx": "LeadDesk export_leads, XLSX",
    "csv-bare": "csv.writer loop",
    "leaddesk-csv": "LeadDesk export_leads, CSV",
}


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def exported_rows(db_path: Path) -> tuple[list[str], list[list]]:
    """Return the header and rows that export_leads writes, with instants as naive team-zone datetimes."""
    from leaddesk.services.database import Database
    from leaddesk.services.exporting import EXPORT_FIELDS, _LeadSource, custom_header
    from leaddesk.services.playbook import load_playbook

    database = Database.open(db_path)
    with database.session() as session:
        zone = load_playbook(session).calendar.zone
    source = _LeadSource(database, None)
    keys = source.custom_keys()
    rows = []
    for values in source.rows(keys):
        rows.append([value.astimezone(zone).replace(tzinfo=None) if isinstance(value, datetime) else value for value in values])
    database.dispose()
    return list(EXPORT_FIELDS) + [custom_header(key) for key in keys], rows


def run_phase(phase: str, db_path: Path, target: Path) -> None:
    if phase in ("openpyxl-bare", "csv-bare"):
        headers, rows = exported_rows(db_path)
        from openpyxl import Workbook  # noqa: F401  (loaded before the clock starts)

        started = time.perf_counter()
        if phase == "openpyxl-bare":
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Leads")
            sheet.append(headers)
            for values in rows:
                sheet.append(values)
            workbook.save(target)
        else:
            with target.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                writer.writerows(rows)
        seconds = time.perf_counter() - started
        count = len(rows)
    else:
        from leaddesk.services.database import Database
        from leaddesk.services.exporting import export_leads

        database = Database.open(db_path)
        started = time.perf_counter()
        count = export_leads(database, target)
        seconds = time.perf_counter() - started
        database.dispose()
    print(json.dumps({"rows": count, "seconds": seconds, "peak_rss_mib": peak_rss_mib()}))


def prepare_database(folder: Path, rows: int) -> Path:
    from leaddesk.services.database import Database
    from leaddesk.services.importing import run_import
    from leaddesk.services.post_import_jobs import run_post_import_jobs

    csv_path = folder / "bench_leads.csv"
    write_csv(csv_path, rows)
    db_path = folder / "export_bench.sqlite"
    db_path.unlink(missing_ok=True)
    database = Database.open(db_path)
    report = run_import(database, csv_path)
    # Derived values and scores, which run_import leaves to the post-import job.
    run_post_import_jobs(database)
    database.dispose()
    print(f"imported {report.created:,} leads into {db_path.name}")
    return db_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="leads to generate (default 100000)")
    parser.add_argument("--keep", type=Path, help="folder to keep the database and files in (default: a temp folder)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        run_phase(args.phase, args.db, args.target)
        return 0

    print(machine_description())
    with tempfile.TemporaryDirectory(prefix="leaddesk-bench-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        db_path = prepare_database(folder, args.rows)
        results = {}
        for phase in PHASES:
            suffix = ".xlsx" if phase.endswith("xlsx") or phase == "openpyxl-bare" else ".csv"
            target = folder / f"{phase}{suffix}"
            command = [sys.executable, __file__, "--phase", phase, "--db", str(db_path), "--target", str(target)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[phase] = json.loads(output.strip().splitlines()[-1])

    for phase in PHASES:
        result = results[phase]
        print(
            f"{LABELS[phase]:<32} {result['seconds']:7.2f} s  {result['rows'] / result['seconds']:>9,.0f} rows/s  "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB"
        )
    xlsx_ratio = results["leaddesk-xlsx"]["seconds"] / results["openpyxl-bare"]["seconds"]
    csv_ratio = results["leaddesk-csv"]["seconds"] / results["csv-bare"]["seconds"]
    status = "met" if xlsx_ratio <= MAX_XLSX_RATIO else "MISSED"
    print()
    print(f"XLSX export / openpyxl loop {xlsx_ratio:6.2f}x  target <= {MAX_XLSX_RATIO:.2f}x: {status}")
    print(f"CSV export / csv.writer loop {csv_ratio:5.2f}x  (no target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
