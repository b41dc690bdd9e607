"""Benchmark: the reminder check's escalation scan, and `leaddesk evaluate`, each against a peer in the same run.

Usage: .venv/bin/python bench/escalation_bench.py [--leads N] [--evaluate-leads M]

1. escalation_schedule.scan_ladders over N uncontacted leads with a ladder (fixed seed),
   half in the around-the-clock outbound segment and half in the business-hours mid-market
   segment with an added ladder. Peer: the scan before plans were stored, which computed
   every waiting lead's ladder on each check (reproduced here as full_scan). Three numbers:
   the first scan, which computes every plan; a steady scan with no change; and a scan
   after 1% of the leads changed. Each is the best of five runs, each rolled back.
2. evaluation.evaluate_all (bulk) against evaluation.evaluate_leads (ORM) over M stored
   leads, each rolled back, best of three.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, update

from leaddesk.models import EscalationPlan, Lead, LeadEvaluation
from leaddesk.services.database import Database
from leaddesk.services.escalation import ladder_schedule
from leaddesk.services.escalation_schedule import scan_ladders
from leaddesk.services.evaluation import evaluate_all, evaluate_leads
from leaddesk.services.playbook import load_playbook, save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.sla import compute_response_clock

SEED = 20261205
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)
MID_MARKET_LADDER = '\n[[segments.escalation]]\nat = "80%"\naction = "remind_owner"\n'


def playbook_text() -> str:
    text = shipped_playbook_text()
    # Give the business-hours mid-market segment a ladder too, so half the leads need calendar arithmetic.
    marker = 'source_contains = ["form", "web", "contact", "landing", "demo", "trial", "pricing"]\n'
    return text.replace(marker, marker + MID_MARKET_LADDER, 1)


def fill(database: Database, count: int) -> None:
    generator = random.Random(SEED)
    with database.session() as session:
        set_team_timezone(session, "America/New_York")
        save_playbook_text(session, playbook_text())
        playbook = load_playbook(session)
        rows = []
        for index in range(count):
            segment = "outbound_reply" if index % 2 else "mid_market_form"
            received = NOW - timedelta(minutes=generator.randrange(3 * 24 * 60))
            due = compute_response_clock(playbook.segment(segment), received, playbook)
            rows.append(
                {
                    "id": uuid.uuid4(), "email": f"lead{index}@example.com", "segment": segment, "stage": "new",
                    "received_at": received, "response_due_at": due.due_at, "response_warn_at": due.warn_at,
                    "custom_fields": {}, "score": 0,
                }
            )
        session.execute(insert(Lead), rows)


def full_scan(session, playbook, now) -> tuple[list, datetime | None]:
    """Return the due leads and next step time by computing every waiting lead's ladder, as checks did before plans."""
    ladders = {rule.key for rule in playbook.segments if rule.escalation}
    steps_done = func.coalesce(LeadEvaluation.escalation_steps_done, 0)
    statement = (
        select(Lead.id, Lead.segment, Lead.received_at, steps_done)
        .outerjoin(LeadEvaluation, LeadEvaluation.lead_id == Lead.id)
        .where(Lead.deleted_at.is_(None), Lead.first_contacted_at.is_(None), Lead.response_due_at.is_not(None), Lead.segment.in_(ladders))
    )
    due, next_at = [], None
    for lead_id, segment, received_at, done in session.execute(statement):
        schedule = ladder_schedule(playbook.segment(segment), received_at, playbook)
        if done >= len(schedule):
            continue
        step_at = schedule[done].due_at
        if step_at <= now:
            due.append(lead_id)
        elif next_at is None or step_at < next_at:
            next_at = step_at
    return due, next_at


def timed(database: Database, work, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        with database.session() as session:
            started = time.perf_counter()
            work(session)
            best = min(best, time.perf_counter() - started)
            session.rollback()
    return best


def escalation_case(database: Database, count: int) -> None:
    with database.session() as session:
        playbook = load_playbook(session)

    first = timed(database, lambda session: scan_ladders(session, playbook, NOW), 5)
    peer = timed(database, lambda session: full_scan(session, playbook, NOW), 5)
    # Store the plans once, so the steady and changed scans start from current plans.
    with database.session() as session:
        scan_ladders(session, playbook, NOW)
        assert session.scalar(select(func.count()).select_from(EscalationPlan)) > 0
    steady = timed(database, lambda session: scan_ladders(session, playbook, NOW), 5)

    changed_ids = []
    with database.session() as session:
        changed_ids = list(session.scalars(select(Lead.id).limit(max(count // 100, 1))))

    def changed(session) -> None:
        session.execute(update(Lead).where(Lead.id.in_(changed_ids)).values(received_at=NOW - timedelta(minutes=5)))
        scan_ladders(session, playbook, NOW)

    after_change = timed(database, changed, 5)
    print(f"escalation scan, {count} waiting leads: full recompute (peer) {peer:.3f} s")
    print(f"  first scan, storing every plan: {first:.3f} s, ratio to peer {first / peer:.2f}")
    print(f"  steady scan, nothing changed: {steady:.3f} s, ratio to peer {steady / peer:.3f}")
    print(f"  scan after {len(changed_ids)} leads changed: {after_change:.3f} s, ratio to peer {after_change / peer:.3f}")


def evaluate_case(database: Database, count: int) -> None:
    with database.session() as session:
        ids = list(session.scalars(select(Lead.id).limit(count)))
        session.execute(update(Lead).where(Lead.id.not_in(ids)).values(deleted_at=NOW))
    bulk = timed(database, lambda session: evaluate_all(session, NOW), 3)
    orm = timed(database, lambda session: evaluate_leads(session, NOW), 3)
    print(f"evaluate, {count} leads: evaluate_all (bulk) {bulk:.3f} s, evaluate_leads (ORM) {orm:.3f} s, "
          f"ratio ORM to bulk {orm / bulk:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000, help="waiting leads for the escalation scan (default 20000)")
    parser.add_argument("--evaluate-leads", type=int, default=5_000, help="leads for the evaluate comparison (default 5000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(Path(folder) / "bench.sqlite")
        try:
            fill(database, args.leads)
            escalation_case(database, args.leads)
            evaluate_case(database, min(args.evaluate_leads, args.leads))
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
