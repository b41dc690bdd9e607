"""Benchmark: the inbox's follow-up test with follow-up rows, against the plain next_follow_up_at test.

Usage: .venv/bin/python bench/inbox_follow_up_bench.py [--leads N] [--runs N]

It fills a database as bench/inbox_bench.py does and adds one open follow-up row behind
each lead's next_follow_up_at, about half of them date-only. It then times inbox.list_lead_ids,
alternating the current follow-up test, which judges date-only follow-ups by the user's
local date through three subqueries, with the peer: the same query ordered by the plain
next_follow_up_at <= now test. Both run in the same process on the same file.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from inbox_bench import NOW, SEED, generate_evaluations, generate_leads
from leaddesk.models import FollowUp, Lead, LeadEvaluation
from leaddesk.services import inbox
from leaddesk.services.database import Database

USER_ZONE = "Pacific/Auckland"


def generate_follow_ups(leads: list[dict]) -> list[dict]:
    """Return one open follow-up per lead with a next_follow_up_at, about half of them date-only."""
    rng = random.Random(SEED + 2)
    rows = []
    for lead in leads:
        due_at = lead["next_follow_up_at"]
        if due_at is None:
            continue
        all_day = rng.random() < 0.5
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128)),
                "lead_id": lead["id"],
                "due_at": due_at,
                "due_local": due_at.strftime("%Y-%m-%d" if all_day else "%Y-%m-%dT%H:%M"),
                "time_zone": "UTC",
                "all_day": all_day,
                "note": "",
                "created_at": due_at,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="number of generated leads (default 100000)")
    parser.add_argument("--runs", type=int, default=8, help="timed runs per side (default 8)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="leaddesk-inbox-follow-up-bench-"))
    database = Database.open(folder / "inbox.sqlite")
    leads = generate_leads(args.leads)
    follow_up_rows = generate_follow_ups(leads)
    with database.session() as session:
        session.execute(insert(Lead), leads)
        session.execute(insert(LeadEvaluation), generate_evaluations(leads))
        session.execute(insert(FollowUp), follow_up_rows)
    print(f"generated {args.leads:,} leads and {len(follow_up_rows):,} open follow-ups in {database.path}")

    current_test = inbox.follow_up_due

    def plain_test(now, today):
        return Lead.next_follow_up_at <= now

    timings: dict[str, list[float]] = {"peer": [], "current": []}
    for _ in range(args.runs):
        for label, test in (("peer", plain_test), ("current", current_test)):
            inbox.follow_up_due = test
            with database.session() as session:
                start = time.perf_counter()
                inbox.list_lead_ids(session, inbox.InboxQuery(now=NOW, zone_name=USER_ZONE))
                timings[label].append(time.perf_counter() - start)
    inbox.follow_up_due = current_test
    database.dispose()

    print(f"{args.runs} runs each, alternating                      best    median")
    for label, text in (("peer", "peer: next_follow_up_at <= now"), ("current", "current: local-date follow-up test")):
        print(f"{text:<45} {min(timings[label]) * 1000:6.1f} ms {statistics.median(timings[label]) * 1000:6.1f} ms")
    print(f"ratio current / peer (best)                    {min(timings['current']) / min(timings['peer']):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
