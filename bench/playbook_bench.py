"""Benchmark: the playbook's per-lead work, each against a peer measured in the same run.

Usage: .venv/bin/python bench/playbook_bench.py [--leads N]

1. Response deadlines on a calendar with public holidays (US, California) against the same
   calendar without holidays, for N arrivals spread over 2026 (fixed seed). The ratio is
   the cost of the holiday lookups.
2. Qualification and scoring of N in-memory leads with three activities each against
   start_response_clock on the same leads, the per-lead work that every import already does.
3. The step that evaluates an import's leads after it commits (bulk_evaluation.evaluate_in_bulk)
   over --stored-leads leads in a SQLite file, a fifth of them with two activities, against
   refresh_derived on the same leads, the post-import step that runs just before it. Each
   run rolls back, so every run inserts the evaluation rows as an import does. The ORM path
   of `leaddesk evaluate` (evaluation.evaluate_leads) is timed once on a tenth of the leads.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from pathlib import Path

from sqlalchemy import insert

from leaddesk.models import Activity, Lead
from leaddesk.services.bulk_evaluation import evaluate_in_bulk
from leaddesk.services.database import Database
from leaddesk.services.derived import refresh_derived
from leaddesk.services.evaluation import evaluate_leads
from leaddesk.services.business_calendar import BusinessCalendar
from leaddesk.services.playbook import Playbook, parse_playbook, shipped_playbook_text
from leaddesk.services.qualification import qualify
from leaddesk.services.scoring import score_lead
from leaddesk.services.sla import compute_response_clock, start_response_clock

SEED = 20261209
REPEATS = 5
YEAR_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=timezone.utc)
TITLES = ("CEO", "VP Sales", "Head of Growth", "Account Manager", "Engineer", None)
SOURCES = ("Website form", "Demo request", "Replied to outbound", "Webinar", None)
KINDS = ("call", "email", "meeting", "note")


def arrivals(count: int) -> list[datetime]:
    generator = random.Random(SEED)
    return [YEAR_START + timedelta(seconds=generator.randrange(365 * 86400)) for _ in range(count)]


def leads(count: int) -> list[Lead]:
    generator = random.Random(SEED)
    result = []
    for index in range(count):
        lead = Lead(
            email=f"person{index}@company{index % 500}.com",
            title=generator.choice(TITLES),
            employee_count=generator.choice((None, 5, 80, 300, 900, 4000)),
            source=generator.choice(SOURCES),
            industry=generator.choice(("SaaS", "Fintech", "Retail")),
            received_at=NOW - timedelta(days=generator.randrange(60)),
            segment="general",
            stage="new",
            custom_fields={},
        )
        lead.activities = [
            Activity(kind=generator.choice(KINDS), summary="pricing viewed", occurred_at=NOW - timedelta(days=generator.randrange(30)))
            for _ in range(3)
        ]
        result.append(lead)
    return result


def best_of_pair(first, second) -> tuple[float, float]:
    """Time first and second alternately REPEATS times and return each one's minimum.

    Alternating spreads the load of other processes on a shared machine over both.
    """
    first_timings, second_timings = [], []
    for _ in range(REPEATS):
        for work, timings in ((first, first_timings), (second, second_timings)):
            started = time.perf_counter()
            work()
            timings.append(time.perf_counter() - started)
    return min(first_timings), min(second_timings)


def deadline_case(count: int) -> None:
    instants = arrivals(count)
    base = parse_playbook(shipped_playbook_text(), default_timezone="America/Los_Angeles")
    rule = base.segment("mid_market_form")

    def run(holidays: bool) -> None:
        # A fresh calendar per run, so its interval and holiday caches start empty.
        calendar = BusinessCalendar(
            "America/Los_Angeles",
            holiday_country="US" if holidays else None,
            holiday_subdivision="CA" if holidays else None,
        )
        playbook = Playbook(calendar=calendar, segments=base.segments)
        for instant in instants:
            compute_response_clock(rule, instant, playbook)

    # The first holiday table of a process imports the country's module; time that once, apart.
    started = time.perf_counter()
    BusinessCalendar("America/Los_Angeles", holiday_country="US", holiday_subdivision="CA").holiday_name(YEAR_START.date())
    print(f"first holiday table of the process (module import): {time.perf_counter() - started:.3f} s")
    with_holidays, without = best_of_pair(lambda: run(True), lambda: run(False))
    print(f"deadlines, {count} arrivals: holidays {with_holidays:.3f} s, no holidays {without:.3f} s, "
          f"ratio {with_holidays / without:.2f}")


def evaluation_case(count: int) -> None:
    playbook = parse_playbook(shipped_playbook_text(), default_timezone="UTC")
    population = leads(count)

    def evaluate() -> None:
        for lead in population:
            qualify(lead, playbook, NOW)
            score_lead(lead, playbook, NOW)

    def clock() -> None:
        for lead in population:
            lead.segment = "general"
            start_response_clock(lead, playbook)

    evaluation, peer = best_of_pair(evaluate, clock)
    per_lead = evaluation / count * 1e6
    print(f"qualify+score, {count} leads: {evaluation:.3f} s ({per_lead:.0f} us per lead), "
          f"start_response_clock {peer:.3f} s, ratio {evaluation / peer:.2f}")


# Runs per side in the stored-leads case, which takes tens of seconds per run at 100,000 leads.
STORED_REPEATS = 2


def stored_rows(count: int) -> tuple[list[dict], list[dict]]:
    """Return lead rows and activity rows for count leads, as an import writes them."""
    generator = random.Random(SEED)
    lead_rows, activity_rows = [], []
    for index in range(count):
        lead_id = uuid.UUID(int=generator.getrandbits(128))
        received = NOW - timedelta(days=generator.randrange(60))
        lead_rows.append(
            {
                "id": lead_id,
                "first_name": f"First{index}",
                "last_name": f"Last{index}",
                "email": f"person{index}@company{index % 5000}.com" if index % 7 else f"person{index}@gmail.com",
                "company": f"Company {index % 5000}",
                "title": generator.choice(TITLES),
                # Log-uniform from 1 to 50,000, so most counts differ as in real exports.
                "employee_count": None if index % 4 == 0 else int(10 ** generator.uniform(0, 4.7)),
                "source": generator.choice(SOURCES),
                "industry": generator.choice(("SaaS", "Fintech", "Retail")),
                "segment": "general",
                "stage": "new",
                "custom_fields": {},
                "received_at": received,
                "created_at": received,
                "updated_at": received,
                "row_version": 1,
            }
        )
        if index % 5 == 0:
            for _ in range(2):
                activity_rows.append(
                    {
                        "id": uuid.UUID(int=generator.getrandbits(128)),
                        "lead_id": lead_id,
                        "kind": generator.choice(KINDS),
                        "summary": "pricing viewed",
                        "occurred_at": NOW - timedelta(days=generator.randrange(30)),
                        "created_at": NOW,
                    }
                )
    return lead_rows, activity_rows


def stored_case(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="leaddesk-playbook-bench-"))
    database = Database.open(folder / "bench.sqlite")
    lead_rows, activity_rows = stored_rows(count)
    ids = [row["id"] for row in lead_rows]
    with database.session() as session:
        session.execute(insert(Lead), lead_rows)
        session.execute(insert(Activity), activity_rows)
        # An import refreshes derived values before it evaluates, so conditions read them stored.
        refresh_derived(session, ids, now=NOW)
    print(f"stored {count} leads and {len(activity_rows)} activities in {database.path}")

    def rolled_back(work) -> None:
        with database.session() as session:
            work(session)
            session.rollback()

    timings: dict[str, list[float]] = {"bulk": [], "peer": []}
    for _ in range(STORED_REPEATS):
        for name, work in (
            ("bulk", lambda session: evaluate_in_bulk(session, ids, NOW)),
            ("peer", lambda session: refresh_derived(session, ids, now=NOW)),
        ):
            started = time.perf_counter()
            rolled_back(work)
            timings[name].append(time.perf_counter() - started)
    bulk, peer = min(timings["bulk"]), min(timings["peer"])

    tenth = ids[: max(count // 10, 1)]
    started = time.perf_counter()
    rolled_back(lambda session: evaluate_leads(session, NOW, tenth))
    orm = time.perf_counter() - started
    print(f"evaluate_in_bulk, {count} stored leads: {bulk:.3f} s ({bulk / count * 1e6:.0f} us per lead), "
          f"refresh_derived {peer:.3f} s, ratio {bulk / peer:.2f}")
    print(f"evaluate_leads (ORM), {len(tenth)} stored leads: {orm:.3f} s ({orm / len(tenth) * 1e6:.0f} us per lead), "
          f"ratio per lead to evaluate_in_bulk {orm / len(tenth) / (bulk / count):.2f}")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000, help="arrivals and leads per case (default 20000)")
    parser.add_argument(
        "--stored-leads", type=int, default=100_000, help="leads in the database of the post-import case (default 100000)"
    )
    parser.add_argument("--only-stored", action="store_true", help="run only the post-import case")
    args = parser.parse_args()
    print(f"best of {REPEATS} alternating runs each, because the minimum is the least disturbed run on a shared machine")
    if not args.only_stored:
        deadline_case(args.leads)
        evaluation_case(args.leads)
    stored_case(args.stored_leads)


if __name__ == "__main__":
    main()
