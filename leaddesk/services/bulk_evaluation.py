"""Qualify and score many leads at once, for leads written as raw rows by a bulk import.

The ORM listener in auto_evaluation does not see Core inserts, so an import's leads stay
unevaluated until this runs. It reads leads, their engagement activities, owners and
stored overrides with one query each per chunk of ids, runs the same qualify() and
score_lead() as evaluation.evaluate_lead on plain row objects, and upserts the results
with one executemany per chunk. No Lead or LeadEvaluation object is loaded.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead, LeadEvaluation, Rep
from leaddesk.services.lead_facts import SYSTEM_ACTIVITY_KINDS
from leaddesk.services.playbook import Playbook, load_playbook
from leaddesk.services.qualification import qualify
from leaddesk.services.scoring import score_lead
from leaddesk.services.speed_to_lead import speed_to_lead

logger = logging.getLogger(__name__)

# Leads per SELECT ... IN list; SQLite allowed 999 bound parameters before 3.32.
CHUNK_LEADS = 900

# Columns that an upsert overwrites. score_override, its reason and escalation_steps_done
# belong to the user and the escalation ladder, so an existing row keeps them.
_EVALUATED_COLUMNS = (
    "qualification", "qualification_reasons", "fit_points", "engagement_points", "score_total", "grade",
    "score_parts", "speed_to_lead_seconds", "speed_to_lead_business_seconds", "evaluated_at",
)


def evaluate_in_bulk(
    session: Session, lead_ids: Iterable[uuid.UUID], now: datetime, playbook: Playbook | None = None
) -> int:
    """Evaluate the given leads that are not deleted, store the results and return how many were evaluated."""
    started = time.perf_counter()
    playbook = playbook or load_playbook(session)
    ids = list(dict.fromkeys(lead_ids))
    owners = {rep_id: SimpleNamespace(name=name) for rep_id, name in session.execute(select(Rep.id, Rep.name))}
    count = 0
    for start in range(0, len(ids), CHUNK_LEADS):
        chunk = ids[start : start + CHUNK_LEADS]
        rows = _evaluate_chunk(session, chunk, owners, playbook, now)
        if rows:
            _upsert(session, rows)
        count += len(rows)
    _expire_loaded(session, set(ids))
    logger.info("evaluated %d leads in bulk in %.2f s", count, time.perf_counter() - started)
    return count


def lead_views(session: Session, lead_ids: Sequence[uuid.UUID], owners: dict[uuid.UUID, Any]) -> list[SimpleNamespace]:
    """Load leads as plain objects with the attributes LeadFacts reads, activities and owner included.

    Only engagement activities are loaded, because LeadFacts skips SYSTEM_ACTIVITY_KINDS.
    """
    leads = Lead.__table__
    statement = select(leads).where(leads.c.id.in_(lead_ids), leads.c.deleted_at.is_(None))
    views = [SimpleNamespace(**row._mapping) for row in session.execute(statement)]

    activities: dict[uuid.UUID, list[SimpleNamespace]] = defaultdict(list)
    table = Activity.__table__
    activity_rows = session.execute(
        select(table.c.lead_id, table.c.kind, table.c.summary, table.c.occurred_at).where(
            table.c.lead_id.in_(lead_ids), table.c.kind.not_in(SYSTEM_ACTIVITY_KINDS)
        )
    )
    for lead_id, kind, summary, occurred_at in activity_rows:
        activities[lead_id].append(SimpleNamespace(kind=kind, summary=summary, occurred_at=occurred_at))

    for view in views:
        view.activities = activities.get(view.id, [])
        view.owner = owners.get(view.owner_id)
    return views


def _evaluate_chunk(
    session: Session, chunk: Sequence[uuid.UUID], owners: dict[uuid.UUID, Any], playbook: Playbook, now: datetime
) -> list[dict[str, Any]]:
    stored = {
        row.lead_id: row
        for row in session.execute(
            select(
                LeadEvaluation.lead_id,
                LeadEvaluation.score_override,
                LeadEvaluation.speed_to_lead_seconds,
                LeadEvaluation.speed_to_lead_business_seconds,
            ).where(LeadEvaluation.lead_id.in_(chunk))
        )
    }
    rows = []
    for lead in lead_views(session, chunk, owners):
        previous = stored.get(lead.id)
        override = previous.score_override if previous is not None else None
        qualification = qualify(lead, playbook, now)  # type: ignore[arg-type]
        score = score_lead(lead, playbook, now, override=override)  # type: ignore[arg-type]
        row = {
            "lead_id": lead.id,
            "qualification": qualification.stage,
            "qualification_reasons": qualification.to_json(),
            "fit_points": score.fit,
            "engagement_points": score.engagement,
            "score_total": score.effective,
            "grade": score.grade,
            "score_parts": [part.to_json() for part in score.parts],
            "speed_to_lead_seconds": previous.speed_to_lead_seconds if previous is not None else None,
            "speed_to_lead_business_seconds": previous.speed_to_lead_business_seconds if previous is not None else None,
            "evaluated_at": now,
            "escalation_steps_done": 0,
        }
        if row["speed_to_lead_seconds"] is None and lead.first_contacted_at is not None and lead.received_at is not None:
            speed = speed_to_lead(lead.received_at, lead.first_contacted_at, playbook.calendar)
            row["speed_to_lead_seconds"] = int(speed.wall.total_seconds())
            row["speed_to_lead_business_seconds"] = int(speed.business.total_seconds())
        rows.append(row)
    return rows


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    table = LeadEvaluation.__table__
    statement = sqlite_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.lead_id],
        set_={name: statement.excluded[name] for name in _EVALUATED_COLUMNS},
    )
    session.execute(statement, rows)


def _expire_loaded(session: Session, ids: set[uuid.UUID]) -> None:
    # Evaluation objects loaded before the upsert would otherwise show the old values.
    for instance in list(session.identity_map.values()):
        if isinstance(instance, LeadEvaluation) and instance.lead_id in ids:
            session.expire(instance)
