"""Rejected-rows benchmark: peak memory of an import that rejects every row of a large CSV.

Generates --rows lead rows (the fixed-seed rows of lead_files.py) whose e-mail, or with
--bad date whose date, is invalid, so that the import rejects every row and writes each one
to the rejected-rows file. Each phase runs in its own Python process, so that peak memory
(ru_maxrss) belongs to it alone:

- import: run_import of the file into a new LeadDesk database, writing SOURCE.rejected.csv
  as the CLI and the window do;
- floor: the csv module copies the same file to a CSV with two more columns, the least
  any rejected-rows file of this input can cost.

Both phases import LeadDesk's modules before "base" is taken, so peak minus base ("added")
is the memory the work itself added, and "x floor" is the peak over the floor's peak.
With --before DIR, the import phase runs a second time against the LeadDesk package in
DIR (such as an export of an older commit), and the table shows both. An import without
the rejected_target argument is measured the way its CLI wrote the file: run_import,
then write_rejected_rows of the report.

The rows are converted in the importing process unless --worker is given, so that the
figures do not depend on whether the machine has an idle core.

Usage: .venv/bin/python bench/rejected_bench.py [--rows 100000] [--bad email|date] [--before DIR] [--worker] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lead_files import HEADERS, generate_rows, machine_description

DEFAULT_ROWS = 100_000
MAX_PEAK_MB = 400
EMAIL_COLUMN = HEADERS.index("Email")
DATE_COLUMN = HEADERS.index("Create Date")

# February 2023 has 28 days, so the date converter raises InvalidValue for this cell.
IMPOSSIBLE_DATE = "2023-02-30"


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_rejected_csv(path: Path, count: int, bad: str = "email") -> None:
    """Write count generated lead rows with an invalid e-mail or date, so that an import rejects each one."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for number, row in enumerate(generate_rows(count)):
            if bad == "date":
                row[DATE_COLUMN] = IMPOSSIBLE_DATE
            else:
                row[EMAIL_COLUMN] = f"not-an-address-{number}"
            writer.writerow(row)


def run_import_phase(source: Path, db_path: Path, *, worker: bool) -> dict:
    import leaddesk
    from leaddesk.services.database import Database
    from leaddesk.services.importing import run_import
    from leaddesk.services.importing import worker as worker_module
    from leaddesk.services.importing.rejected import default_rejected_path

    if worker:
        worker_module.MIN_IDLE_CORES = float("-inf")
    else:
        worker_module.WORKER_MIN_BYTES = 1 << 62
    streams = "rejected_target" in inspect.signature(run_import).parameters
    database = Database.open(db_path)
    target = default_rejected_path(source)
    base = peak_rss_mib()

    started = time.perf_counter()
    if streams:
        report = run_import(database, source, rejected_target=target)
    else:
        from leaddesk.services.importing.rejected import write_rejected_rows

        report = run_import(database, source)
        write_rejected_rows(report, target)
    seconds = time.perf_counter() - started
    database.dispose()

    return {
        "api": "rejected_target" if streams else "write_rejected_rows",
        "package": str(Path(leaddesk.__file__).parent),
        "rows": report.rows_read,
        "rejected": report.rejected,
        "kept_in_report": len(report.rejected_rows),
        "file_rows": _data_rows(target),
        "seconds": seconds,
        "base_rss_mib": base,
        "peak_rss_mib": peak_rss_mib(),
        "worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_floor_phase(source: Path, target: Path) -> dict:
    from leaddesk.services.importing import run_import  # noqa: F401  (loaded before the base is taken)

    base = peak_rss_mib()
    started = time.perf_counter()
    with source.open(encoding="utf-8", newline="") as handle, target.open(
        "w", encoding="utf-8-sig", newline=""
    ) as output:
        rows = csv.reader(handle)
        writer = csv.writer(output)
        writer.writerow([*next(rows), "row", "reason"])
        for number, row in enumerate(rows, start=2):
            writer.writerow([*row, number, "Email: the value is not a valid e-mail address"])
    seconds = time.perf_counter() - started
    return {
        "rows": _data_rows(target),
        "file_rows": _data_rows(target),
        "seconds": seconds,
        "base_rss_mib": base,
        "peak_rss_mib": peak_rss_mib(),
    }


def _data_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _row in csv.reader(handle)) - 1


def run_child(phase: str, source: Path, folder: Path, *, tree: Path | None, worker: bool) -> dict:
    """Run one phase in a new Python process, importing LeadDesk from tree when given."""
    environment = dict(os.environ)
    if tree is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), environment.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--phase", phase, "--source", str(source), "--folder", str(folder)]
    if worker:
        command.append("--worker")
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"phase {phase} failed with exit code {completed.returncode}:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (default 100000)")
    parser.add_argument("--before", type=Path, metavar="DIR", help="also import with the leaddesk package in DIR")
    parser.add_argument("--worker", action="store_true", help="convert the rows in a worker process")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate and keep the files in DIR")
    parser.add_argument(
        "--bad",
        choices=("email", "date"),
        default="email",
        help=f"the cell that rejects each row: an invalid e-mail (default) or the date {IMPOSSIBLE_DATE}",
    )
    parser.add_argument("--phase", choices=("import", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "import":
        print(json.dumps(run_import_phase(args.source, args.folder / "bench.sqlite", worker=args.worker)))
        return 0
    if args.phase == "floor":
        print(json.dumps(run_floor_phase(args.source, args.folder / "floor.csv")))
        return 0

    with tempfile.TemporaryDirectory(prefix="rejected-bench-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        source = root / f"all-rejected-{args.bad}.csv"
        if not source.exists():
            write_rejected_csv(source, args.rows, args.bad)
        print(f"Machine: {machine_description()}")
        print(
            f"File: {args.rows:,} rows, {source.stat().st_size / (1 << 20):.1f} MiB, "
            f"every row rejected for its {args.bad}"
        )
        print(f"Rows converted {'in a worker process' if args.worker else 'in the importing process'}")

        runs = [("floor", "floor: csv copy with row and reason", None)]
        if args.before is not None:
            runs.append(("import", "import, before", args.before))
        runs.append(("import", "import", None))

        results = []
        for phase, label, tree in runs:
            folder = root / f"run-{len(results)}"
            folder.mkdir(exist_ok=True)
            # Each import starts from no database and no rejected-rows file.
            for stale in (folder / "bench.sqlite", source.with_name(source.name + ".rejected.csv")):
                stale.unlink(missing_ok=True)
            results.append((label, run_child(phase, source, folder, tree=tree, worker=args.worker)))

        floor_peak = results[0][1]["peak_rss_mib"]
        print(f"{'phase':44} {'seconds':>8} {'base MiB':>9} {'peak MiB':>9} {'added':>7} {'x floor':>8} {'file rows':>10}")
        for label, result in results:
            added = result["peak_rss_mib"] - result["base_rss_mib"]
            print(
                f"{label:44} {result['seconds']:8.2f} {result['base_rss_mib']:9.1f} {result['peak_rss_mib']:9.1f} "
                f"{added:7.1f} {result['peak_rss_mib'] / floor_peak:8.2f} {result['file_rows']:10,}"
            )
        for label, result in results[1:]:
            print(
                f"{label}: {result['package']}, {result['rejected']:,} rejected, {result['kept_in_report']:,} kept "
                f"in the report ({result['api']}), worker peak {result['worker_peak_rss_mib']:.1f} MiB"
            )
        peak = results[-1][1]["peak_rss_mib"]
        verdict = "within" if peak < MAX_PEAK_MB else "over"
        print(f"Peak memory of the import: {peak:.1f} MiB, {verdict} the {MAX_PEAK_MB} MB target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
