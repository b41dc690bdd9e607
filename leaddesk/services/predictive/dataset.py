"""Training rows for the conversion model: each lead's fields as they were when it arrived, and its outcome.

Values come from the lead and its custom fields, rolled back to arrival with the recorded
changes of imports, hand edits and team sync (see arrival_values). Fields the team fills
after contacting a lead would otherwise teach the model the outcome.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead
from leaddesk.services.enrichment import SOURCE_FIELDS
from leaddesk.services.predictive.arrival_derived import arrival_derived_values
from leaddesk.services.predictive.arrival_values import arrival_values

logger = logging.getLogger(__name__)

CUSTOM_PREFIX = "custom:"

# Typed lead columns that can predict conversion, with their plain-word labels. Names,
# e-mails, phones, ids, notes and timestamps identify a lead and do not generalize; stage,
# score and contact times describe what happened after arrival.
PREDICTOR_COLUMNS: dict[str, str] = {
    "source": "Lead source",
    "segment": "Segment",
    "country": "Country",
    "region": "Region",
    "city": "City",
    "industry": "Industry",
    "title": "Title",
    "employee_count": "Employee count",
    "seniority": "Seniority",
    "department": "Department",
    "is_free_mail": "Free-mail address",
    "derived_country": "Country from phone",
}

# Activity kinds that LeadDesk itself writes, which tell nothing about the lead's interest.
SYSTEM_ACTIVITY_KINDS = ("import", "import_undone", "merge", "merge_undone", "stage_change", "follow_up_set",
                         "follow_up_done", "follow_up_snoozed", "sequence", "score_override")
ACTIVITY_COUNT_FIELD = "activity:count before arrival"
ACTIVITY_RECENCY_FIELD = "activity:days since last before arrival"

# Outcome values read from a custom field, compared case-insensitively; anything else means open.
POSITIVE_OUTCOMES = frozenset({"1", "1.0", "yes", "y", "true", "won", "converted", "customer"})
NEGATIVE_OUTCOMES = frozenset({"0", "0.0", "no", "n", "false", "lost", "disqualified", "not converted"})
STAGE_OUTCOME_FIELD = "stage"


class OutcomeFieldError(ValueError):
    """The outcome field names no lead column or custom field."""


@dataclass
class LeadRows:
    """Feature rows in lead order; outcomes are 1 (won), 0 (lost) or None (still open)."""

    lead_ids: list[uuid.UUID]
    rows: list[dict[str, Any]]
    outcomes: list[int | None]
    outcome_field: str

    def closed(self) -> tuple[list[dict[str, Any]], list[int]]:
        pairs = [(row, outcome) for row, outcome in zip(self.rows, self.outcomes) if outcome is not None]
        return [row for row, _outcome in pairs], [outcome for _row, outcome in pairs]

    def closed_ids(self) -> list[uuid.UUID]:
        """Return the ids of the closed leads, in the order closed() returns their rows."""
        return [lead_id for lead_id, outcome in zip(self.lead_ids, self.outcomes) if outcome is not None]


def field_label(field: str) -> str:
    """Return the plain-word name of a feature field, as factor explanations show it."""
    if field in PREDICTOR_COLUMNS:
        return PREDICTOR_COLUMNS[field]
    if field.startswith(CUSTOM_PREFIX):
        return field[len(CUSTOM_PREFIX):]
    if field == ACTIVITY_COUNT_FIELD:
        return "Activities before arrival"
    if field == ACTIVITY_RECENCY_FIELD:
        return "Days since last activity before arrival"
    return field


def stage_outcome(stage: str) -> int | None:
    if stage == "won":
        return 1
    if stage in ("lost", "disqualified"):
        return 0
    return None


def value_outcome(value: Any) -> int | None:
    if value is None:
        return None
    text = str(value).strip().casefold()
    if text in POSITIVE_OUTCOMES:
        return 1
    if text in NEGATIVE_OUTCOMES:
        return 0
    return None


def resolve_outcome_field(session: Session, name: str) -> str:
    """Return "stage", a lead column name or "custom:<key>" for a field name the user typed.

    Raises OutcomeFieldError naming the field and listing the custom fields found.
    """
    wanted = name.strip()
    if wanted.casefold() == STAGE_OUTCOME_FIELD:
        return STAGE_OUTCOME_FIELD
    if wanted.startswith(CUSTOM_PREFIX):
        wanted = wanted[len(CUSTOM_PREFIX):]
    keys = custom_field_keys(session)
    for key in keys:
        if key.casefold() == wanted.casefold():
            return CUSTOM_PREFIX + key
    shown = ", ".join(sorted(keys)[:15]) or "none"
    raise OutcomeFieldError(
        f"outcome field {name!r} not found; use 'stage' (won versus lost or disqualified) or a custom field "
        f"(found: {shown})"
    )


def custom_field_keys(session: Session, sample: int = 2000) -> set[str]:
    """Return the custom field keys of up to sample leads, which is enough to list every imported column."""
    keys: set[str] = set()
    query = select(Lead.custom_fields).where(Lead.deleted_at.is_(None)).limit(sample)
    for (fields,) in session.execute(query):
        keys.update((fields or {}).keys())
    return keys


def matches_field(field: str, names: Iterable[str]) -> bool:
    """Return whether field is one of names, compared case-insensitively with or without "custom:"."""
    bare = field[len(CUSTOM_PREFIX):] if field.startswith(CUSTOM_PREFIX) else field
    wanted = {name.strip().casefold() for name in names}
    return field.casefold() in wanted or bare.casefold() in wanted


def load_lead_rows(
    session: Session, outcome_field: str = STAGE_OUTCOME_FIELD, lead_ids: Iterable[uuid.UUID] | None = None
) -> LeadRows:
    """Read every lead that is not deleted (or only lead_ids) as a feature row with its arrival values."""
    columns = [getattr(Lead, name) for name in PREDICTOR_COLUMNS]
    query = select(Lead.id, Lead.stage, Lead.custom_fields, *columns).where(Lead.deleted_at.is_(None))
    wanted = list(lead_ids) if lead_ids is not None else None
    if wanted is not None:
        query = query.where(Lead.id.in_(wanted))
    # One order on every backend, so anything that depends on row order repeats.
    query = query.order_by(Lead.id)
    # Derived fields (seniority, segment, ...) are recomputed after an edit without a record
    # of their own, so they are computed again from the arrival values of their source fields.
    rollbacks = arrival_values(session, wanted, {*PREDICTOR_COLUMNS, *SOURCE_FIELDS})
    derived = arrival_derived_values(session, rollbacks)
    activity = _activity_before_arrival(session, wanted)
    result = LeadRows([], [], [], outcome_field)
    names = list(PREDICTOR_COLUMNS)
    for lead_id, stage, custom, *values in session.execute(query):
        row: dict[str, Any] = {}
        for name, value in zip(names, values):
            row[name] = value
        for key, value in (custom or {}).items():
            row[CUSTOM_PREFIX + key] = value
        outcome_value = stage if outcome_field == STAGE_OUTCOME_FIELD else row.get(outcome_field)
        for field, before in rollbacks.get(lead_id, {}).items():
            if field in PREDICTOR_COLUMNS or field.startswith(CUSTOM_PREFIX):
                row[field] = before
        row.update(derived.get(lead_id, {}))
        row.pop(outcome_field, None)
        count, days = activity.get(lead_id, (0, None))
        row[ACTIVITY_COUNT_FIELD] = count
        row[ACTIVITY_RECENCY_FIELD] = days
        result.lead_ids.append(lead_id)
        result.rows.append(row)
        if outcome_field == STAGE_OUTCOME_FIELD:
            result.outcomes.append(stage_outcome(stage))
        else:
            result.outcomes.append(value_outcome(outcome_value))
    return result


def _activity_before_arrival(
    session: Session, lead_ids: list[uuid.UUID] | None
) -> dict[uuid.UUID, tuple[int, float | None]]:
    """Return (count, days from the last one to arrival) of each lead's own activities up to its arrival."""
    query = (
        select(Activity.lead_id, func.count(), func.max(Activity.occurred_at), Lead.received_at)
        .join(Lead, Lead.id == Activity.lead_id)
        .where(and_(Activity.occurred_at <= Lead.received_at, Activity.kind.not_in(SYSTEM_ACTIVITY_KINDS)))
        .group_by(Activity.lead_id, Lead.received_at)
    )
    if lead_ids is not None:
        query = query.where(Activity.lead_id.in_(lead_ids))
    found: dict[uuid.UUID, tuple[int, float | None]] = {}
    for lead_id, count, last, received_at in session.execute(query):
        # max() keeps the column type, so last is an aware UTC datetime like received_at.
        days = (received_at - last).total_seconds() / 86400 if last is not None else None
        found[lead_id] = (count, days)
    return found
