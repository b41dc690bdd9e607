"""Writing lead drafts to the database in chunks: match, create, update or skip.

A draft matches an existing lead by normalized e-mail, else by external id, else by phone
(E.164 where a region is known, see matching.PhoneKeys), else by its identity (see matching.identity_key), looked up in bulk per chunk. The
ImportPolicy decides whether a match is updated, skipped, or ignored so that a new lead is
created. New leads, their import activities, updates and the undo record of every changed
field go in with Core executemany, which is several times faster than adding ORM objects
one by one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from leaddesk.models import (
    COMPANY_AND_PLACE_FIELDS,
    NAME_FIELDS,
    Activity,
    ActivityKind,
    ImportChange,
    Lead,
    LeadMatchKey,
    Rep,
    normalize_phone,
)
from leaddesk.services.importing.bulk import BulkInsert
from leaddesk.services.importing.clock import ResponseClocks
from leaddesk.services.importing.ids import OrderedIds
from leaddesk.services.importing.indexes import DeferredIndexes
from leaddesk.services.importing.matching import (
    MATCH_KEYS,
    MatchIndex,
    PhoneKeys,
    email_lookup_values,
    email_match_key,
    find_match,
    identity_key,
    lead_label,
)
from leaddesk.services.importing.mapping import LEADDESK_ID
from leaddesk.services.importing.merge import merge_into
from leaddesk.services.importing.policy import ImportPolicy, OnMatch
from leaddesk.services.importing.report import PlannedRow, RowAction
from leaddesk.services.importing.rows import LeadDraft
from leaddesk.services.playbook import Playbook

logger = logging.getLogger(__name__)

# Lead columns that an import may fill and a re-import may change.
DATA_COLUMNS = (
    "external_id",
    *NAME_FIELDS,
    "email",
    "email_normalized",
    "phone",
    "phone_normalized",
    *COMPANY_AND_PLACE_FIELDS,
    "employee_count",
    "source",
    "segment",
    "stage",
    "owner_id",
    "notes",
)

# Every column of a new lead row, in the order _new_row builds them.
NEW_LEAD_COLUMNS = (
    "id",
    *DATA_COLUMNS,
    "score",
    "custom_fields",
    "received_at",
    "response_due_at",
    "response_warn_at",
    "first_contacted_at",
    "next_follow_up_at",
    "import_batch_id",
    "created_at",
    "updated_at",
    "updated_by",
    "row_version",
    "deleted_at",
)

ACTIVITY_COLUMNS = ("id", "lead_id", "kind", "occurred_at", "summary", "actor", "created_at")

CHANGE_COLUMNS = ("batch_id", "lead_id", "field", "before", "after")

# The prefix of a phone's key in lead_match_keys ("p:+442079460958"), as dedup.blocking_keys writes it.
PHONE_KEY_PREFIX = "p:"

# The response deadlines, which a re-import clears when it moves a lead past the stage "new".
CLOCK_COLUMNS = ("response_due_at", "response_warn_at")

# Columns read from an existing lead to compare a re-imported row with it.
_EXISTING_COLUMNS = ("id", *DATA_COLUMNS, *CLOCK_COLUMNS, "custom_fields", "deleted_at", "import_batch_id")


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    matched_deleted: int = 0
    duplicates: int = 0


class LeadWriter:
    """Writes drafts for one import batch inside the caller's session and transaction.

    With outcomes set, every draft's PlannedRow is appended to it, for plan_import.
    """

    def __init__(
        self,
        session: Session,
        *,
        batch_id: uuid.UUID,
        now: datetime,
        actor: str | None,
        playbook: Playbook,
        historical: bool,
        log_activities: bool,
        source_label: str,
        policy: ImportPolicy | None = None,
        outcomes: list[PlannedRow] | None = None,
    ) -> None:
        self.session = session
        self.batch_id = batch_id
        self.now = now
        self.actor = actor
        self.historical = historical
        self.log_activities = log_activities
        self.source_label = source_label
        self.policy = policy or ImportPolicy()
        self.outcomes = outcomes
        self.leads = Lead.__table__

        self._reps = self._load_reps()
        self._phone_keys = PhoneKeys.for_session(session)
        self._identities: dict[tuple, list[dict[str, Any]]] | None = None
        self._clocks = ResponseClocks(playbook)
        self._ids = OrderedIds(now)

        # The first row of this file that created or matched each lead, to report repeats.
        self._first_rows: dict[uuid.UUID, int] = {}
        # With on_match CREATE nothing is matched, so repeats are found by their keys alone.
        self._first_rows_by_key: dict[str, dict[Any, int]] = {name: {} for name in MATCH_KEYS}
        # Leads created by an earlier chunk of this batch that this chunk changed.
        self._own_updates: dict[uuid.UUID, dict[str, Any]] = {}
        # Existing leads whose row_version this batch raised already: an import raises it once,
        # however many chunks update the lead, so that undo can tell later edits apart.
        self._bumped_ids: set[uuid.UUID] = set()
        # Into a database without leads, only this batch's own leads can match, so the keys
        # of the leads it created tell which drafts need a lookup at all.
        self._database_was_empty = session.execute(select(self.leads.c.id).limit(1)).first() is None
        # The match keys of every lead this batch created or matched, when the database had no leads.
        # NOTE: on SQLite the import holds the write lock from its batch row on, so no other
        # process adds leads meanwhile. On PostgreSQL nothing locks the leads table, so a lead
        # that another session commits during the import is found only if it shares a key
        # with a lead of this batch.
        self._batch_keys = _KeySets(self._phone_keys)
        # Leads past "new" whose stage the file closed, and those whose stage it could not change.
        self.stage_closed_ids: set[uuid.UUID] = set()
        self.stage_kept_ids: set[uuid.UUID] = set()
        # The rows that the last _existing_matches query found.
        self._last_existing: list[dict[str, Any]] = []

        self._update_statement = self._build_update(bump_version=True)
        # Leads created by this batch keep row_version 1 when a later row of the file
        # updates them, so that undo can tell them from leads edited after the import.
        self._update_own_statement = self._build_update(bump_version=False)

        # A large import drops the indexes it does not look leads up by, and rebuilds them in finish().
        # Activities are not deferred: their ids and lead ids ascend, so their indexes only append.
        self._lead_indexes = DeferredIndexes(session, self.leads.name, kept_columns=("id", *MATCH_KEYS))
        self._insert_leads = BulkInsert(session, self.leads, NEW_LEAD_COLUMNS)
        self._insert_activities = BulkInsert(session, Activity.__table__, ACTIVITY_COLUMNS)
        self._activity_constants = {
            "kind": ActivityKind.IMPORT.value,
            "occurred_at": now,
            "actor": actor,
            "created_at": now,
        }
        self._insert_changes = BulkInsert(session, ImportChange.__table__, CHANGE_COLUMNS)
        # The columns of a new lead row whose values come from the batch, not the row.
        self._batch_values: dict[str, Any] = {
            "score": 0,
            "first_contacted_at": None,
            "next_follow_up_at": None,
            "import_batch_id": batch_id,
            "created_at": now,
            "updated_at": now,
            "updated_by": actor,
            "row_version": 1,
            "deleted_at": None,
        }
        self._row_columns = tuple(name for name in NEW_LEAD_COLUMNS if name not in self._batch_values)
        self._row_value_columns = tuple(name for name in self._row_columns if name != "id")
        # Every column of a new lead row; rows keep the batch values too, because matching reads some of them.
        self._row_template: dict[str, Any] = {**dict.fromkeys(self._row_columns), **self._batch_values}

    def write(self, drafts: list[LeadDraft]) -> ChunkResult:
        """Match, create or update the leads of one chunk of drafts, in row order."""
        result = ChunkResult()
        self._resolve_owners(drafts)
        # LeadDesk ids are used only for matching and are never stored.
        lead_ids = [draft.fields.pop(LEADDESK_ID, None) for draft in drafts]
        for draft in drafts:
            phone = draft.fields.get("phone")
            # A worker process (worker.py) normalizes the phones of the chunks it converts.
            if phone and "phone_normalized" not in draft.fields:
                draft.fields["phone_normalized"] = normalize_phone(phone)

        if self.policy.on_match is OnMatch.CREATE:
            new_rows = [self._create(draft, result) for draft in drafts]
            self._insert_new(new_rows)
            return result

        pending = _LazyIndex(self._phone_keys)
        if self._database_was_empty:
            # Every lead that a draft can match was created by this batch, so the keys of this
            # batch's leads, kept across chunks, include those of every lead in pending and existing.
            known_keys = self._batch_keys
        else:
            # The keys of every lead in pending and existing: a draft with none of them matches neither.
            known_keys = _KeySets(self._phone_keys)
        draft_keys = []
        for draft in drafts:
            index_keys = known_keys.index_keys(draft.fields)
            draft_keys.append((index_keys, known_keys.keys_of(draft.fields, index_keys)))

        if self._database_was_empty:
            # Only a draft with a key of a lead of this batch can match one, so only those
            # drafts are looked up, and a chunk without them needs no query at all.
            lookup = [index for index, (_, keys) in enumerate(draft_keys) if known_keys.has_any(keys)]
            existing = self._existing_matches([drafts[index] for index in lookup], [lead_ids[index] for index in lookup])
        else:
            existing = self._existing_matches(drafts, lead_ids)
            for row in self._last_existing:
                known_keys.add(known_keys.keys_of(row))
        existing_by_id = {row["id"]: row for row in self._last_existing}
        new_rows: list[dict[str, Any]] = []
        # Before-values per changed lead of this chunk: {lead id: {field: value before}}.
        changes: dict[uuid.UUID, dict[str, Any]] = {}
        changed_rows: dict[uuid.UUID, dict[str, Any]] = {}

        for draft, lead_id, (index_keys, keys) in zip(drafts, lead_ids, draft_keys):
            found = None
            if lead_id is not None and lead_id in existing_by_id:
                found = (existing_by_id[lead_id], "LeadDesk id")
            elif known_keys.has_any(keys):
                found = find_match(draft.fields, pending.index(), existing)
            if found is None:
                target = self._take_identity_match(draft)
                found = (target, "identity") if target is not None else None
            if found is None:
                row = self._create(draft, result)
                new_rows.append(row)
                # The row has the draft's e-mail, external id, phone and country, so the same keys.
                pending.add(row, index_keys)
                known_keys.add(keys)
                continue

            target, matched_by = found
            self._apply_match(draft, target, matched_by, result, changes)
            if target.get("_row") is None and target["id"] in changes:
                changed_rows[target["id"]] = target
            # The match may have gained an e-mail, external id or phone that later rows use.
            (pending if target.get("_row") is not None else existing).add(target)
            known_keys.add(known_keys.keys_of(target))

        self._insert_new(new_rows)
        self._apply_updates(changed_rows.values())
        self._record_changes(changes, changed_rows)
        return result

    def finish(self) -> None:
        """Rebuild the indexes that the writer dropped while it inserted; call after the last write, before the commit."""
        self._lead_indexes.rebuild()

    # Matching

    def _apply_match(
        self,
        draft: LeadDraft,
        target: dict[str, Any],
        matched_by: str,
        result: ChunkResult,
        changes: dict[uuid.UUID, dict[str, Any]],
    ) -> None:
        """Update or skip the lead that the draft matched, counting and recording the outcome."""
        first_row = self._first_rows.setdefault(target["id"], draft.row)
        duplicate_of = first_row if first_row != draft.row else None
        if duplicate_of is not None:
            result.duplicates += 1
        label = lead_label(target)

        if target["deleted_at"] is not None:
            result.matched_deleted += 1
            result.skipped += 1
            self._record(
                draft.row, RowAction.SKIP, target, label, matched_by, duplicate_of,
                reason="the lead it matches was deleted; restore that lead to update it",
            )
            return

        if self.policy.on_match is OnMatch.SKIP:
            result.skipped += 1
            reason = f"repeats row {duplicate_of}" if duplicate_of is not None else "the lead exists and --on-match is skip"
            self._record(draft.row, RowAction.SKIP, target, label, matched_by, duplicate_of, reason=reason)
            return

        before = merge_into(target, draft, self.policy)
        self._count_stage_outcome(draft, target, before)
        if not before:
            result.skipped += 1
            self._record(
                draft.row, RowAction.SKIP, target, label, matched_by, duplicate_of, reason="nothing to change"
            )
            return

        clocks_before = {}
        if "stage" in before and target.get("_row") is None:
            clocks_before = _stop_response_clock(target)
        result.updated += 1
        own = target.get("_row") is not None or target.get("import_batch_id") == self.batch_id
        if not own:
            recorded = changes.setdefault(target["id"], {})
            for name, value in (*before.items(), *clocks_before.items()):
                recorded.setdefault(name, value)
        elif target.get("_row") is None:
            self._own_updates[target["id"]] = target
        self._record(draft.row, RowAction.UPDATE, target, label, matched_by, duplicate_of, fields=tuple(before))

    def _count_stage_outcome(self, draft: LeadDraft, target: dict[str, Any], before: dict[str, Any]) -> None:
        """Remember the leads past "new" whose stage the draft closed, and those where merge_into kept it."""
        stage = draft.fields.get("stage")
        if stage is not None and stage != target.get("stage"):
            self.stage_kept_ids.add(target["id"])
        elif before.get("stage") not in (None, "new"):
            self.stage_closed_ids.add(target["id"])

    def _existing_matches(self, drafts: list[LeadDraft], lead_ids: list[uuid.UUID | None]) -> MatchIndex:
        conditions = []
        columns = self.leads.c
        wanted_ids = {lead_id for lead_id in lead_ids if lead_id is not None}
        if wanted_ids and not self._database_was_empty:
            conditions.append(columns.id.in_(wanted_ids))
        for name in MATCH_KEYS:
            values = {draft.fields[name] for draft in drafts if draft.fields.get(name)}
            if name == "phone_normalized":
                values |= self._phone_keys.lookup_values(draft.fields for draft in drafts)
            elif name == "email_normalized":
                values |= email_lookup_values(draft.fields for draft in drafts)
            if values:
                conditions.append(columns[name].in_(values))
        if not self._database_was_empty:
            # The duplicate scan's "p:" key is the E.164 match_phone, whatever format the lead's
            # phone is stored in, once the post-import job or an edit has filled it. The leads
            # table has no index on match_phone; lead_match_keys has one on its keys.
            e164 = self._phone_keys.e164_values(draft.fields for draft in drafts)
            if e164:
                keys = LeadMatchKey.__table__.c
                by_phone_key = select(keys.lead_id).where(keys.key.in_({PHONE_KEY_PREFIX + value for value in e164}))
                conditions.append(columns.id.in_(by_phone_key))
        index = MatchIndex(self._phone_keys)
        self._last_existing = []
        if not conditions:
            return index

        query = select(*(columns[name] for name in _EXISTING_COLUMNS)).where(or_(*conditions)).order_by(columns.created_at)
        found = [dict(zip(_EXISTING_COLUMNS, row)) for row in self.session.execute(query).all()]
        # Live leads win over deleted ones with the same key; among equals the oldest lead wins.
        for row in sorted(found, key=lambda item: item["deleted_at"] is not None):
            index.add(row)
        self._last_existing = found
        return index

    def _take_identity_match(self, draft: LeadDraft) -> dict[str, Any] | None:
        """Return and use up an earlier lead without e-mail or external id that has the draft's identity.

        Each earlier lead matches at most one row, so a file with two identical rows keeps
        two leads on every re-import. Leads created by this batch never match.
        """
        if self._identities is None:
            self._identities = self._load_identities()
        if not self._identities:
            return None
        key = identity_key(draft.fields, draft.custom)
        if key is None:
            return None
        candidates = self._identities.get(key)
        return candidates.pop(0) if candidates else None

    def _load_identities(self) -> dict[tuple, list[dict[str, Any]]]:
        columns = [self.leads.c[name] for name in _EXISTING_COLUMNS]
        query = (
            select(*columns)
            .where(self.leads.c.email_normalized.is_(None))
            .where(self.leads.c.external_id.is_(None))
            .where((self.leads.c.import_batch_id.is_(None)) | (self.leads.c.import_batch_id != self.batch_id))
            .order_by(self.leads.c.created_at)
        )
        identities: dict[tuple, list[dict[str, Any]]] = {}
        for mapping in self.session.execute(query).mappings():
            row = dict(mapping)
            key = identity_key(row, row["custom_fields"] or {})
            if key is not None:
                identities.setdefault(key, []).append(row)
        logger.debug("loaded %d identities of leads without e-mail or external id", len(identities))
        return identities

    # Owners

    def _load_reps(self) -> dict[str, uuid.UUID]:
        rows = self.session.execute(select(Rep.id, Rep.name))
        return {name.casefold(): rep_id for rep_id, name in rows}

    def _resolve_owners(self, drafts: list[LeadDraft]) -> None:
        """Replace each draft's owner name by the id of the rep of that name, creating missing reps."""
        new_reps: list[dict[str, Any]] = []
        for draft in drafts:
            name = draft.fields.pop("owner", None)
            if not name:
                continue
            key = name.casefold()
            if key not in self._reps:
                rep_id = uuid.uuid4()
                self._reps[key] = rep_id
                new_reps.append({"id": rep_id, "name": name, "email": None, "active": True, "created_at": self.now})
            draft.fields["owner_id"] = self._reps[key]
        if new_reps:
            self.session.execute(insert(Rep.__table__), new_reps)
            logger.info("created %d reps named as lead owners", len(new_reps))

    # Writing

    def _create(self, draft: LeadDraft, result: ChunkResult) -> dict[str, Any]:
        row = self._new_row(draft)
        result.created += 1
        self._first_rows[row["id"]] = draft.row
        duplicate_of = None
        if self.policy.on_match is OnMatch.CREATE:
            duplicate_of = self._repeated_row(draft)
            if duplicate_of is not None:
                result.duplicates += 1
        if self.outcomes is not None:
            self.outcomes.append(
                PlannedRow(
                    row=draft.row,
                    action=RowAction.CREATE,
                    lead_id=row["id"],
                    lead_label=lead_label(row),
                    duplicate_of=duplicate_of,
                )
            )
        return row

    def _repeated_row(self, draft: LeadDraft) -> int | None:
        """Return the earlier row with the same e-mail, external id or phone, remembering this one."""
        earliest = None
        for name in MATCH_KEYS:
            value = draft.fields.get(name)
            if not value:
                continue
            first = self._first_rows_by_key[name].setdefault(value, draft.row)
            if first != draft.row and (earliest is None or first < earliest):
                earliest = first
        return earliest

    def _new_row(self, draft: LeadDraft) -> dict[str, Any]:
        row = self._row_template.copy()
        row.update(draft.fields)
        row["id"] = self._ids.new()
        if not row["stage"]:
            row["stage"] = "new"
        row["custom_fields"] = dict(draft.custom)
        if not row["received_at"]:
            row["received_at"] = self.now
        row["_row"] = draft.row
        return row

    def _insert_new(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self._clocks.start_all(rows, historical=self.historical)
        source_rows = [row.pop("_row") for row in rows]
        self._lead_indexes.before_insert(rows)
        # Bound once per chunk, not taken from every row: the batch's values are the same in every row.
        columns = {name: [row[name] for row in rows] for name in self._row_value_columns}
        # The 32 hex digits that the Uuid type binds, computed once for the lead and its activity.
        lead_ids = [row["id"].hex for row in rows]
        columns["id"] = lead_ids
        self._insert_leads.execute_columns(len(rows), columns, self._batch_values, converted=("id",))
        if not self.log_activities:
            return

        prefix = f"Imported from {self.source_label}, row "
        new_id = self._ids.new_hex
        columns = {
            "id": [new_id() for _ in rows],
            "lead_id": lead_ids,
            "summary": [prefix + str(number) for number in source_rows],
        }
        self._insert_activities.execute_columns(len(rows), columns, self._activity_constants, converted=("id", "lead_id"))

    def _build_update(self, *, bump_version: bool):
        columns = self.leads.c
        values = {name: bindparam(f"new_{name}", type_=columns[name].type) for name in (*DATA_COLUMNS, *CLOCK_COLUMNS)}
        values["custom_fields"] = bindparam("new_custom_fields", type_=columns.custom_fields.type)
        values["updated_at"] = bindparam("new_updated_at", type_=columns.updated_at.type)
        values["updated_by"] = bindparam("new_updated_by", type_=columns.updated_by.type)
        if bump_version:
            values["row_version"] = columns.row_version + 1
        return (
            update(self.leads)
            .where(columns.id == bindparam("lead_id", type_=columns.id.type))
            .values(values)
        )

    def _apply_updates(self, rows: Iterable[dict[str, Any]]) -> None:
        parameters = []
        bumped_before = []
        bumped = self._bumped_ids
        for row in rows:
            (bumped_before if row["id"] in bumped else parameters).append(self._update_parameters(row))
            bumped.add(row["id"])
        if parameters:
            self.session.execute(self._update_statement, parameters)
        own = [self._update_parameters(row) for row in self._own_updates.values()]
        own.extend(bumped_before)
        if own:
            self.session.execute(self._update_own_statement, own)
        self._own_updates.clear()

    def _update_parameters(self, row: dict[str, Any]) -> dict[str, Any]:
        item = {f"new_{name}": row[name] for name in (*DATA_COLUMNS, *CLOCK_COLUMNS)}
        item["new_custom_fields"] = row["custom_fields"]
        item["new_updated_at"] = self.now
        item["new_updated_by"] = self.actor
        item["lead_id"] = row["id"]
        return item

    def _record_changes(self, changes: dict[uuid.UUID, dict[str, Any]], rows: dict[uuid.UUID, dict[str, Any]]) -> None:
        """Store the before and after value of every field this chunk changed on leads of earlier imports."""
        records = []
        for lead_id, before in changes.items():
            row = rows[lead_id]
            for name, old in before.items():
                new = _field_value(row, name)
                if old == new:
                    continue
                records.append(
                    {
                        "batch_id": self.batch_id,
                        "lead_id": lead_id,
                        "field": name,
                        "before": to_json_value(old),
                        "after": to_json_value(new),
                    }
                )
        self._insert_changes.execute(records)

    def _record(
        self,
        row: int,
        action: RowAction,
        target: dict[str, Any],
        label: str,
        matched_by: str,
        duplicate_of: int | None,
        *,
        fields: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        if self.outcomes is None:
            return
        self.outcomes.append(
            PlannedRow(
                row=row,
                action=action,
                lead_id=target["id"],
                lead_label=label,
                matched_by=matched_by,
                duplicate_of=duplicate_of,
                fields=fields,
                reason=reason,
            )
        )


class _LazyIndex:
    """A MatchIndex of the rows created in one chunk, filled only once a lookup needs it.

    Rows go into the index in the order they were added. The writer changes a row only
    after a lookup, which fills the index first, so the index is the same as one filled
    row by row.
    """

    def __init__(self, phone_keys: PhoneKeys) -> None:
        self._index = MatchIndex(phone_keys)
        # Each row with its (e-mail match key, phone key) from _KeySets.index_keys, or None to compute them.
        self._rows: list[tuple[dict[str, Any], tuple[Any, Any] | None]] = []
        self._indexed = 0

    def add(self, row: dict[str, Any], index_keys: tuple[Any, Any] | None = None) -> None:
        self._rows.append((row, index_keys))

    def index(self) -> MatchIndex:
        rows = self._rows
        index = self._index
        for row, index_keys in rows[self._indexed:]:
            if index_keys is None:
                index.add(row)
            else:
                index.add_keyed(row, *index_keys)
        self._indexed = len(rows)
        return index


class _KeySets:
    """The match keys of a set of lead rows, for a quick test whether a draft can match any of them.

    A draft matches a row of a MatchIndex only with an equal e-mail, external id or phone
    key, so a draft whose keys are all unknown here needs no lookup.
    """

    def __init__(self, phone_keys: PhoneKeys) -> None:
        # MatchIndex computes phone keys; a spare one computes them here the same way.
        self._phone_index = MatchIndex(phone_keys)
        self._emails: set[Any] = set()
        self._external_ids: set[Any] = set()
        self._phones: set[Any] = set()

    def index_keys(self, row: dict[str, Any]) -> tuple[Any, Any]:
        """Return the (e-mail match key, phone key) under which MatchIndex adds the row."""
        return email_match_key(row.get("email_normalized")), self._phone_index._phone_key(row)

    def keys_of(self, row: dict[str, Any], index_keys: tuple[Any, Any] | None = None) -> tuple[Any, Any, Any]:
        """Return the (e-mail, external id, phone) keys under which MatchIndex adds and finds the row.

        index_keys is what index_keys(row) returns, when the caller has it already.
        """
        email, phone = index_keys if index_keys is not None else self.index_keys(row)
        return email, row.get("external_id"), phone or row.get("phone_normalized")

    def add(self, keys: tuple[Any, Any, Any]) -> None:
        email, external_id, phone = keys
        if email:
            self._emails.add(email)
        if external_id:
            self._external_ids.add(external_id)
        if phone:
            self._phones.add(phone)

    def has_any(self, keys: tuple[Any, Any, Any]) -> bool:
        email, external_id, phone = keys
        if email and email in self._emails:
            return True
        if external_id and external_id in self._external_ids:
            return True
        return bool(phone) and phone in self._phones


def _stop_response_clock(target: dict[str, Any]) -> dict[str, Any]:
    """Clear the deadlines of a lead that merge_into moved past the stage "new"; return their values before.

    A lead that an import creates in a later stage gets no deadline (ResponseClocks.start_all),
    so an existing lead that an import moves there loses its deadline the same way and
    leaves the inbox's waiting list. The caller records the values before as import
    changes, so that undoing the import restores the deadlines with the stage.
    """
    before: dict[str, Any] = {}
    if target.get("stage") in (None, "new"):
        return before
    for name in CLOCK_COLUMNS:
        if target.get(name) is not None:
            before[name] = target[name]
            target[name] = None
    return before


def _field_value(row: dict[str, Any], name: str) -> Any:
    if name.startswith("custom:"):
        return (row.get("custom_fields") or {}).get(name[len("custom:"):])
    return row.get(name)


def to_json_value(value: Any) -> Any:
    """Return a lead value as JSON: ids and instants as text, everything else unchanged."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
