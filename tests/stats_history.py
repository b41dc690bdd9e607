"""A generated lead history that fills every figure of `leaddesk stats`, from a fixed seed.

Leads arrive over five weeks at every hour of the day, in the team timezone Europe/Helsinki,
with several reps, sources and segments, stage changes, MQL and SQL spells, follow-ups and
scores from 0 to 100. The figures are not computed by hand here; the tests compare the text
output with the JSON output of the same run.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from leaddesk.models import Activity, FollowUp, Lead, LeadEvaluation, Rep
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.playbook import set_team_timezone

NOW = datetime(2026, 3, 20, 15, 0, tzinfo=timezone.utc)
NOW_OPTION = "2026-03-20T15:00:00Z"
SEED = 20261205
TEAM_TIMEZONE = "Europe/Helsinki"
REPS = ("Ana Ortiz", "Ben Okafor", "Chen Wei", "Dana Fox-Lindqvist")
# None and blank sources both count as "(no source)".
SOURCES = ("website form", "demo request", "referral", "webinar", "trade show", None, "  ")
# Segment key -> response budget.
SEGMENTS = {"enterprise_demo": timedelta(minutes=5), "outbound_reply": timedelta(minutes=30),
            "mid_market_form": timedelta(minutes=15), "general": timedelta(hours=8)}
HISTORY_DAYS = 35


def _stage_change(lead: Lead, when: datetime, before: str, after: str) -> Activity:
    return Activity(lead_id=lead.id, kind="stage_change", occurred_at=when, summary=f"Stage changed from {before} to {after}")


def build_generated_history(database, leads: int = 240, seed: int = SEED) -> None:
    """Write the given number of leads with their evaluations, stage changes and follow-ups, all before NOW."""
    generator = random.Random(seed)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        set_team_timezone(session, TEAM_TIMEZONE)
        reps = [Rep(name=name) for name in REPS]
        session.add_all(reps)
        session.flush()

        drafts = []
        for index in range(leads):
            received = NOW - timedelta(minutes=generator.randint(30, HISTORY_DAYS * 24 * 60))
            segment = generator.choice(list(SEGMENTS))
            budget = SEGMENTS[segment]
            contacted = None
            if generator.random() < 0.8:
                contacted = min(received + timedelta(minutes=generator.lognormvariate(2.5, 1.5)), NOW)
            stage = "new" if contacted is None else generator.choices(
                ("contacted", "qualified", "won", "lost", "disqualified"), (35, 20, 15, 20, 10))[0]
            # A few leads move from new straight to won, so the funnel has skipped stages.
            if contacted is None and generator.random() < 0.05:
                stage = "won"
            lead = Lead(
                full_name=f"Lead {index}",
                email=f"lead{index}@example.com" if generator.random() < 0.7 else None,
                phone="+358 40 123 4567" if generator.random() < 0.4 else None,
                company=f"Company {index % 40}" if generator.random() < 0.8 else None,
                title="Head of Sales" if generator.random() < 0.5 else None,
                country="FI" if generator.random() < 0.6 else None,
                source=generator.choice(SOURCES),
                segment=segment,
                stage=stage,
                owner_id=generator.choice(reps).id if generator.random() < 0.9 else None,
                received_at=received,
                response_due_at=received + budget,
                response_warn_at=received + budget * 0.75,
                first_contacted_at=contacted,
            )
            drafts.append((lead, contacted))
        session.add_all(lead for lead, _contacted in drafts)
        session.flush()

        for lead, contacted in drafts:
            _add_stage_changes(session, generator, lead, contacted)
            _add_evaluation(session, generator, lead, contacted)
            _add_follow_ups(session, generator, lead)


def _add_stage_changes(session, generator: random.Random, lead: Lead, contacted: datetime | None) -> None:
    if lead.stage == "won" and contacted is None:
        session.add(_stage_change(lead, min(lead.received_at + timedelta(days=2), NOW), "new", "won"))
        return
    if lead.stage in ("new", "contacted") or contacted is None:
        return
    previous = "contacted"
    moved = contacted
    session.add(_stage_change(lead, contacted, "new", "contacted"))
    for target in (["qualified", lead.stage] if lead.stage == "won" else [lead.stage]):
        moved = min(moved + timedelta(hours=generator.randint(1, 24 * 6)), NOW)
        session.add(_stage_change(lead, moved, previous, target))
        previous = target


def _add_evaluation(session, generator: random.Random, lead: Lead, contacted: datetime | None) -> None:
    """Write the lead's evaluation. A qualified lead first becomes MQL, and some become SQL a few days later.

    The database triggers record each qualification change at the evaluation's evaluated_at.
    """
    qualification = None
    if lead.stage in ("qualified", "won") or generator.random() < 0.15:
        qualification = "mql"
    evaluated_at = min((contacted or lead.received_at) + timedelta(hours=1), NOW)
    evaluation = LeadEvaluation(lead_id=lead.id, score_total=generator.choice((0, 100, generator.randint(0, 100))),
                                qualification=qualification, qualification_reasons=[], score_parts=[],
                                evaluated_at=evaluated_at)
    session.add(evaluation)
    session.flush()
    if qualification == "mql" and generator.random() < 0.6:
        evaluation.qualification = "sql"
        evaluation.evaluated_at = min(evaluated_at + timedelta(hours=generator.randint(2, 24 * 4)), NOW)
        session.flush()


def _add_follow_ups(session, generator: random.Random, lead: Lead) -> None:
    if lead.stage not in ("new", "contacted", "qualified") or generator.random() < 0.35:
        return
    due = NOW + timedelta(hours=generator.randint(-96, 120))
    lead.next_follow_up_at = due
    session.add(FollowUp(lead_id=lead.id, due_at=due))
    if generator.random() < 0.2:
        session.add(FollowUp(lead_id=lead.id, due_at=NOW - timedelta(days=generator.randint(1, 9))))
