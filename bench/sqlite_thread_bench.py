"""Whether a writer thread hides SQLite's executemany behind Python work in another thread.

CPython's sqlite3 module releases the GIL while sqlite3_step runs, so an import could
run chunk N's executemany in a thread while the main thread builds chunk N+1. This
script measures that overlap without LeadDesk. It inserts ROWS rows of COLUMNS text
columns, 25 of them filled, into a table with a text primary key and 5 indexes, in
executemany calls of 1,000 rows. It also runs a pure-Python loop of about the same
length. "serial" runs one after the other, and "thread" runs the inserts in a thread
while the main thread runs the loop. It prints the wall and CPU seconds of each.

Usage: .venv/bin/python bench/sqlite_thread_bench.py [--switch-interval SECONDS]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROWS = 100_000
COLUMNS = 60
FILLED_COLUMNS = 25
CHUNK_ROWS = 1000
# Iterations of the pure-Python loop, which took about 2 s on a 2-core Xeon.
PYTHON_STEPS = 2_400_000


def make_rows() -> list[tuple]:
    return [
        ("%032x" % (1_000_000 + row),)
        + tuple(f"v{row * 7919 % 100_003}_{column}" if column < FILLED_COLUMNS else None for column in range(COLUMNS))
        for row in range(ROWS)
    ]


def python_work() -> int:
    total = 0
    for _ in range(PYTHON_STEPS):
        total += sum(range(100))
    return total


def run(mode: str, path: Path, rows: list[tuple]) -> tuple[float, float]:
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute(f"CREATE TABLE t (id TEXT PRIMARY KEY, {', '.join(f'c{index}' for index in range(COLUMNS))})")
    for index in range(5):
        connection.execute(f"CREATE INDEX i{index} ON t (c{index})")
    sql = f"INSERT INTO t VALUES ({', '.join('?' * (COLUMNS + 1))})"

    def insert() -> None:
        for start in range(0, len(rows), CHUNK_ROWS):
            connection.executemany(sql, rows[start : start + CHUNK_ROWS])

    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "serial":
        insert()
        python_work()
    else:
        writer = threading.Thread(target=insert)
        writer.start()
        python_work()
        writer.join()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    connection.rollback()
    connection.close()
    return seconds, cpu_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval in seconds (default: unchanged, 0.005)")
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    rows = make_rows()
    with tempfile.TemporaryDirectory(prefix="leaddesk-thread-bench-") as folder:
        for mode in ("serial", "thread"):
            seconds, cpu_seconds = run(mode, Path(folder) / f"{mode}.sqlite", rows)
            print(f"{mode:<7} {seconds:6.2f} s wall  {cpu_seconds:6.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
