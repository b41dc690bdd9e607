"""A generated lead history for the dashboard benchmark and screenshots: leads, reps, evaluations, activities, follow-ups.

Rows are written with SQLAlchemy Core inserts in chunks, so 100,000 leads and 500,000
activities load in about a minute. A fixed seed makes every run write the same history.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from leaddesk.models import Activity, FollowUp, Lead, LeadEvaluation, Rep

SEED = 20261204
CHUNK = 5000
REPS = ("Ana Ortiz", "Ben Okafor", "Chen Wei", "Dana Fox", "Eli Moreau", "Farah Aziz")
SOURCES = ("website form", "demo request", "outbound reply", "referral", "webinar", "LinkedIn", "trade show",
           "Google Ads", "newsletter", "partner")
SEGMENTS = {"enterprise_demo": timedelta(minutes=5), "outbound_reply": timedelta(minutes=30),
            "mid_market_form": timedelta(minutes=15), "general": timedelta(hours=8)}
ACTIVITY_KINDS = ("note", "email", "call", "meeting", "reply", "follow_up_set")


def _chunks(rows: list[dict], size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def build_history(database, leads: int, activities: int, now: datetime, seed: int = SEED) -> None:
    """Write leads leads and about activities activities ending at now."""
    generator = random.Random(seed)
    rep_rows = [{"id": uuid.UUID(int=generator.getrandbits(128)), "name": name, "active": True, "created_at": now}
                for name in REPS]
    lead_rows, evaluation_rows, activity_rows, follow_up_rows = [], [], [], []
    stage_changes = 0
    for index in range(leads):
        lead_id = uuid.UUID(int=generator.getrandbits(128))
        received = now - timedelta(minutes=generator.randint(0, 120 * 24 * 60))
        segment = generator.choice(list(SEGMENTS))
        budget = SEGMENTS[segment]
        contacted = None
        if generator.random() < 0.85:
            contacted = received + timedelta(minutes=generator.lognormvariate(2.5, 1.4))
            contacted = min(contacted, now)
        stage = "new" if contacted is None else generator.choices(
            ("contacted", "qualified", "won", "lost", "disqualified"), (40, 20, 12, 20, 8))[0]
        open_lead = stage in ("new", "contacted", "qualified")
        follow_up_at = now + timedelta(hours=generator.randint(-72, 240)) if open_lead and generator.random() < 0.6 else None
        lead_rows.append({
            "id": lead_id, "full_name": f"Lead {index}", "email": f"lead{index}@example.com" if generator.random() < 0.8 else None,
            "phone": "+1 555 010 2030" if generator.random() < 0.5 else None,
            "company": f"Company {index % 5000}" if generator.random() < 0.9 else None,
            "title": "Head of Sales" if generator.random() < 0.6 else None, "country": "US" if generator.random() < 0.7 else None,
            "source": generator.choice(SOURCES) if generator.random() < 0.95 else None, "segment": segment, "stage": stage,
            "owner_id": generator.choice(rep_rows)["id"] if generator.random() < 0.9 else None, "score": 0,
            "custom_fields": {}, "secondary_values": {}, "received_at": received, "response_due_at": received + budget,
            "response_warn_at": received + budget * 0.75, "first_contacted_at": contacted,
            "next_follow_up_at": follow_up_at, "created_at": received, "updated_at": received, "row_version": 1,
        })
        evaluation_rows.append({
            "lead_id": lead_id, "qualification": generator.choices((None, "mql", "sql"), (70, 20, 10))[0],
            "qualification_reasons": [], "fit_points": 0, "engagement_points": 0,
            "score_total": generator.randint(0, 100), "grade": "C", "score_parts": [], "escalation_steps_done": 0,
        })
        if follow_up_at is not None:
            follow_up_rows.append({"id": uuid.UUID(int=generator.getrandbits(128)), "lead_id": lead_id,
                                   "due_at": follow_up_at, "due_local": follow_up_at.strftime("%Y-%m-%dT%H:%M"),
                                   "time_zone": "UTC", "all_day": False, "note": "", "created_at": received})
        if stage not in ("new", "contacted") and contacted is not None:
            previous = "contacted"
            moved = contacted
            for target in (["qualified", stage] if stage == "won" else [stage]):
                moved = moved + timedelta(hours=generator.randint(1, 24 * 20))
                activity_rows.append({"id": uuid.UUID(int=generator.getrandbits(128)), "lead_id": lead_id,
                                      "kind": "stage_change", "occurred_at": min(moved, now),
                                      "summary": f"Stage changed from {previous} to {target}", "created_at": now})
                previous = target
                stage_changes += 1
    for _ in range(max(activities - stage_changes, 0)):
        lead = lead_rows[generator.randrange(len(lead_rows))]
        occurred = lead["received_at"] + timedelta(minutes=generator.randint(0, 30 * 24 * 60))
        activity_rows.append({"id": uuid.UUID(int=generator.getrandbits(128)), "lead_id": lead["id"],
                              "kind": generator.choice(ACTIVITY_KINDS), "occurred_at": min(occurred, now),
                              "summary": "generated", "created_at": now})
    with database.engine.begin() as connection:
        connection.execute(insert(Rep), rep_rows)
        for table, rows in ((Lead, lead_rows), (LeadEvaluation, evaluation_rows), (Activity, activity_rows),
                            (FollowUp, follow_up_rows)):
            for chunk in _chunks(rows):
                connection.execute(insert(table), chunk)


NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
