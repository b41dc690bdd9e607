"""Undoing an import batch: delete the leads it created and restore the fields it changed.

Everything happens in one transaction, so an undo that fails or is interrupted changes
nothing. Undo keeps the work done after the import:

- a created lead that was edited since (a higher row_version, an activity other than
  an import or undo activity, or a follow-up) is kept and reported. A later import that
  updated the lead counts as an edit while it is in effect, but not once it was undone;
- a changed field whose value is no longer the one the import wrote is kept and reported,
  while the other fields of that lead are restored;
- a rep that the import created for a new owner name is deleted when no lead or
  follow-up refers to it any more and its e-mail address is still empty.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, bindparam, delete, distinct, exists, func, select, update
from sqlalchemy.orm import Session

from leaddesk.models import (
    Activity,
    ActivityKind,
    FollowUp,
    ImportBatch,
    ImportChange,
    Lead,
    Rep,
    normalize_phone,
    utc_now,
)
from leaddesk.models.base import UTCDateTime
from leaddesk.services.database import Database
from leaddesk.services.importing.history import batch_label, find_batch
from leaddesk.services.importing.ids import OrderedIds
from leaddesk.services.importing.mapping import CUSTOM_PREFIX
from leaddesk.services.importing.matching import lead_label
from leaddesk.services.importing.store import CLOCK_COLUMNS, DATA_COLUMNS

logger = logging.getLogger(__name__)

# Leads read or deleted per statement; SQLite allows 999 bound parameters before version 3.32.
IDS_PER_QUERY = 500

# Normalized columns that follow their base column instead of being restored on their own.
_DERIVED = {"email_normalized": "email", "phone_normalized": "phone"}

# Lead columns that undo restores: those an import fills, and the deadlines it clears.
_RESTORED_COLUMNS = (*DATA_COLUMNS, *CLOCK_COLUMNS)

_LEAD_COLUMNS = ("id", *_RESTORED_COLUMNS, "custom_fields")

# Lead columns of instants, which undo records contain as ISO 8601 text (store.to_json_value).
_DATETIME_COLUMNS = frozenset(
    column.name for column in Lead.__table__.columns if isinstance(column.type, UTCDateTime)
)


class UndoError(ValueError):
    """An import that cannot be undone, such as one that was undone already; the message gives the reason."""


@dataclass(frozen=True)
class KeptLead:
    """A lead the import created that undo kept, because someone worked on it after the import."""

    lead_id: uuid.UUID
    label: str
    reason: str


@dataclass(frozen=True)
class KeptField:
    """A field the import changed that undo kept, because its value changed again after the import."""

    lead_id: uuid.UUID
    label: str
    field: str
    current: Any
    imported: Any
    before: Any


@dataclass
class UndoReport:
    """The result of undo_import: leads deleted and restored, and the leads and fields it kept, with reasons."""

    batch_id: str
    batch: str
    deleted: int = 0
    restored_leads: int = 0
    restored_fields: int = 0
    kept_leads: list[KeptLead] = field(default_factory=list)
    kept_fields: list[KeptField] = field(default_factory=list)
    deleted_reps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready plain data, with ids as text."""
        data = asdict(self)
        for entry in data["kept_leads"] + data["kept_fields"]:
            entry["lead_id"] = str(entry["lead_id"])
        return data


def undo_import(
    database: Database, batch: str | uuid.UUID, *, now: datetime | None = None, actor: str | None = None
) -> UndoReport:
    """Undo the import batch with this id or id prefix, in one transaction, and report what was kept.

    Restored leads get an "import_undone" activity and a higher row_version. Reps that the
    import created for new owner names are deleted when nothing refers to them any more
    (see _delete_created_reps). Raises BatchNotFoundError for an unknown id
    and UndoError for a batch that was undone already.
    """
    now = now or utc_now()
    with database.session() as session:
        found = find_batch(session, batch)
        label = batch_label(found)
        if found.undone_at is not None:
            by = f" by {found.undone_by}" if found.undone_by else ""
            raise UndoError(f"the import {label} was undone on {found.undone_at:%Y-%m-%d %H:%M} UTC{by}; nothing to do")

        report = UndoReport(batch_id=str(found.id), batch=label)
        logger.info("undoing import %s", label)
        rep_ids = _owners_set_by(session, found)
        _restore_updated(session, found, report, now, actor)
        _delete_created(session, found, report)
        _delete_created_reps(session, found, rep_ids, report)
        found.undone_at = now
        found.undone_by = actor

    logger.info(
        "undid import %s: %d leads deleted, %d fields restored on %d leads, %d leads and %d fields kept",
        label, report.deleted, report.restored_fields, report.restored_leads, len(report.kept_leads), len(report.kept_fields),
    )
    return report


def _restore_updated(session: Session, batch: ImportBatch, report: UndoReport, now: datetime, actor: str | None) -> None:
    changes = session.execute(
        select(ImportChange.lead_id, ImportChange.field, ImportChange.before, ImportChange.after)
        .where(ImportChange.batch_id == batch.id)
        .order_by(ImportChange.id.desc())
    ).all()
    if not changes:
        return
    leads = _load_leads(session, {change.lead_id for change in changes})

    restored: dict[uuid.UUID, list[str]] = {}
    recorded = {(change.lead_id, change.field): change.before for change in changes}
    for change in changes:
        if change.field in _DERIVED:
            continue
        row = leads.get(change.lead_id)
        if row is None:
            continue
        current = _value(row, change.field)
        if current != _from_json(change.field, change.after):
            report.kept_fields.append(
                KeptField(
                    lead_id=change.lead_id,
                    label=lead_label(row),
                    field=change.field,
                    current=_json_ready(current),
                    imported=change.after,
                    before=change.before,
                )
            )
            continue
        _set_value(row, change.field, _from_json(change.field, change.before))
        _restore_derived(row, change.field, recorded.get((change.lead_id, f"{change.field}_normalized")))
        restored.setdefault(change.lead_id, []).append(change.field)

    _write_restored(session, leads, restored, batch, now, actor)
    report.restored_leads = len(restored)
    report.restored_fields = sum(len(fields) for fields in restored.values())


def _restore_derived(row: dict[str, Any], name: str, recorded_before: Any) -> None:
    if name == "phone":
        row["phone_normalized"] = normalize_phone(row["phone"])
    elif name == "email":
        email = row["email"]
        if recorded_before is not None:
            row["email_normalized"] = recorded_before
        elif email:
            row["email_normalized"] = email.casefold()
        else:
            row["email_normalized"] = None


def _load_leads(session: Session, lead_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    table = Lead.__table__
    columns = [table.c[name] for name in _LEAD_COLUMNS]
    ordered = sorted(lead_ids)
    leads: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(ordered), IDS_PER_QUERY):
        chunk = ordered[start : start + IDS_PER_QUERY]
        for row in session.execute(select(*columns).where(table.c.id.in_(chunk))):
            values = dict(zip(_LEAD_COLUMNS, row))
            values["custom_fields"] = dict(values["custom_fields"] or {})
            leads[values["id"]] = values
    return leads


def _write_restored(
    session: Session,
    leads: dict[uuid.UUID, dict[str, Any]],
    restored: dict[uuid.UUID, list[str]],
    batch: ImportBatch,
    now: datetime,
    actor: str | None,
) -> None:
    if not restored:
        return
    table = Lead.__table__
    values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in _RESTORED_COLUMNS}
    values["custom_fields"] = bindparam("new_custom_fields", type_=table.c.custom_fields.type)
    values["updated_at"] = now
    values["updated_by"] = actor
    values["row_version"] = table.c.row_version + 1
    statement = update(table).where(table.c.id == bindparam("lead_id", type_=table.c.id.type)).values(values)

    parameters = []
    activities = []
    ids = OrderedIds(now)
    for lead_id, fields in restored.items():
        row = leads[lead_id]
        item = {f"new_{name}": row[name] for name in _RESTORED_COLUMNS}
        item["new_custom_fields"] = row["custom_fields"]
        item["lead_id"] = lead_id
        parameters.append(item)
        activities.append(
            {
                "id": ids.new(),
                "lead_id": lead_id,
                "kind": ActivityKind.IMPORT_UNDONE.value,
                "occurred_at": now,
                "summary": f"Undid the import {batch_label(batch)}; restored {', '.join(sorted(fields))}",
                "actor": actor,
                "created_at": now,
            }
        )
    session.execute(statement, parameters)
    session.execute(Activity.__table__.insert(), activities)


def _delete_created(session: Session, batch: ImportBatch, report: UndoReport) -> None:
    leads = Lead.__table__
    # Import and undo activities record LeadDesk's own bookkeeping, not work on the lead.
    bookkeeping = (ActivityKind.IMPORT.value, ActivityKind.IMPORT_UNDONE.value)
    worked_on = exists().where(
        and_(Activity.__table__.c.lead_id == leads.c.id, Activity.__table__.c.kind.not_in(bookkeeping))
    )
    followed_up = exists().where(FollowUp.__table__.c.lead_id == leads.c.id)
    query = (
        select(
            leads.c.id,
            leads.c.full_name,
            leads.c.first_name,
            leads.c.last_name,
            leads.c.email,
            leads.c.company,
            leads.c.phone,
            leads.c.row_version,
            leads.c.merged_into_id,
            worked_on.label("worked_on"),
            followed_up.label("followed_up"),
        )
        .where(leads.c.import_batch_id == batch.id)
        .where((leads.c.row_version > 1) | worked_on | followed_up)
    )
    suspects = [dict(row) for row in session.execute(query).mappings()]
    undone_versions = _versions_of_undone_imports(session, batch, [row["id"] for row in suspects])
    for row in suspects:
        if row["row_version"] - 1 == undone_versions.get(row["id"], 0):
            # Every change since the import came from later imports and their undos.
            row["row_version"] = 1
        if row["row_version"] > 1 or row["worked_on"] or row["followed_up"]:
            report.kept_leads.append(KeptLead(lead_id=row["id"], label=lead_label(row), reason=_kept_reason(row)))

    kept = {lead.lead_id for lead in report.kept_leads}
    condition = leads.c.import_batch_id == batch.id
    if not kept:
        report.deleted = session.execute(delete(leads).where(condition)).rowcount
        return

    candidates = session.scalars(select(leads.c.id).where(condition))
    doomed = [lead_id for lead_id in candidates if lead_id not in kept]
    for start in range(0, len(doomed), IDS_PER_QUERY):
        chunk = doomed[start : start + IDS_PER_QUERY]
        report.deleted += session.execute(delete(leads).where(leads.c.id.in_(chunk))).rowcount


def _versions_of_undone_imports(session: Session, batch: ImportBatch, lead_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Return, per lead, how many row_version increments later imports that were since undone explain.

    An import that updates a lead raises its row_version once, and the undo that restores
    its fields raises it once more and logs one "import_undone" activity. An undo that
    restored nothing on the lead logs no activity and leaves row_version alone.
    """
    versions: dict[uuid.UUID, int] = {}
    activities = Activity.__table__.c
    for start in range(0, len(lead_ids), IDS_PER_QUERY):
        chunk = lead_ids[start : start + IDS_PER_QUERY]
        updates = session.execute(
            select(ImportChange.lead_id, func.count(distinct(ImportChange.batch_id)))
            .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
            .where(ImportChange.lead_id.in_(chunk))
            .where(ImportBatch.id != batch.id)
            .where(ImportBatch.undone_at.is_not(None))
            .group_by(ImportChange.lead_id)
        )
        for lead_id, count in updates:
            versions[lead_id] = versions.get(lead_id, 0) + count
        undos = session.execute(
            select(activities.lead_id, func.count())
            .where(activities.lead_id.in_(chunk))
            .where(activities.kind == ActivityKind.IMPORT_UNDONE.value)
            .group_by(activities.lead_id)
        )
        for lead_id, count in undos:
            versions[lead_id] = versions.get(lead_id, 0) + count
    return versions


def _owners_set_by(session: Session, batch: ImportBatch) -> set[uuid.UUID]:
    """Return the ids of the reps that the batch made owners of leads it created or updated."""
    leads = Lead.__table__.c
    owners = set(
        session.scalars(
            select(leads.owner_id).where(leads.import_batch_id == batch.id).where(leads.owner_id.is_not(None)).distinct()
        )
    )
    changed = session.scalars(
        select(ImportChange.after).where(ImportChange.batch_id == batch.id).where(ImportChange.field == "owner_id")
    )
    owners.update(uuid.UUID(value) for value in changed if value)
    return owners


def _delete_created_reps(session: Session, batch: ImportBatch, rep_ids: set[uuid.UUID], report: UndoReport) -> None:
    """Delete the reps in rep_ids that this batch created and that nothing refers to now.

    The writer sets created_at of each rep it creates to the batch's start time, which
    distinguishes them from reps created by hand or by another import. A rep with an
    e-mail address was completed by someone after the import, so it stays.
    """
    if not rep_ids:
        return
    reps = Rep.__table__.c
    created = session.execute(
        select(reps.id, reps.name)
        .where(reps.id.in_(sorted(rep_ids)))
        .where(reps.created_at == batch.started_at)
        .where(reps.email.is_(None))
    ).all()
    unused = [(rep_id, name) for rep_id, name in created if not _rep_is_referenced(session, rep_id)]
    if not unused:
        return
    session.execute(delete(Rep.__table__).where(reps.id.in_([rep_id for rep_id, _name in unused])))
    report.deleted_reps = sorted(name for _rep_id, name in unused)
    logger.info("deleted %d reps that the import %s created: %s", len(unused), batch.id, ", ".join(report.deleted_reps))


def _rep_is_referenced(session: Session, rep_id: uuid.UUID) -> bool:
    """Return whether any row of any table, such as a lead or a follow-up, has a foreign key to the rep."""
    for table in Rep.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name != Rep.__tablename__:
                continue
            if session.execute(select(key.parent).where(key.parent == rep_id).limit(1)).first() is not None:
                return True
    return False


def _kept_reason(row) -> str:
    if row["merged_into_id"] is not None:
        # The merged lead is hidden, so the message names the survivor that contains its data now.
        survivor = row["merged_into_id"]
        return (
            f"it was merged into lead {survivor} since the import; delete lead {survivor} in LeadDesk if it should go, "
            "or find the merge with 'leaddesk merges' and undo it with 'leaddesk undo' first"
        )
    reasons = []
    if row["row_version"] > 1:
        reasons.append("it was changed after the import")
    if row["worked_on"]:
        reasons.append("it has activities logged after the import")
    if row["followed_up"]:
        reasons.append("it has follow-ups")
    return "; ".join(reasons) + "; delete it in LeadDesk if it should go"


def _value(row: dict[str, Any], name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return row["custom_fields"].get(name[len(CUSTOM_PREFIX):])
    return row.get(name)


def _set_value(row: dict[str, Any], name: str, value: Any) -> None:
    if not name.startswith(CUSTOM_PREFIX):
        row[name] = value
        return
    key = name[len(CUSTOM_PREFIX):]
    if value is None:
        row["custom_fields"].pop(key, None)
    else:
        row["custom_fields"][key] = value


def _from_json(name: str, value: Any) -> Any:
    """Return a value of the undo record as the lead column stores it: ids and instants are text there."""
    if value is None:
        return None
    if name == "owner_id":
        return uuid.UUID(value)
    if name in _DATETIME_COLUMNS:
        return _aware(datetime.fromisoformat(value))
    return value


def _aware(value: datetime) -> datetime:
    """Return an instant in UTC; a naive one (from an older undo record) is read as UTC, as UTCDateTime stores it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _json_ready(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
