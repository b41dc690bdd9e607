"""Conversion benchmark: the CPU time of turning a CSV's rows into lead drafts, without a database.

Opens the file as run_import does (format, encoding, delimiter, header and the scan for
repairs), then runs convert_rows over every data row with the suggested column plan. It
prints the CPU time of opening and of converting, so that changes to the row conversion
can be compared apart from the writer and SQLite. The CSV is generated with write_csv
(see lead_files.py) when the path does not exist yet. With --repeat N, the file is opened
and converted N times in the same process and each run is printed, then the minimum,
which other jobs on a shared machine disturb least.

Usage: .venv/bin/python bench/convert_bench.py --csv l.csv [--rows 100000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from lead_files import write_csv

DEFAULT_ROWS = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True, help="CSV file to convert, generated first when it does not exist")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="times to open and convert the file (default 1)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")
    if not args.csv.exists():
        write_csv(args.csv, args.rows)

    runs = [_open_and_convert(args.csv) for _run in range(args.repeat)]
    if args.repeat > 1:
        least_open = min(opening for opening, _converting in runs)
        least_convert = min(converting for _opening, converting in runs)
        print(f"minimum of {args.repeat} runs: open {least_open:.2f} s CPU, convert {least_convert:.2f} s CPU")
    return 0


def _open_and_convert(path: Path) -> tuple[float, float]:
    """Open the CSV, convert every row, then print and return the CPU seconds of both steps."""
    from leaddesk.services.importing.chunks import convert_rows
    from leaddesk.services.importing.date_order import sample_evidence
    from leaddesk.services.importing.importer import CHUNK_ROWS
    from leaddesk.services.importing.mapping import build_plan
    from leaddesk.services.importing.reader import open_table
    from leaddesk.services.importing.rows import RowConverter

    started = time.process_time()
    table = open_table(path)
    opened = time.process_time()
    plan = build_plan(table.headers, None)
    converter = RowConverter(
        plan,
        zone=ZoneInfo("UTC"),
        today=date(2026, 3, 2),
        evidence=sample_evidence(table, plan),
        segment_keys=frozenset(),
    )
    converting = time.process_time()
    drafts = rejected = 0
    for chunk in convert_rows(table.open_rows(), converter, CHUNK_ROWS, []):
        drafts += len(chunk.drafts)
        rejected += len(chunk.rejected)
    converted = time.process_time()
    print(
        f"open {opened - started:.2f} s CPU, convert {converted - converting:.2f} s CPU, "
        f"{drafts} drafts, {rejected} rejected rows"
    )
    return opened - started, converted - converting


if __name__ == "__main__":
    raise SystemExit(main())
