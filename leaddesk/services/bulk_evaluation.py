"""Qualify and score many leads at once, for leads written as raw rows by a bulk import.

The ORM listener in auto_evaluation does not see Core inserts, so an import's leads stay
unevaluated until this runs. It reads leads, their engagement activities, owners and
stored overrides with one query each per chunk of ids, runs the same qualify() and
score_lead() as evaluation.evaluate_lead on plain row objects, and upserts the results
with one executemany per chunk. No Lead or LeadEvaluation object is loaded.

Leads without engagement activities whose condition fields have equal values get equal
results, so those are computed once per distinct set of values and reused. Every reason
that conditions write comes from those values, which keeps the reuse exact.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead, LeadEvaluation, Rep
from leaddesk.services.driver_sql import driver_cursor
from leaddesk.services.lead_facts import FIELD_COLUMNS, SYSTEM_ACTIVITY_KINDS, LeadFacts
from leaddesk.services.playbook import Playbook, load_playbook
from leaddesk.services.playbook.conditions import condition_fields
from leaddesk.services.qualification import Qualification, qualify
from leaddesk.services.scoring import Score, score_lead
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
_UPSERT = (
    f"INSERT INTO lead_evaluations (lead_id, escalation_steps_done, {', '.join(_EVALUATED_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(_EVALUATED_COLUMNS) + 2))}) "
    f"ON CONFLICT (lead_id) DO UPDATE SET {', '.join(f'{name} = excluded.{name}' for name in _EVALUATED_COLUMNS)}"
)

# SQLAlchemy's storage format of DateTime on SQLite: naive UTC with microseconds.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"

# Lead columns that every evaluation reads besides the columns of the condition fields.
_BASE_COLUMNS = ("id", "owner_id", "stage", "received_at", "first_contacted_at", "custom_fields")


@dataclass(frozen=True)
class _Result:
    """One evaluation's stored values, with the JSON columns already serialized."""

    qualification: str | None
    qualification_reasons: str
    fit_points: int
    engagement_points: int
    score_total: int
    grade: str
    score_parts: str


def evaluate_in_bulk(
    session: Session,
    lead_ids: Iterable[uuid.UUID],
    now: datetime,
    playbook: Playbook | None = None,
    *,
    memo: dict[tuple, Any] | None = None,
) -> int:
    """Evaluate the given leads that are not deleted, store the results and return how many were evaluated.

    memo carries the results of equal inputs from one call to the next. Pass the same dict
    only to calls with the same playbook and now, as the steps of one post-import job do.
    """
    started = time.perf_counter()
    # The reads and the upsert below bypass the ORM, so pending changes must be in the database first.
    session.flush()
    playbook = playbook or load_playbook(session)
    ids = list(dict.fromkeys(lead_ids))
    owners = {rep_id: SimpleNamespace(name=name) for rep_id, name in session.execute(select(Rep.id, Rep.name))}
    fields = playbook_fields(playbook)
    columns = _lead_columns(fields)
    memo = {} if memo is None else memo
    stamp = now.astimezone(timezone.utc).replace(tzinfo=None).strftime(_SQLITE_DATETIME)

    count = 0
    cursor = driver_cursor(session.connection())
    try:
        for start in range(0, len(ids), CHUNK_LEADS):
            chunk = ids[start : start + CHUNK_LEADS]
            rows = _evaluate_chunk(session, chunk, owners, playbook, now, fields, columns, memo)
            cursor.executemany(_UPSERT, [(*row, stamp) for row in rows])
            count += len(rows)
    finally:
        cursor.close()
    _expire_loaded(session, set(ids))

    logger.info(
        "evaluated %d leads in bulk in %.2f s (%d distinct inputs computed)",
        count, time.perf_counter() - started, len(memo),
    )
    return count


def playbook_fields(playbook: Playbook) -> tuple[str, ...]:
    """Return the condition fields that qualification and fit scoring read, without "activity"."""
    conditions = [rule.condition for rule in playbook.qualification] + [rule.condition for rule in playbook.scoring.fit]
    names: list[str] = []
    for condition in conditions:
        for name in condition_fields(condition):
            if name != "activity" and name not in names:
                names.append(name)
    return tuple(names)


def lead_views(
    session: Session, lead_ids: Sequence[uuid.UUID], owners: dict[uuid.UUID, Any], columns: Sequence[str] | None = None
) -> list[SimpleNamespace]:
    """Load leads as plain objects with the attributes LeadFacts reads, activities and owner included.

    columns limits the Lead columns read, and None reads all. Only engagement activities are
    loaded, because LeadFacts skips SYSTEM_ACTIVITY_KINDS.
    """
    leads = Lead.__table__
    selected = [leads.c[name] for name in columns] if columns is not None else [leads]
    statement = select(*selected).where(leads.c.id.in_(lead_ids), leads.c.deleted_at.is_(None))
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


def _lead_columns(fields: Sequence[str]) -> list[str]:
    columns = list(_BASE_COLUMNS)
    for name in fields:
        # A "custom.HEADER" field reads custom_fields, which _BASE_COLUMNS contains.
        for column in FIELD_COLUMNS.get(name, ()):
            if column not in columns:
                columns.append(column)
    return columns


def _result(qualification: Qualification, score: Score) -> _Result:
    return _Result(
        qualification.stage,
        json.dumps(qualification.to_json()),
        score.fit,
        score.engagement,
        score.effective,
        score.grade,
        json.dumps([part.to_json() for part in score.parts]),
    )


def _evaluate_chunk(
    session: Session,
    chunk: Sequence[uuid.UUID],
    owners: dict[uuid.UUID, Any],
    playbook: Playbook,
    now: datetime,
    fields: Sequence[str],
    columns: Sequence[str],
    memo: dict[tuple, _Result],
) -> list[tuple]:
    """Evaluate one chunk and return its upsert rows without the trailing evaluated_at."""
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
    for lead in lead_views(session, chunk, owners, columns):
        previous = stored.get(lead.id)
        override = previous.score_override if previous is not None else None
        result = _evaluate(lead, playbook, now, override, fields, memo)

        speed_wall = previous.speed_to_lead_seconds if previous is not None else None
        speed_business = previous.speed_to_lead_business_seconds if previous is not None else None
        if speed_wall is None and lead.first_contacted_at is not None and lead.received_at is not None:
            speed = speed_to_lead(lead.received_at, lead.first_contacted_at, playbook.calendar)
            speed_wall = int(speed.wall.total_seconds())
            speed_business = int(speed.business.total_seconds())

        rows.append(
            (
                lead.id.hex,
                0,
                result.qualification,
                result.qualification_reasons,
                result.fit_points,
                result.engagement_points,
                result.score_total,
                result.grade,
                result.score_parts,
                speed_wall,
                speed_business,
            )
        )
    return rows


def _evaluate(
    lead: SimpleNamespace,
    playbook: Playbook,
    now: datetime,
    override: int | None,
    fields: Sequence[str],
    memo: dict[tuple, _Result],
) -> _Result:
    key = None
    if not lead.activities:
        facts = LeadFacts(lead, playbook, now)  # type: ignore[arg-type]
        key = (override, *(facts.value(name) for name in fields))
        try:
            cached = memo.get(key)
        except TypeError:
            # A custom field may contain a list or a dict, which cannot be part of a dictionary key.
            key, cached = None, None
        if cached is not None:
            return cached

    qualification = qualify(lead, playbook, now)  # type: ignore[arg-type]
    score = score_lead(lead, playbook, now, override=override)  # type: ignore[arg-type]
    result = _result(qualification, score)
    if key is not None:
        memo[key] = result
    return result


def _expire_loaded(session: Session, ids: set[uuid.UUID]) -> None:
    # Evaluation objects loaded before the upsert would otherwise show the old values.
    for instance in list(session.identity_map.values()):
        if isinstance(instance, LeadEvaluation) and instance.lead_id in ids:
            session.expire(instance)
