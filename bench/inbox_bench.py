"""Benchmark: open the prioritized inbox over 100,000 leads, against a bare sqlite3 floor.

Usage: .venv/bin/python bench/inbox_bench.py [--leads N]

It fills a fresh LeadDesk database with generated leads (fixed seed), four in five of them
with a stored playbook evaluation, then times what the window does on open and on every
30-second refresh: list all lead ids in priority order, then fetch the first page of 200
rows. The floor is sqlite3 on the same file running the same ordering (by the evaluated
score, else Lead.score) as one hand-written SQL query that returns only the ids, then a
page by id joined to its evaluations.
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

from leaddesk.models import Lead, LeadEvaluation
from leaddesk.services import inbox
from leaddesk.services.database import Database
from leaddesk.services.playbook.model import Scoring
from leaddesk.services.scoring import grade_for

SEED = 20261204
PAGE_ROWS = 200
REPEATS = 5
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)

FLOOR_IDS_SQL = """
SELECT id FROM leads LEFT JOIN lead_evaluations ON lead_evaluations.lead_id = leads.id
WHERE deleted_at IS NULL
ORDER BY
  CASE
    WHEN first_contacted_at IS NULL AND response_due_at IS NOT NULL AND response_due_at <= :now THEN 0
    WHEN first_contacted_at IS NULL AND response_due_at IS NOT NULL THEN 1
    WHEN next_follow_up_at IS NOT NULL AND next_follow_up_at <= :now THEN 2
    ELSE 3
  END,
  CASE WHEN first_contacted_at IS NULL THEN response_due_at END,
  next_follow_up_at,
  coalesce(score_total, score) DESC, received_at DESC, id
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


def generate_evaluations(leads: list[dict]) -> list[dict]:
    """Return evaluation rows for four in five leads, as the playbook stores them."""
    rng = random.Random(SEED + 1)
    rows = []
    for index, lead in enumerate(leads):
        if index % 5 == 4:
            continue
        total = rng.randint(0, 100)
        grade = grade_for(total, Scoring())
        rows.append(
            {
                "lead_id": lead["id"],
                "qualification": rng.choice(("sql", "mql", None, None)),
                "qualification_reasons": [],
                "fit_points": total // 2,
                "engagement_points": total - total // 2,
                "score_total": total,
                "grade": grade,
                "score_parts": [{"group": "fit", "label": "Director or above", "points": 20, "reason": "seniority vp"}],
                "escalation_steps_done": 0,
                "evaluated_at": NOW,
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
    leads = generate_leads(args.leads)
    evaluations = generate_evaluations(leads)
    with database.session() as session:
        session.execute(insert(Lead), leads)
        session.execute(insert(LeadEvaluation), evaluations)
    print(f"generated {args.leads:,} leads and {len(evaluations):,} evaluations in {database.path}")

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
        connection.execute(
            f"SELECT * FROM leads LEFT JOIN lead_evaluations ON lead_evaluations.lead_id = leads.id WHERE id IN ({marks})",
            first_page,
        ).fetchall()

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
