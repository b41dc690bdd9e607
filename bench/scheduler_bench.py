"""Benchmark: one reminder check over 100,000 leads, against an indexed MIN() floor and an inbox refresh.

Usage: .venv/bin/python bench/scheduler_bench.py [--leads N]

It fills a fresh database with generated leads (fixed seed): 60% not contacted with a
response deadline in the next day, and one open follow-up for every fifth lead, due
within the next two days. It then times what the reminder timer runs:

- arm: scheduler.check() when nothing is due, which claims nothing and computes the next wake;
- catch-up: the check after a 95-minute jump, which claims and groups every event due meanwhile;
- arm, no warn index: arm again after dropping ix_leads_response_warn_at, to show what the
  index saves in the same run.

The floor is sqlite3 on the same file running SELECT min(due_at) FROM follow_ups (an index
lookup). The peer is inbox.list_lead_ids, the query the window already runs every 30 seconds.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from leaddesk.models import FollowUp, Lead
from leaddesk.services import inbox, scheduler
from leaddesk.services.database import Database
from leaddesk.services.inbox import InboxQuery
from leaddesk.services.notifications.preferences import NotifyPreferences

SEED = 20261204
REPEATS = 7
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
PREFERENCES = NotifyPreferences(user="bench", zone_name="UTC")


def fill(database: Database, count: int) -> int:
    rng = random.Random(SEED)
    leads, follow_ups = [], []
    for index in range(count):
        lead_id = uuid.UUID(int=rng.getrandbits(128))
        waiting = rng.random() < 0.6
        due = NOW + timedelta(minutes=rng.randint(1, 60 * 24))
        leads.append(
            {
                "id": lead_id,
                "full_name": f"Lead {index}",
                "received_at": NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
                "response_due_at": due if waiting else None,
                "response_warn_at": due - timedelta(minutes=5) if waiting else None,
                "first_contacted_at": None if waiting else NOW - timedelta(days=1),
                "segment": "general",
                "stage": "new" if waiting else "contacted",
                "score": rng.randint(0, 100),
                "custom_fields": {},
                "secondary_values": {},
            }
        )
        if index % 5 == 0:
            follow_due = NOW + timedelta(minutes=rng.randint(1, 60 * 48))
            follow_ups.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "lead_id": lead_id,
                    "due_at": follow_due,
                    "due_local": follow_due.strftime("%Y-%m-%dT%H:%M"),
                    "time_zone": "UTC",
                    "all_day": False,
                    "note": "",
                    "created_at": NOW,
                }
            )
    with database.session() as session:
        session.execute(insert(Lead), leads)
        session.execute(insert(FollowUp), follow_ups)
    return len(follow_ups)


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def median_of(work) -> float:
    return statistics.median(timed(work) for _ in range(REPEATS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="number of generated leads (default 100000)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        database = Database.open(path)
        follow_up_count = fill(database, arguments.leads)

        def check_at(now: datetime) -> scheduler.CheckResult:
            with database.session() as session:
                return scheduler.check(session, PREFERENCES, now)

        check_at(NOW)
        arm = median_of(lambda: check_at(NOW))

        # Each catch-up starts from a fresh watermark and fresh receipts, 95 minutes back.
        catch_up_times, claimed = [], 0
        for repeat in range(REPEATS):
            start = NOW + timedelta(hours=3 * repeat)
            check_at(start)
            started = time.perf_counter()
            result = check_at(start + timedelta(minutes=95))
            catch_up_times.append(time.perf_counter() - started)
            claimed = len(result.events)
        catch_up = statistics.median(catch_up_times)

        def refresh_inbox() -> None:
            with database.session() as session:
                inbox.list_lead_ids(session, InboxQuery(now=NOW))

        peer = median_of(refresh_inbox)

        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_leads_response_warn_at")
        check_at(NOW)
        arm_unindexed = median_of(lambda: check_at(NOW))
        database.dispose()

        connection = sqlite3.connect(path)
        floor = median_of(lambda: connection.execute("SELECT min(due_at) FROM follow_ups").fetchone())
        connection.close()

    print(f"leads: {arguments.leads}, open follow-ups: {follow_up_count}, events in a 95-minute catch-up: {claimed}")
    print(f"floor  sqlite3 indexed MIN(due_at):      {floor * 1000:9.3f} ms")
    print(f"peer   inbox.list_lead_ids (30 s refresh): {peer * 1000:9.3f} ms")
    print(f"arm    scheduler.check, nothing due:     {arm * 1000:9.3f} ms  ({arm / floor:,.0f}x floor, {arm / peer:.2f}x peer)")
    print(f"catch  scheduler.check after 95 min:     {catch_up * 1000:9.3f} ms  ({catch_up / peer:.2f}x peer)")
    print(
        f"arm without the warn-time index:         {arm_unindexed * 1000:9.3f} ms  "
        f"({arm_unindexed / arm:.1f}x arm with it, {arm_unindexed / peer:.2f}x peer)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
