"""Delivery time of a teammate's change to an open window: PostgreSQL NOTIFY, and a team folder's sync watcher.

PostgreSQL (needs --url of a database that this user owns, or LEADDESK_BENCH_PG_URL): one
process commits single-lead updates through LeadDesk sessions, and a LeadChangeListener
receives them. Latency is from the start of the save (its UPDATE and COMMIT) to the
listener's callback. The peer is the save itself, from the same start to the return of
its commit: the listener cannot hear of a change before it is committed. A `SELECT 1`
round trip is printed too, as the server's floor.

Team folder: two devices in temporary folders. Ann changes a lead and runs a sync pass;
Bob's SyncWatcher (as the window runs it, with a Qt event loop) must emit team_changed.
Latency is from the end of Ann's pass to that signal. The peer is one sync pass on Bob's
database that applies the same kind of change, the work the watcher must do anyway.

Usage: .venv/bin/python bench/live_changes_bench.py [--url postgresql://USER@HOST:PORT/DB] [--samples N]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text  # noqa: E402

from leaddesk.models import Lead  # noqa: E402
from leaddesk.services.database import Database  # noqa: E402
from leaddesk.services.live_changes import LeadChangeListener, install_change_trigger  # noqa: E402
from leaddesk.services.sync import create_team, join_team, sync_pass  # noqa: E402


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p90_ms(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.9) - 1] * 1000


def bench_postgresql(url: str, samples: int) -> None:
    database = Database.open(url)
    try:
        install_change_trigger(database.engine)
        received: queue.Queue[float] = queue.Queue()
        listener = LeadChangeListener.for_engine(database.engine, lambda _notice: received.put(time.perf_counter()))
        listener.start()
        assert listener.wait_listening(10), "the listener did not start"
        with database.session() as session:
            lead = Lead(full_name="Bench Lead", updated_by="bench")
            session.add(lead)
        received.get(timeout=10)

        latencies, saves = [], []
        for n in range(samples):
            with database.session() as session:
                session.get(Lead, lead.id).city = f"City {n}"
                # The session flushes and commits when the block ends, so the clock starts before both.
                saving = time.perf_counter()
            saves.append(time.perf_counter() - saving)
            latencies.append(received.get(timeout=10) - saving)
        listener.stop()

        round_trips = []
        with database.engine.connect() as connection:
            for _ in range(samples):
                started = time.perf_counter()
                connection.execute(text("SELECT 1"))
                round_trips.append(time.perf_counter() - started)
    finally:
        database.dispose()
    print(f"PostgreSQL NOTIFY, {samples} single-lead commits")
    print(f"  save -> listener callback:   median {median_ms(latencies):.2f} ms, p90 {p90_ms(latencies):.2f} ms")
    print(f"  peer: the save's flush and commit: median {median_ms(saves):.2f} ms")
    print(f"  floor: SELECT 1 round trip:  median {median_ms(round_trips):.2f} ms")
    print(f"  ratio to the save (median): {median_ms(latencies) / median_ms(saves):.2f}x")


def bench_team_folder(samples: int) -> None:
    from PySide6.QtWidgets import QApplication

    from leaddesk.ui.sync_watcher import SyncWatcher
    from leaddesk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory(prefix="leaddesk-live-bench-") as folder:
        root = Path(folder)
        ann = Database.open(root / "ann.sqlite")
        bob = Database.open(root / "bob.sqlite")
        create_team(ann, root / "Team", "Team", person="Ann")
        join_team(bob, root / "Team", person="Bob")
        with ann.session() as session:
            lead = Lead(full_name="Bench Lead", company="Acme")
            session.add(lead)
        sync_pass(ann)
        sync_pass(bob)

        # Peer: Bob's own pass applying one of Ann's changes, without the watcher.
        pass_times = []
        for n in range(samples):
            with ann.session() as session:
                session.get(Lead, lead.id).city = f"Peer {n}"
            sync_pass(ann)
            started = time.perf_counter()
            sync_pass(bob)
            pass_times.append(time.perf_counter() - started)

        runner = TaskRunner(bob)
        watcher = SyncWatcher(runner, root / "Team")
        arrivals: list[float] = []
        watcher.team_changed.connect(lambda _changes: arrivals.append(time.perf_counter()))
        watcher.start()
        latencies = []
        for n in range(samples):
            with ann.session() as session:
                session.get(Lead, lead.id).company = f"Acme {n}"
            sync_pass(ann)
            done = time.perf_counter()
            expected = len(arrivals) + 1
            deadline = done + 30
            while len(arrivals) < expected and time.perf_counter() < deadline:
                app.processEvents()
                time.sleep(0.005)
            if len(arrivals) < expected:
                raise SystemExit(f"sample {n}: the watcher did not deliver Ann's change within 30 s")
            latencies.append(arrivals[-1] - done)
        watcher.stop()
        runner.shut_down()
        ann.dispose()
        bob.dispose()
    print(f"Team folder sync watcher, {samples} single-field changes")
    print(f"  Ann's pass done -> Bob's team_changed: median {median_ms(latencies):.0f} ms, p90 {p90_ms(latencies):.0f} ms")
    print(f"  peer: one sync pass on Bob's database: median {median_ms(pass_times):.0f} ms")
    print(f"  ratio (median): {median_ms(latencies) / median_ms(pass_times):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("LEADDESK_BENCH_PG_URL"),
                        help="PostgreSQL database to run on; the PostgreSQL part is skipped without it")
    parser.add_argument("--samples", type=int, default=50, help="changes timed per part (default 50)")
    args = parser.parse_args()
    if args.url:
        bench_postgresql(args.url, args.samples)
    else:
        print("PostgreSQL part skipped: pass --url or set LEADDESK_BENCH_PG_URL")
    bench_team_folder(args.samples)


if __name__ == "__main__":
    main()
