"""Import benchmark: LeadDesk's run_import against pandas on the same CSV and XLSX files.

Generates ROWS lead rows (fixed seed, see lead_files.py) into a CSV and an XLSX file, then
runs each phase in its own Python process, so that peak memory (ru_maxrss) belongs to
that phase alone:

- pandas-csv: pandas.read_csv of the file, then DataFrame.to_sql into a new SQLite file;
- leaddesk-csv: run_import of the CSV into a new LeadDesk database;
- leaddesk-csv-one-process: the same with the rows converted in the importing process,
  never in a worker process (see leaddesk/services/importing/worker.py);
- leaddesk-csv-worker: the same with the rows converted in a worker process however
  busy the machine is, for files of at least worker.WORKER_MIN_BYTES (4 MiB);
- leaddesk-csv-quiet: the same without the "import" activity per created lead;
- reimport-csv: run_import of the same CSV a second time, where every row is skipped;
- floor-csv: the csv module and sqlite3 executemany into a plain table, the least any
  import of the file into SQLite can cost;
- pandas-xlsx: pandas.read_excel(engine="openpyxl") of the XLSX file, without storing it;
- leaddesk-xlsx: run_import of the XLSX into a new LeadDesk database.

It prints each phase's time and peak memory, then the ratios that the targets apply to.
The LeadDesk CSV import should take at most 5 times pandas read_csv + to_sql, the XLSX
import at most half of pandas read_excel, and either import less than 400 MB of memory.
"base" is the maximum resident set size just before the timed work, mostly the
interpreter and the imported modules.

Usage: .venv/bin/python bench/import_bench.py [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lead_files import machine_description, write_csv, write_xlsx

PHASES = (
    "pandas-csv",
    "leaddesk-csv",
    "leaddesk-csv-one-process",
    "leaddesk-csv-worker",
    "leaddesk-csv-quiet",
    "reimport-csv",
    "floor-csv",
    "pandas-xlsx",
    "leaddesk-xlsx",
)
DEFAULT_ROWS = 100_000

LABELS = {
    "pandas-csv": "pandas read_csv + to_sql",
    "leaddesk-csv": "LeadDesk run_import, CSV",
    "leaddesk-csv-one-process": "LeadDesk CSV, no worker process",
    "leaddesk-csv-worker": "LeadDesk CSV, worker on a busy machine",
    "leaddesk-csv-quiet": "LeadDesk CSV, no import activities",
    "reimport-csv": "LeadDesk CSV re-import, all skipped",
    "floor-csv": "floor: csv + sqlite3 executemany",
    "pandas-xlsx": "pandas read_excel (openpyxl)",
    "leaddesk-xlsx": "LeadDesk run_import, XLSX",
}

MAX_CSV_RATIO = 5.0
MAX_XLSX_RATIO = 0.5
MAX_PEAK_MB = 400


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pandas_csv(source: Path, db_path: Path) -> dict:
    import pandas

    started, cpu_started = time.perf_counter(), time.process_time()
    frame = pandas.read_csv(source)
    connection = sqlite3.connect(db_path)
    frame.to_sql("leads", connection, index=False)
    connection.commit()
    connection.close()
    return {"rows": len(frame), "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started}


def run_pandas_xlsx(source: Path, db_path: Path) -> dict:
    import pandas

    started, cpu_started = time.perf_counter(), time.process_time()
    frame = pandas.read_excel(source, engine="openpyxl")
    return {"rows": len(frame), "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started}


def run_floor(source: Path, db_path: Path) -> dict:
    """Read the CSV with the csv module and insert every row with sqlite3 executemany."""
    started = time.perf_counter()
    connection = sqlite3.connect(db_path)
    with source.open(encoding="utf-8", newline="") as handle:
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


def run_leaddesk(
    source: Path, db_path: Path, *, log_activities: bool = True, twice: bool = False, post_import_job: bool = True
) -> dict:
    """Import the file with run_import into a new LeadDesk database; with twice, time the second import.

    Without post_import_job, the post-import job does not run after the timed import and
    post_import_seconds is None.
    """
    from leaddesk.services.database import Database
    from leaddesk.services.importing import importer, run_import
    from leaddesk.services.post_import_jobs import run_post_import_jobs

    database = Database.open(db_path)
    if twice:
        run_import(database, source, log_activities=log_activities)
        run_post_import_jobs(database)
    refresh = _time_refresh(importer)
    waits = _time_worker_waits()
    children_before = _children_cpu_seconds()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = run_import(database, source, log_activities=log_activities)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    # A large CSV's rows are converted in a worker process, which has exited by now.
    worker_cpu_seconds = _children_cpu_seconds() - children_before
    # The post-import job (enrichment, match keys, routing, scores) that `leaddesk import` runs after the summary.
    import_peak = peak_rss_mib()
    job_seconds = None
    if post_import_job:
        job_started = time.perf_counter()
        run_post_import_jobs(database)
        job_seconds = time.perf_counter() - job_started
    database.dispose()
    return {
        "rows": report.rows_read,
        "created": report.created,
        "skipped": report.skipped,
        "rejected": report.rejected,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "worker_cpu_seconds": worker_cpu_seconds,
        "worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "refresh_seconds": refresh["seconds"],
        "worker_first_chunk_seconds": waits["first_chunk"],
        "worker_wait_seconds": waits["idle"],
        "post_import_seconds": job_seconds,
        "import_peak_rss_mib": import_peak,
    }


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_worker_waits() -> dict:
    """Time how long the importing process waits for the worker's chunks, idle, in seconds.

    first_chunk is the time from the start of run_import to the arrival of the first
    message from the worker, and idle the wall time minus the CPU time spent in every
    receive. Both stay None without a worker.
    """
    from leaddesk.services.importing import worker

    timing: dict = {"first_chunk": None, "idle": None, "started": time.perf_counter()}
    receive = worker._Channel.recv

    def timed(channel):
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return receive(channel)
        finally:
            idle = (time.perf_counter() - started) - (time.process_time() - cpu_started)
            timing["idle"] = (timing["idle"] or 0.0) + idle
            if timing["first_chunk"] is None:
                timing["first_chunk"] = time.perf_counter() - timing["started"]

    worker._Channel.recv = timed
    return timing


def _time_refresh(importer) -> dict:
    """Time the derived-value refresh that run_import runs after its commit, as part of run_import."""
    timing = {"seconds": 0.0}
    refresh = getattr(importer, "refresh_after_import_commit", None)
    if refresh is None:
        return timing

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return refresh(*args, **kwargs)
        finally:
            timing["seconds"] += time.perf_counter() - started

    importer.refresh_after_import_commit = timed
    return timing


def run_phase(phase: str, csv_path: Path, xlsx_path: Path, db_path: Path, *, post_import_job: bool = True) -> None:
    base = peak_rss_mib()
    if phase == "pandas-csv":
        result = run_pandas_csv(csv_path, db_path)
    elif phase == "pandas-xlsx":
        result = run_pandas_xlsx(xlsx_path, db_path)
    elif phase == "floor-csv":
        result = run_floor(csv_path, db_path)
    elif phase == "leaddesk-xlsx":
        from leaddesk.services.database import Database  # noqa: F401  (loaded before the base is taken)

        base = peak_rss_mib()
        result = run_leaddesk(xlsx_path, db_path, post_import_job=post_import_job)
    else:
        from leaddesk.services.database import Database  # noqa: F401,F811
        from leaddesk.services.importing import worker

        if phase == "leaddesk-csv-one-process":
            worker.WORKER_MIN_BYTES = 1 << 62
        elif phase == "leaddesk-csv-worker":
            worker.MIN_IDLE_CORES = float("-inf")
        base = peak_rss_mib()
        result = run_leaddesk(
            csv_path,
            db_path,
            log_activities=phase != "leaddesk-csv-quiet",
            twice=phase == "reimport-csv",
            post_import_job=post_import_job,
        )
    result["base_rss_mib"] = base
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (default 100000)")
    parser.add_argument("--keep", type=Path, help="folder to keep the files and databases in (default: a temp folder)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-post-import-job",
        action="store_true",
        help="with --phase, do not run the post-import job after the timed import",
    )
    args = parser.parse_args()

    if args.phase:
        run_phase(args.phase, args.csv, args.xlsx, args.db, post_import_job=not args.no_post_import_job)
        return 0

    print(machine_description())
    with tempfile.TemporaryDirectory(prefix="leaddesk-bench-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "bench_leads.csv"
        xlsx_path = folder / "bench_leads.xlsx"
        write_csv(csv_path, args.rows)
        write_xlsx(xlsx_path, args.rows)
        print(
            f"generated {args.rows:,} rows: {csv_path.stat().st_size / (1 << 20):.1f} MiB CSV, "
            f"{xlsx_path.stat().st_size / (1 << 20):.1f} MiB XLSX"
        )

        results = {}
        for phase in PHASES:
            db_path = folder / f"{phase}.sqlite"
            db_path.unlink(missing_ok=True)
            command = [
                sys.executable, __file__, "--phase", phase,
                "--csv", str(csv_path), "--xlsx", str(xlsx_path), "--db", str(db_path),
            ]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[phase] = json.loads(output.strip().splitlines()[-1])

    for phase in PHASES:
        result = results[phase]
        rate = result["rows"] / result["seconds"]
        refresh = result.get("refresh_seconds")
        refresh_text = f"  (derived-value refresh {refresh:.2f} s)" if refresh else ""
        job = result.get("post_import_seconds")
        if job is not None:
            refresh_text += (
                f"\n{'  post-import job':<38} {job:7.2f} s  all derived data complete after "
                f"{result['seconds'] + job:.2f} s; peak RSS before the job {result['import_peak_rss_mib']:.0f} MiB"
            )
        print(
            f"{LABELS[phase]:<38} {result['seconds']:7.2f} s  {rate:>9,.0f} rows/s  "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB (base {result['base_rss_mib']:.0f} MiB){refresh_text}"
        )

    # run_import returns once its transaction commits; the post-import job runs after it.
    csv_ratio = results["leaddesk-csv"]["seconds"] / results["pandas-csv"]["seconds"]
    xlsx_ratio = results["leaddesk-xlsx"]["seconds"] / results["pandas-xlsx"]["seconds"]
    peak_key = "import_peak_rss_mib" if "import_peak_rss_mib" in results["leaddesk-csv"] else "peak_rss_mib"
    peak = max(results["leaddesk-csv"][peak_key], results["leaddesk-xlsx"][peak_key])
    print()
    print(_verdict("CSV import to commit / pandas", csv_ratio, MAX_CSV_RATIO, "x"))
    print(_verdict("XLSX import to commit / read_excel", xlsx_ratio, MAX_XLSX_RATIO, "x"))
    print(_verdict("peak RSS until the commit, MiB", peak, MAX_PEAK_MB * 1e6 / (1 << 20), ""))
    # CPU time of the process, which other jobs on a shared machine disturb less than wall time.
    for label, phase, peer in (("CSV", "leaddesk-csv", "pandas-csv"), ("XLSX", "leaddesk-xlsx", "pandas-xlsx")):
        mine, theirs = results[phase]["cpu_seconds"], results[peer]["cpu_seconds"]
        print(f"{'  ' + label + ' in CPU time':<42} {mine / theirs:8.2f}x  ({mine:.2f} s against {theirs:.2f} s)")
        worker = results[phase].get("worker_cpu_seconds", 0.0)
        if worker:
            total = mine + worker
            print(
                f"{'  ' + label + ' in CPU time with its worker':<42} {total / theirs:8.2f}x  "
                f"({mine:.2f} s + {worker:.2f} s in the worker; worker peak RSS "
                f"{results[phase]['worker_peak_rss_mib']:.0f} MiB)"
            )
    leaddesk = results["leaddesk-csv"]
    print(f"LeadDesk CSV: {leaddesk['created']:,} created, {leaddesk['rejected']:,} rejected")
    first_chunk = leaddesk.get("worker_first_chunk_seconds")
    if first_chunk is not None:
        print(
            f"  with a worker: first chunk after {first_chunk:.2f} s, "
            f"{leaddesk['worker_wait_seconds']:.2f} s idle waiting for chunks in all"
        )
    return 0


def _verdict(label: str, value: float, limit: float, unit: str) -> str:
    status = "met" if value <= limit else "MISSED"
    return f"{label:<42} {value:8.2f}{unit}  target <= {limit:.2f}{unit}: {status}"


if __name__ == "__main__":
    sys.exit(main())
