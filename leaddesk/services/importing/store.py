"""Writing lead drafts to the database in chunks: match, create, update or skip.

A draft matches an existing lead by normalized e-mail, else by external id, else by its
identity (see identity_key), looked up in bulk per chunk. New leads, their import
activities and updates go in with Core executemany, which is several times faster than
adding ORM objects one by one.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from leaddesk.models import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, Activity, ActivityKind, Lead, Rep
from leaddesk.services.importing.bulk import BulkInsert
from leaddesk.services.importing.ids import OrderedIds
from leaddesk.services.importing.rows import LeadDraft
from leaddesk.services.playbook import Playbook
from leaddesk.services.sla import start_response_clock

logger = logging.getLogger(__name__)

# Lead columns that an import may fill and a re-import may change.
DATA_COLUMNS = (
    "external_id",
    *NAME_FIELDS,
    "email",
    "email_normalized",
    "phone",
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

# Columns read from an existing lead to compare a re-imported row with it.
_EXISTING_COLUMNS = ("id", *DATA_COLUMNS, "custom_fields", "deleted_at")

# The identity of a lead with neither e-mail nor external id: its names, company, phone and LinkedIn URL.
IDENTITY_FIELDS = ("first_name", "last_name", "full_name", "company", "phone", "linkedin_url")

# Response clocks remembered by their inputs; the memo starts over when it grows past this.
CLOCK_MEMO_MAX_ENTRIES = 10_000

_NON_DIGITS = re.compile(r"\D+")


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    matched_deleted: int = 0


def identity_key(fields: dict[str, Any], custom: dict[str, Any]) -> tuple | None:
    """Return the key that ties a lead without e-mail or external id to its row on a re-import.

    Names, company and LinkedIn URL compare casefolded with whitespace collapsed, and phones
    by their digits. A lead without any of these is identified by its custom fields.
    """
    parts = []
    for name in IDENTITY_FIELDS:
        value = fields.get(name)
        if not value:
            parts.append("")
        elif name == "phone":
            parts.append(_NON_DIGITS.sub("", str(value)))
        else:
            parts.append(" ".join(str(value).casefold().split()))
    if any(parts):
        return tuple(parts)
    if custom:
        return ("custom", tuple(sorted((str(key), str(value)) for key, value in custom.items())))
    return None


class LeadWriter:
    """Writes drafts for one import batch inside the caller's session and transaction."""

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
    ) -> None:
        self.session = session
        self.batch_id = batch_id
        self.now = now
        self.actor = actor
        self.playbook = playbook
        self.historical = historical
        self.log_activities = log_activities
        self.source_label = source_label
        self.leads = Lead.__table__
        self._reps = self._load_reps()
        self._identities: dict[tuple, list[dict[str, Any]]] | None = None
        self._clock_cache: dict[tuple, tuple[str, datetime | None, datetime | None]] = {}
        # start_response_clock takes a Lead; one transient instance serves every row.
        self._scratch = Lead()
        self._update_statement = self._build_update()
        self._ids = OrderedIds(now)
        self._insert_leads = BulkInsert(session, self.leads, NEW_LEAD_COLUMNS)
        self._insert_activities = BulkInsert(session, Activity.__table__, ACTIVITY_COLUMNS)

    def write(self, drafts: list[LeadDraft]) -> ChunkResult:
        """Match, create or update the leads of one chunk of drafts, in row order."""
        result = ChunkResult()
        self._resolve_owners(drafts)
        by_email, by_external = self._existing_matches(drafts)

        new_rows: list[dict[str, Any]] = []
        new_by_email: dict[str, dict[str, Any]] = {}
        new_by_external: dict[str, dict[str, Any]] = {}
        changed: dict[uuid.UUID, dict[str, Any]] = {}

        for draft in drafts:
            email = draft.fields.get("email_normalized")
            external = draft.fields.get("external_id")

            pending = (email and new_by_email.get(email)) or (external and new_by_external.get(external))
            if pending is not None:
                if merge_into(pending, draft):
                    result.updated += 1
                else:
                    result.skipped += 1
                self._index(pending, new_by_email, new_by_external)
                continue

            existing = (email and by_email.get(email)) or (external and by_external.get(external))
            if existing is None:
                existing = self._take_identity_match(draft)
            if existing is not None:
                if existing["deleted_at"] is not None:
                    result.matched_deleted += 1
                    result.skipped += 1
                elif merge_into(existing, draft):
                    changed[existing["id"]] = existing
                    result.updated += 1
                else:
                    result.skipped += 1
                self._index(existing, by_email, by_external)
                continue

            row = self._new_row(draft)
            new_rows.append(row)
            self._index(row, new_by_email, new_by_external)
            result.created += 1

        self._insert_new(new_rows)
        self._apply_updates(changed.values())
        return result

    # Matching

    def _existing_matches(
        self, drafts: list[LeadDraft]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        emails = {draft.fields["email_normalized"] for draft in drafts if draft.fields.get("email_normalized")}
        externals = {draft.fields["external_id"] for draft in drafts if draft.fields.get("external_id")}
        if not emails and not externals:
            return {}, {}

        columns = self.leads.c
        condition = or_(columns.email_normalized.in_(emails), columns.external_id.in_(externals))
        query = select(*(columns[name] for name in _EXISTING_COLUMNS)).where(condition).order_by(columns.created_at)
        found = [dict(zip(_EXISTING_COLUMNS, row)) for row in self.session.execute(query).all()]

        by_email: dict[str, dict[str, Any]] = {}
        by_external: dict[str, dict[str, Any]] = {}
        # Live leads win over deleted ones with the same key; among equals the oldest lead wins.
        for row in sorted(found, key=lambda item: item["deleted_at"] is not None):
            self._index(row, by_email, by_external)
        return by_email, by_external

    @staticmethod
    def _index(
        row: dict[str, Any], by_email: dict[str, dict[str, Any]], by_external: dict[str, dict[str, Any]]
    ) -> None:
        if row.get("email_normalized"):
            by_email.setdefault(row["email_normalized"], row)
        if row.get("external_id"):
            by_external.setdefault(row["external_id"], row)

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

    def _new_row(self, draft: LeadDraft) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(DATA_COLUMNS)
        row.update(draft.fields)
        row.pop("received_at", None)
        row["id"] = self._ids.new()
        row["stage"] = row["stage"] or "new"
        row["custom_fields"] = dict(draft.custom)
        row["received_at"] = draft.fields.get("received_at") or self.now
        row["score"] = 0
        row["first_contacted_at"] = None
        row["next_follow_up_at"] = None
        row["import_batch_id"] = self.batch_id
        row["created_at"] = self.now
        row["updated_at"] = self.now
        row["updated_by"] = self.actor
        row["row_version"] = 1
        row["deleted_at"] = None
        row["_row"] = draft.row
        return row

    def _insert_new(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        activities = []
        for row in rows:
            self._start_clock(row)
            source_row = row.pop("_row")
            if self.log_activities:
                activities.append(
                    {
                        "id": self._ids.new(),
                        "lead_id": row["id"],
                        "kind": ActivityKind.IMPORT.value,
                        "occurred_at": self.now,
                        "summary": f"Imported from {self.source_label}, row {source_row}",
                        "actor": self.actor,
                        "created_at": self.now,
                    }
                )
        self._insert_leads.execute(rows)
        self._insert_activities.execute(activities)

    def _start_clock(self, row: dict[str, Any]) -> None:
        """Set the row's segment and response deadlines with the SLA rules, caching equal inputs.

        A lead that arrives in a later stage than "new" was already worked in another tool,
        so it gets no response deadline, as historical leads do.
        """
        historical = self.historical or row["stage"] != "new"
        # Without a deadline the clock depends only on the segment inputs, so most rows share a result.
        received_at = None if historical else row["received_at"]
        key = (row["employee_count"], row["source"], row["segment"], received_at, historical)
        clock = self._clock_cache.get(key)
        if clock is None:
            scratch = self._scratch
            scratch.employee_count = row["employee_count"]
            scratch.source = row["source"]
            scratch.segment = row["segment"]
            scratch.received_at = row["received_at"]
            scratch.first_contacted_at = None
            start_response_clock(scratch, self.playbook, historical=historical)
            clock = (scratch.segment, scratch.response_due_at, scratch.response_warn_at)
            if len(self._clock_cache) >= CLOCK_MEMO_MAX_ENTRIES:
                self._clock_cache.clear()
            self._clock_cache[key] = clock
        row["segment"], row["response_due_at"], row["response_warn_at"] = clock

    def _build_update(self):
        columns = self.leads.c
        values = {name: bindparam(f"new_{name}", type_=columns[name].type) for name in DATA_COLUMNS}
        values["custom_fields"] = bindparam("new_custom_fields", type_=columns.custom_fields.type)
        values["updated_at"] = bindparam("new_updated_at", type_=columns.updated_at.type)
        values["updated_by"] = bindparam("new_updated_by", type_=columns.updated_by.type)
        values["row_version"] = columns.row_version + 1
        return (
            update(self.leads)
            .where(columns.id == bindparam("lead_id", type_=columns.id.type))
            .values(values)
        )

    def _apply_updates(self, rows: Iterable[dict[str, Any]]) -> None:
        parameters = []
        for row in rows:
            item = {f"new_{name}": row[name] for name in DATA_COLUMNS}
            item["new_custom_fields"] = row["custom_fields"]
            item["new_updated_at"] = self.now
            item["new_updated_by"] = self.actor
            item["lead_id"] = row["id"]
            parameters.append(item)
        if parameters:
            self.session.execute(self._update_statement, parameters)


def merge_into(target: dict[str, Any], draft: LeadDraft) -> bool:
    """Copy the draft's non-empty values that differ into target; return whether any did.

    Empty values never overwrite, received_at never changes after creation, and the stage
    changes only while the lead is still "new", so a file never undoes work done in LeadDesk.
    """
    changed = False
    for name, value in draft.fields.items():
        if name in ("received_at", "email"):
            continue
        if name == "email_normalized":
            if target.get("email_normalized") != value:
                target["email"] = draft.fields["email"]
                target["email_normalized"] = value
                changed = True
            continue
        if name == "stage":
            if target.get("stage") in (None, "new") and value != "new":
                target["stage"] = value
                changed = True
            continue
        if target.get(name) != value:
            target[name] = value
            changed = True

    custom = dict(target.get("custom_fields") or {})
    for key, value in draft.custom.items():
        if custom.get(key) != value:
            custom[key] = value
            changed = True
    target["custom_fields"] = custom
    return changed
