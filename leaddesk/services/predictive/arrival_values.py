"""Each lead's field values as they were on arrival, rolled back from the recorded changes.

Three records keep a changed field's earlier value:

- import_changes: the value before an import changed the field (exact, any field);
- the "Changed ..." timeline entry that edit_lead writes for a hand edit, with each old
  value as a Python string literal or "(blank)". Values longer than the summary limit are
  cut and end in "…", so they are not known exactly;
- the team sync change log: a change's old value is the value at the previous sync pass.
  The first changes of a lead, at its earliest clock, are its creation, not an edit.

For each field the earliest recorded change wins, because its old value is the one the
lead arrived with. A cut hand-edit value becomes None (missing), which the model treats
like any missing value, instead of the later value that would leak the outcome.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, ImportBatch, ImportChange, SyncChange
from leaddesk.services.sync.fields import ENTITY_LEAD
from leaddesk.services.sync.hlc import decode

logger = logging.getLogger(__name__)

CUSTOM_PREFIX = "custom:"
EDIT_SUMMARY_PREFIX = "Changed "
# edit_lead writes "(blank)" for an empty value and ends a cut value with this character.
BLANK = "(blank)"
CUT_MARK = "…"
INTEGER_FIELDS = frozenset({"employee_count"})
SYNC_CUSTOM_FIELDS = "custom_fields"

# One "name OLD to NEW" part of an edit summary; OLD and NEW are "(blank)" or a Python string literal.
_VALUE = r"""\(blank\)|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_EDIT_PART = re.compile(rf"(?P<field>\w+) (?P<before>{_VALUE}) to (?P<after>{_VALUE})(?:; |$)")

# (instant, field, value before the change)
RecordedChange = tuple[datetime, str, Any]


def parse_edit_summary(summary: str) -> dict[str, Any] | None:
    """Return {field: value before the edit} of an edit_lead summary, or None when it does not parse.

    A value cut in the summary is returned as None, because its full text is not known.
    """
    if not summary.startswith(EDIT_SUMMARY_PREFIX):
        return None
    text = summary[len(EDIT_SUMMARY_PREFIX):]
    position = 0
    found: dict[str, Any] = {}
    while position < len(text):
        match = _EDIT_PART.match(text, position)
        if match is None:
            return None
        found[match.group("field")] = _summary_value(match.group("field"), match.group("before"))
        position = match.end()
    return found or None


def _summary_value(field: str, literal: str) -> Any:
    if literal == BLANK:
        return None
    value = ast.literal_eval(literal)
    if value.endswith(CUT_MARK):
        return None
    if field in INTEGER_FIELDS:
        try:
            return int(value)
        except ValueError:
            return None
    return value


def arrival_values(
    session: Session, lead_ids: list[uuid.UUID] | None, fields_wanted: Iterable[str]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Return, per lead, the arrival value of each field in fields_wanted or starting with "custom:" that changed."""
    wanted = set(fields_wanted)
    changes: dict[uuid.UUID, list[RecordedChange]] = {}
    for source in (_import_changes, _hand_edits, _sync_changes):
        for lead_id, change in source(session, lead_ids):
            changes.setdefault(lead_id, []).append(change)
    values: dict[uuid.UUID, dict[str, Any]] = {}
    for lead_id, recorded in changes.items():
        # A stable sort keeps each source's own order for changes at the same instant.
        recorded.sort(key=lambda change: change[0])
        fields = values.setdefault(lead_id, {})
        for _at, field, before in recorded:
            if field not in fields and (field in wanted or field.startswith(CUSTOM_PREFIX)):
                fields[field] = before
    return values


def _import_changes(session: Session, lead_ids: list[uuid.UUID] | None) -> Iterable[tuple[uuid.UUID, RecordedChange]]:
    query = (
        select(ImportChange.lead_id, ImportBatch.started_at, ImportChange.field, ImportChange.before)
        .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .order_by(ImportChange.id)
    )
    if lead_ids is not None:
        query = query.where(ImportChange.lead_id.in_(lead_ids))
    for lead_id, started_at, field, before in session.execute(query):
        yield lead_id, (started_at, field, before)


def _hand_edits(session: Session, lead_ids: list[uuid.UUID] | None) -> Iterable[tuple[uuid.UUID, RecordedChange]]:
    query = (
        select(Activity.lead_id, Activity.occurred_at, Activity.summary)
        .where(Activity.kind == ActivityKind.NOTE.value, Activity.summary.like(EDIT_SUMMARY_PREFIX + "%"))
        .order_by(Activity.occurred_at, Activity.created_at)
    )
    if lead_ids is not None:
        query = query.where(Activity.lead_id.in_(lead_ids))
    unreadable = 0
    for lead_id, occurred_at, summary in session.execute(query):
        parsed = parse_edit_summary(summary)
        if parsed is None:
            # A note the user typed may start with "Changed " too.
            unreadable += 1
            continue
        for field, before in parsed.items():
            yield lead_id, (occurred_at, field, before)
    if unreadable:
        logger.debug("%d notes starting with %r are not edit summaries; skipped", unreadable, EDIT_SUMMARY_PREFIX)


def _sync_changes(session: Session, lead_ids: list[uuid.UUID] | None) -> Iterable[tuple[uuid.UUID, RecordedChange]]:
    query = (
        select(SyncChange.row_id, SyncChange.hlc, SyncChange.field, SyncChange.value_json, SyncChange.old_json)
        .where(SyncChange.entity == ENTITY_LEAD)
        .order_by(SyncChange.row_id, SyncChange.hlc)
    )
    if lead_ids is not None:
        query = query.where(SyncChange.row_id.in_([str(lead_id) for lead_id in lead_ids]))
    created_at: dict[str, str] = {}
    for row_id, hlc, field, value_json, old_json in session.execute(query):
        first = created_at.setdefault(row_id, hlc)
        if hlc == first:
            continue
        lead_id = uuid.UUID(row_id)
        changed_at = datetime.fromtimestamp(decode(hlc)[0] / 1000, tz=timezone.utc)
        old = json.loads(old_json)
        if field != SYNC_CUSTOM_FIELDS:
            yield lead_id, (changed_at, field, old)
            continue
        new = json.loads(value_json) or {}
        old = old or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                yield lead_id, (changed_at, CUSTOM_PREFIX + key, old.get(key))
