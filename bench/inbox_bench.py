"""Benchmark: open the prioritized inbox over 100,000 leads, against a bare sqlite3 floor.

Usage: .venv/bin/python bench/inbox_bench.py [--leads N]

It fills a fresh LeadDesk database with generated leads (fixed seed), then times what the
window does on open and on every 30-second refresh: list all lead ids in priority order,
then fetch the first page of 200 rows. The floor is sqlite3 on the same file running the
same ordering as one hand-written SQL query that returns only the ids, then a page by id.
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

from leaddesk.models import Lead
from leaddesk.services import inbox
from leaddesk.services.database import Database

SEED = 20261204
PAGE_ROWS = 200
REPEATS = 5
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)

FLOOR_IDS_SQL = """
SELECT id FROM leads WHERE deleted_at IS NULL
ORDER BY
  CASE
    WHEN first_contacted_at IS NULL AND response_due_at IS NOT NULL AND response_due_at <= :now THEN 0
    WHEN first_contacted_at IS NULL AND response_due_at IS NOT NULL THEN 1
    WHEN next_follow_up_at IS NOT NULL AND next_follow_up_at <= :now THEN 2
    ELSE 3
  END,
  CASE WHEN first_contacted_at IS NULL THEN response_due_at END,
  next_follow_up_at,
  score DESC, received_at DESC, id
"""


def generate_leads(count: int) -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for index in range(count):
        received = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        contacted = rng.random() < 0.4
        due = received + timedelta(minutes=rng.choice((5, 15, 30, 480)))
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128)),
                "first_name": f"First{index}",
                "last_name": f"Last{index}",
                "email": f"person{index}@company{index % 5000}.example",
                "email_normalized": f"person{index}@company{index % 5000}.example",
                "company": f"Company {index % 5000}",
                "segment": rng.choice(("enterprise_demo", "mid_market_form", "outbound_reply", "general")),
                "stage": "contacted" if contacted else "new",
                "score": rng.randint(0, 100),
                "custom_fields": {},
                "received_at": received,
                "response_due_at": due,
                "response_warn_at": due - timedelta(minutes=1),
                "first_contacted_at": received + timedelta(minutes=3) if contacted else None,
                "next_follow_up_at": NOW + timedelta(hours=rng.randint(-48, 48)) if rng.random() < 0.2 else None,
                "created_at": received,
                "updated_at": received,
                "row_version": 1,
            }
        )
    return rows


def time_runs(function) -> tuple[float, float]:
    """Run function REPEATS times and return the best and the median time in seconds."""
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings), statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="number of generated leads (default 100000)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="leaddesk-inbox-bench-"))
    database = Database.open(folder / "inbox.sqlite")
    with database.session() as session:
        session.execute(insert(Lead), generate_leads(args.leads))
    print(f"generated {args.leads:,} leads in {database.path}")

    def leaddesk_open() -> None:
        with database.session() as session:
            query = inbox.InboxQuery(now=NOW)
            ids = inbox.list_lead_ids(session, query)
            inbox.fetch_rows(session, ids[:PAGE_ROWS], NOW)

    connection = sqlite3.connect(database.path)
    now_text = NOW.replace(tzinfo=None).isoformat(sep=" ")

    def floor_open() -> None:
        ids = [row[0] for row in connection.execute(FLOOR_IDS_SQL, {"now": now_text})]
        first_page = ids[:PAGE_ROWS]
        marks = ",".join("?" * len(first_page))
        connection.execute(f"SELECT * FROM leads WHERE id IN ({marks})", first_page).fetchall()

    floor_best, floor_median = time_runs(floor_open)
    leaddesk_best, leaddesk_median = time_runs(leaddesk_open)
    print(f"{REPEATS} runs each                                      best    median")
    print(f"floor (sqlite3, one ordered id query + one page)  {floor_best * 1000:6.1f} ms {floor_median * 1000:6.1f} ms")
    print(f"LeadDesk list_lead_ids + fetch_rows(200)          {leaddesk_best * 1000:6.1f} ms {leaddesk_median * 1000:6.1f} ms")
    print(f"ratio LeadDesk / floor (best)                     {leaddesk_best / floor_best:6.2f}")
    connection.close()
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
