"""The record kinds that travel between devices, and how each one is read from and written to its table.

Table rows (reps, leads, activities, follow-ups, sequence enrollments) travel field by
field. Settings and the playbook travel as whole documents, one per settings key, so the
later document by hybrid logical clock replaces the whole earlier one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Column, Integer, Table, Uuid, delete, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from leaddesk.models import Activity, FollowUp, Lead, Rep, SequenceEnrollment, Setting
from leaddesk.models.base import UTCDateTime
from leaddesk.services.sync.fields import DELETED_FIELD, LEAD_FIELDS

logger = logging.getLogger(__name__)

ENTITY_REP = "rep"
ENTITY_LEAD = "lead"
ENTITY_ACTIVITY = "activity"
ENTITY_FOLLOW_UP = "follow_up"
ENTITY_ENROLLMENT = "enrollment"
ENTITY_SETTING = "setting"
ENTITY_PLAYBOOK = "playbook"

# The delete marker of kinds whose rows are removed outright: a field with no column.
REMOVED_FIELD = "removed_at"
DOCUMENT_FIELD = "document"

PLAYBOOK_KEY = "playbook_toml"
# Settings that describe this device or this person's mailbox, not the team: notification
# watermarks and preferences, the SMTP account, and the resumable post-import jobs.
LOCAL_SETTING_PREFIXES = ("notify:", "smtp:", "post_import_job:")

# A fixed namespace, so every device derives the same row id from a settings key.
_SETTING_NAMESPACE = uuid.UUID("5d7b3c1e-8f4a-4c2e-9a61-2f0d7e3b9c45")


def encode_column(column: Column, value: Any) -> Any:
    """Turn a column value into plain JSON; datetimes become ISO 8601 in UTC, UUIDs become strings."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(kind, Uuid):
        return str(value)
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    return str(value)


def decode_column(column: Column, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value).astimezone(timezone.utc)
    if isinstance(kind, Uuid):
        return uuid.UUID(value)
    return value


@dataclass(frozen=True)
class TableEntity:
    """A record kind stored as rows of one table with a UUID primary key, merged field by field."""

    name: str
    table: Table
    fields: tuple[str, ...]
    # The field whose non-null value marks a deleted row. Leads keep the row with deleted_at
    # set, so the marker is a column. Other kinds delete the row, so REMOVED_FIELD has no column.
    delete_field: str = REMOVED_FIELD
    # Fields that only a delete sets. An edit of any other field revives a row deleted concurrently.
    delete_fields: frozenset[str] = frozenset({REMOVED_FIELD})
    # Foreign keys the row cannot exist without: it waits for a later pass until the target arrives.
    parents: dict[str, Table] = field(default_factory=dict)
    # Optional foreign keys, left empty while their target is missing on this device.
    references: dict[str, Table] = field(default_factory=dict)
    documents: bool = False

    @property
    def soft_delete(self) -> bool:
        return self.delete_field in self.table.columns

    @property
    def synced_fields(self) -> tuple[str, ...]:
        """The fields that travel: the columns, plus the delete marker when it is no column."""
        return self.fields if self.soft_delete else (*self.fields, self.delete_field)

    def read_rows(self, session: Session) -> dict[str, dict[str, Any]]:
        """Return {row id: {field: encoded value}} of every row, soft-deleted ones included."""
        columns = [self.table.c[name] for name in self.fields]
        rows: dict[str, dict[str, Any]] = {}
        for record in session.execute(select(self.table.c.id, *columns)):
            values = {name: encode_column(column, record[index + 1]) for index, (name, column) in enumerate(zip(self.fields, columns))}
            if not self.soft_delete:
                values[self.delete_field] = None
            rows[str(record[0])] = values
        return rows

    def read_row(self, session: Session, row_id: str) -> dict[str, Any] | None:
        columns = [self.table.c[name] for name in self.fields]
        record = session.execute(select(*columns).where(self.table.c.id == uuid.UUID(row_id))).first()
        if record is None:
            return None
        values = {name: encode_column(column, record[index]) for index, (name, column) in enumerate(zip(self.fields, columns))}
        if not self.soft_delete:
            values[self.delete_field] = None
        return values

    def missing_parent(self, session: Session, values: dict[str, Any]) -> str | None:
        """Return the name of a required foreign key whose target is missing here, or None."""
        for name, target in self.parents.items():
            value = values.get(name)
            if value is None or session.execute(select(target.c.id).where(target.c.id == uuid.UUID(value))).first() is None:
                return name
        return None

    def column_values(self, session: Session, values: dict[str, Any]) -> dict[str, Any]:
        """Decode values for the table; an optional reference to a row missing here becomes None."""
        decoded = {name: decode_column(self.table.c[name], values.get(name)) for name in self.fields}
        for name, target in self.references.items():
            value = decoded[name]
            if value is not None and session.execute(select(target.c.id).where(target.c.id == value)).first() is None:
                decoded[name] = None
        return decoded

    def write(self, session: Session, row_id: str, columns: dict[str, Any], present: bool) -> None:
        """Insert or update the row. A None for a column with a default is left to that default."""
        key = uuid.UUID(row_id)
        with_defaults = {name for name, column in self.table.c.items() if column.default is not None and not column.nullable}
        columns = {name: value for name, value in columns.items() if value is not None or name not in with_defaults}
        if present:
            session.execute(update(self.table).where(self.table.c.id == key).values(**columns))
        else:
            session.execute(insert(self.table).values(id=key, **columns))

    def remove(self, session: Session, row_id: str) -> None:
        session.execute(delete(self.table).where(self.table.c.id == uuid.UUID(row_id)))


def setting_row_id(key: str) -> str:
    """Return the row id of a settings key, the same on every device, because keys can exceed the row id column."""
    return str(uuid.uuid5(_SETTING_NAMESPACE, key))


@dataclass(frozen=True)
class SettingEntity:
    """Settings rows that travel as whole documents {"key": ..., "value": ...}, the later one replacing the earlier."""

    name: str
    playbook: bool

    table = Setting.__table__
    fields: tuple[str, ...] = (DOCUMENT_FIELD,)
    delete_field: str = REMOVED_FIELD
    delete_fields: frozenset[str] = frozenset({REMOVED_FIELD})
    soft_delete = False
    documents = True
    parents: dict[str, Table] = field(default_factory=dict)
    references: dict[str, Table] = field(default_factory=dict)

    @property
    def synced_fields(self) -> tuple[str, ...]:
        return (DOCUMENT_FIELD, REMOVED_FIELD)

    def travels(self, key: str) -> bool:
        if key == PLAYBOOK_KEY:
            return self.playbook
        return not self.playbook and not key.startswith(LOCAL_SETTING_PREFIXES)

    def read_rows(self, session: Session) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for key, value in session.execute(select(self.table.c.key, self.table.c.value)):
            if self.travels(key):
                rows[setting_row_id(key)] = {DOCUMENT_FIELD: {"key": key, "value": value}, REMOVED_FIELD: None}
        return rows

    def read_row(self, session: Session, row_id: str) -> dict[str, Any] | None:
        return self.read_rows(session).get(row_id)

    def missing_parent(self, session: Session, values: dict[str, Any]) -> str | None:
        return None

    def column_values(self, session: Session, values: dict[str, Any]) -> dict[str, Any]:
        return dict(values.get(DOCUMENT_FIELD) or {})

    def _key_of(self, session: Session, row_id: str) -> str | None:
        for key in session.scalars(select(self.table.c.key)):
            if setting_row_id(key) == row_id and self.travels(key):
                return key
        return None

    def write(self, session: Session, row_id: str, columns: dict[str, Any], present: bool) -> None:
        key, value = columns.get("key"), columns.get("value")
        if not isinstance(key, str) or not isinstance(value, str):
            # Written by a newer or damaged LeadDesk: keep the local setting, and keep syncing everything else.
            logger.error("ignoring setting document %s, which lacks a text key and value: %r", row_id, columns)
            return
        if session.execute(select(self.table.c.key).where(self.table.c.key == key)).first() is not None:
            session.execute(update(self.table).where(self.table.c.key == key).values(value=value))
        else:
            session.execute(insert(self.table).values(key=key, value=value))

    def remove(self, session: Session, row_id: str) -> None:
        key = self._key_of(session, row_id)
        if key is not None:
            session.execute(delete(self.table).where(self.table.c.key == key))


_LEADS = Lead.__table__
_REPS = Rep.__table__


def _columns(table: Table) -> tuple[str, ...]:
    return tuple(name for name in table.c.keys() if name != "id")


Entity = TableEntity | SettingEntity

# In materialization order: a rep before the leads it owns, a lead before its activities.
ENTITIES: tuple[Entity, ...] = (
    TableEntity(ENTITY_REP, _REPS, _columns(_REPS)),
    TableEntity(
        ENTITY_LEAD,
        _LEADS,
        LEAD_FIELDS,
        delete_field=DELETED_FIELD,
        delete_fields=frozenset({DELETED_FIELD, "merged_into_id"}),
        references={"owner_id": _REPS, "merged_into_id": _LEADS},
    ),
    TableEntity(ENTITY_ACTIVITY, Activity.__table__, _columns(Activity.__table__), parents={"lead_id": _LEADS}),
    # Enrolments come before follow-ups, because a step's follow-up references its enrolment.
    TableEntity(ENTITY_ENROLLMENT, SequenceEnrollment.__table__, _columns(SequenceEnrollment.__table__), parents={"lead_id": _LEADS}),
    TableEntity(
        ENTITY_FOLLOW_UP,
        FollowUp.__table__,
        _columns(FollowUp.__table__),
        parents={"lead_id": _LEADS},
        references={"owner_id": _REPS, "enrollment_id": SequenceEnrollment.__table__},
    ),
    SettingEntity(ENTITY_SETTING, playbook=False),
    SettingEntity(ENTITY_PLAYBOOK, playbook=True),
)
BY_NAME: dict[str, Entity] = {entity.name: entity for entity in ENTITIES}
ORDER: dict[str, int] = {entity.name: index for index, entity in enumerate(ENTITIES)}
