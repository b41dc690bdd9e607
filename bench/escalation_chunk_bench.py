"""Benchmark: cost per lead of a reassigning escalation chunk, against routing each lead on its own.

Usage: .venv/bin/python bench/escalation_chunk_bench.py [--leads N] [--chunk C] [--peer P]

N uncontacted outbound-reply leads (fixed seed) owned round robin by three reps, all past
both steps of the shipped ladder (alert at the 30-minute breach, reassign after 1 hour).

- chunk: escalation_schedule.run_due_escalation_chunk over C due leads with no time limit,
  which runs both steps of each lead and reassigns it through one shared router.
- peer: routing.assign_lead without a router for P of the leads, as each reassign step did
  before chunks shared a router. It builds a router per lead, which counts the open leads
  of every owner over the whole lead table.

Each number is the best of three runs, each rolled back, and is reported per lead.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from leaddesk.models import Lead, Rep
from leaddesk.services.database import Database
from leaddesk.services.escalation_schedule import run_due_escalation_chunk, scan_ladders
from leaddesk.services.playbook import load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.routing import assign_lead
from leaddesk.services.sla import compute_response_clock

SEED = 20261205
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)
REPS = ("Ana", "Ben", "Cy")
ROUTING = """
[routing]
assign_new_leads = false

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben", "Cy"]

[team]
lead = "Tess"
"""


def fill(database: Database, count: int) -> None:
    generator = random.Random(SEED)
    with database.session() as session:
        set_team_timezone(session, "UTC")
        save_playbook_text(session, shipped_playbook_text().split("# Routing rules", 1)[0] + ROUTING)
        reps = [Rep(name=name) for name in (*REPS, "Tess")]
        session.add_all(reps)
        session.flush()
        playbook = load_playbook(session)
        rule = playbook.segment("outbound_reply")
        rows = []
        for index in range(count):
            received = NOW - timedelta(minutes=90 + generator.randrange(3 * 24 * 60))
            due = compute_response_clock(rule, received, playbook)
            rows.append(
                {
                    "id": uuid.uuid4(), "email": f"lead{index}@example{index}.com", "segment": "outbound_reply",
                    "stage": "new", "source": "Replied to outbound", "received_at": received,
                    "response_due_at": due.due_at, "response_warn_at": due.warn_at, "owner_id": reps[index % 3].id,
                    "custom_fields": {}, "score": 0,
                }
            )
        session.execute(insert(Lead), rows)
    # Store the plans once, so the timed runs start from current plans as a steady window does.
    with database.session() as session:
        scan_ladders(session, load_playbook(session), NOW)


def timed(database: Database, work, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        with database.session() as session:
            started = time.perf_counter()
            work(session)
            best = min(best, time.perf_counter() - started)
            session.rollback()
    return best


def chunk_work(size: int):
    def work(session) -> None:
        chunk = run_due_escalation_chunk(session, load_playbook(session), NOW, max_leads=size, max_seconds=float("inf"))
        assert len({event.lead_id for event in chunk.events}) == size

    return work


def peer_work(size: int):
    def work(session) -> None:
        playbook = load_playbook(session)
        leads = session.scalars(select(Lead).options(selectinload(Lead.owner)).order_by(Lead.id).limit(size)).all()
        for lead in leads:
            decision = assign_lead(session, lead, playbook, NOW, exclude=[lead.owner.name], actor="playbook")
            assert decision.rep is not None

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="leads in the database (default 100000)")
    parser.add_argument("--chunk", type=int, default=300, help="due leads in the timed chunk (default 300)")
    parser.add_argument("--peer", type=int, default=50, help="leads routed one at a time by the peer (default 50)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(Path(folder) / "bench.sqlite")
        try:
            started = time.perf_counter()
            fill(database, options.leads)
            print(f"{options.leads:,} overdue leads stored in {time.perf_counter() - started:.1f} s")
            peer = timed(database, peer_work(options.peer)) / options.peer
            chunk = timed(database, chunk_work(options.chunk)) / options.chunk
        finally:
            database.dispose()

    print(f"peer  (assign_lead per lead, {options.peer} leads): {peer * 1000:.1f} ms per lead")
    print(f"chunk (both steps, {options.chunk} leads):          {chunk * 1000:.1f} ms per lead, {chunk / peer:.3f} x peer")


if __name__ == "__main__":
    main()
