"""Benchmark: the "My due follow-ups" count by follow-up owner, against the count by lead owner.

Usage: .venv/bin/python bench/saved_views_bench.py [--leads N] [--runs N]

It fills a database as bench/inbox_follow_up_bench.py does, gives every lead one of 20
reps as owner and each follow-up its lead's owner (one in ten goes to another rep), and
times the "my_follow_ups" condition inside saved_views.count_views for one rep. The
current condition finds due open follow-up rows owned by the rep, and the peer is the
earlier test on the lead: owned by the rep and next_follow_up_at <= now. Both run
alternately in the same process on the same file.
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

from sqlalchemy import and_, func, insert, select

from inbox_bench import NOW, SEED, generate_evaluations, generate_leads
from inbox_follow_up_bench import generate_follow_ups
from leaddesk.models import FollowUp, Lead, LeadEvaluation, Rep
from leaddesk.services import saved_views
from leaddesk.services.database import Database

REP_COUNT = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="number of generated leads (default 100000)")
    parser.add_argument("--runs", type=int, default=8, help="timed runs per side (default 8)")
    args = parser.parse_args()

    rng = random.Random(SEED + 3)
    reps = [{"id": uuid.UUID(int=rng.getrandbits(128)), "name": f"Rep {index:02d}"} for index in range(REP_COUNT)]
    leads = generate_leads(args.leads)
    for lead in leads:
        lead["owner_id"] = rng.choice(reps)["id"]
    owners = {lead["id"]: lead["owner_id"] for lead in leads}
    follow_up_rows = generate_follow_ups(leads)
    for row in follow_up_rows:
        row["owner_id"] = rng.choice(reps)["id"] if rng.random() < 0.1 else owners[row["lead_id"]]

    folder = Path(tempfile.mkdtemp(prefix="leaddesk-saved-views-bench-"))
    database = Database.open(folder / "views.sqlite")
    with database.session() as session:
        session.execute(insert(Rep), reps)
        session.execute(insert(Lead), leads)
        session.execute(insert(LeadEvaluation), generate_evaluations(leads))
        session.execute(insert(FollowUp), follow_up_rows)
    print(f"generated {args.leads:,} leads, {len(follow_up_rows):,} open follow-ups and {REP_COUNT} reps")

    context = saved_views.ViewContext(now=NOW, rep_name="Rep 07", zone_name="Europe/Berlin")
    current = saved_views.find_view("my_follow_ups").condition

    def peer(view_context):
        return and_(saved_views._mine(view_context), Lead.next_follow_up_at <= view_context.now)

    timings: dict[str, list[float]] = {"peer": [], "current": []}
    counts: dict[str, int] = {}
    for _ in range(args.runs):
        for label, condition in (("peer", peer), ("current", current)):
            statement = select(func.count(Lead.id)).where(Lead.deleted_at.is_(None), condition(context))
            with database.session() as session:
                start = time.perf_counter()
                counts[label] = int(session.scalar(statement) or 0)
                timings[label].append(time.perf_counter() - start)
    database.dispose()

    print(f"{args.runs} runs each, alternating                   count    best    median")
    for label, text in (("peer", "peer: lead owner, next_follow_up_at"), ("current", "current: follow-up owner and due")):
        print(
            f"{text:<42} {counts[label]:6d} {min(timings[label]) * 1000:6.1f} ms "
            f"{statistics.median(timings[label]) * 1000:6.1f} ms"
        )
    print(f"ratio current / peer (best)                        {min(timings['current']) / min(timings['peer']):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
