"""Merging duplicate leads into a survivor without losing values or attached rows, recorded for undo."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, DedupDecision, Lead, MergeOperation, utc_now
from leaddesk.services.dedup.merge_rows import move_attached_rows
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.presets import CHOSEN_FIELDS, PRESETS, FieldValues, PresetError, choose_winners
from leaddesk.services.dedup.snapshot import BOOKKEEPING_COLUMNS, earliest_open_follow_up, lead_state
from leaddesk.services.playbook import Playbook
from leaddesk.services.playbook.store import load_playbook
from leaddesk.services.sla import compute_response_clock

logger = logging.getLogger(__name__)

class MergeError(ValueError):
    """A merge that cannot be done; the message names the lead or option and the fix."""


@dataclass(frozen=True)
class MergeResult:
    operation_id: uuid.UUID
    survivor_id: uuid.UUID
    merged_ids: tuple[uuid.UUID, ...]
    changed_fields: tuple[str, ...]


def merge_leads(
    session: Session,
    survivor_id: uuid.UUID,
    other_ids: list[uuid.UUID],
    *,
    preset: str = "survivor",
    overrides: dict[str, uuid.UUID] | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> MergeResult:
    """Merge other_ids into survivor_id and return the recorded operation.

    Each field in CHOSEN_FIELDS takes the value of its winner. overrides maps a field to the
    lead whose value wins, and the preset picks the others. "survivor" keeps the survivor's
    value unless it is empty, "newest" takes the most recently updated lead's, and
    "complete" takes the value of the lead with the most filled fields. E-mails and phones that lose are kept in
    secondary_values, custom fields and notes are combined, and the response clock keeps
    the earliest received_at and first_contacted_at. An uncontacted survivor's response
    deadline is computed again from that received_at with the active playbook.
    """
    now = now or utc_now()
    overrides = overrides or {}
    survivor, others = _load(session, survivor_id, other_ids, preset, overrides)
    leads = [survivor, *others]

    before = lead_state(survivor)
    merged_before = {str(other.id): lead_state(other) for other in others}

    contacts = _all_contacts(leads)
    _choose_fields(survivor, leads, preset, overrides)
    _keep_losing_contacts(survivor, contacts)
    _combine_custom_and_notes(survivor, others)
    _keep_earliest_clock(survivor, others, load_playbook(session))
    survivor.score = max(lead.score or 0 for lead in leads)

    attached = move_attached_rows(session, survivor.id, [other.id for other in others], now)
    decisions = _move_decisions(session, survivor, others)
    repointed = _repoint_earlier_merges(session, survivor, others)

    for other in others:
        other.deleted_at = now
        other.merged_into_id = survivor.id
        other.updated_by = actor
    survivor.next_follow_up_at = earliest_open_follow_up(session, survivor.id)
    survivor.email_normalized = survivor.email.strip().casefold() if survivor.email else None
    normalize_lead_keys(survivor)
    survivor.updated_by = actor
    session.flush()

    after = lead_state(survivor)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name] and name not in BOOKKEEPING_COLUMNS}
    operation = MergeOperation(
        survivor_id=survivor.id,
        merged_ids=[str(other.id) for other in others],
        preset=preset,
        created_at=now,
        created_by=actor,
        snapshot={
            "survivor": changed,
            "merged": {key: {name: state[name] for name in ("deleted_at", "merged_into_id", "updated_by")} for key, state in merged_before.items()},
            "merged_state": merged_before,
            "moved": attached["moved"],
            "replaced": attached["replaced"],
            "enrollments": attached["enrollments"],
            "decisions": decisions,
            "repointed": repointed,
        },
    )
    session.add(operation)

    names = ", ".join(other.display_name for other in others)
    session.add(
        Activity(lead_id=survivor.id, kind=ActivityKind.MERGE.value, occurred_at=now, summary=f"Merged {names} into this lead", actor=actor)
    )
    session.flush()
    logger.info("merged %s into %s as operation %s (%d fields changed)", [str(o.id) for o in others], survivor.id, operation.id, len(changed))
    return MergeResult(operation.id, survivor.id, tuple(other.id for other in others), tuple(sorted(changed)))


def _load(
    session: Session, survivor_id: uuid.UUID, other_ids: list[uuid.UUID], preset: str, overrides: dict[str, uuid.UUID]
) -> tuple[Lead, list[Lead]]:
    if preset not in PRESETS:
        raise MergeError(f"unknown merge preset {preset!r}; use one of {', '.join(PRESETS)}")
    if not other_ids:
        raise MergeError("no lead to merge into the survivor; give at least one other lead id")
    if survivor_id in other_ids or len(set(other_ids)) != len(other_ids):
        raise MergeError("a lead id was given twice; give the survivor once and each other lead once")

    leads = []
    for lead_id in (survivor_id, *other_ids):
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise MergeError(f"lead {lead_id} not found; list duplicates with 'leaddesk dedupe'")
        if lead.deleted_at is not None:
            where = f" into {lead.merged_into_id}" if lead.merged_into_id else ""
            raise MergeError(f"lead {lead_id} was already deleted or merged{where}; merge the surviving lead instead")
        leads.append(lead)

    merged_ids = {lead.id for lead in leads}
    for name, winner in overrides.items():
        if name not in CHOSEN_FIELDS:
            raise MergeError(f"field {name!r} cannot be chosen; choose one of {', '.join(CHOSEN_FIELDS)}")
        if winner not in merged_ids:
            raise MergeError(f"the winner {winner} of field {name!r} is not one of the merged leads; pick one of them")
    return leads[0], leads[1:]


def _choose_fields(survivor: Lead, leads: list[Lead], preset: str, overrides: dict[str, uuid.UUID]) -> None:
    by_id = {lead.id: lead for lead in leads}
    try:
        winners = choose_winners([FieldValues.of(lead) for lead in leads], preset, overrides)
    except PresetError as error:
        raise MergeError(str(error)) from None
    for name, winner in winners.items():
        value = getattr(by_id[winner], name)
        if value != getattr(survivor, name):
            setattr(survivor, name, value)


def _all_contacts(leads: list[Lead]) -> dict[str, list[str]]:
    """Return every e-mail and phone of the leads, their secondary ones included, before any field is chosen."""
    contacts: dict[str, list[str]] = {"email": [], "phone": []}
    for field, key in (("email", "emails"), ("phone", "phones")):
        for lead in leads:
            for value in [getattr(lead, field), *((lead.secondary_values or {}).get(key, []))]:
                if value and value not in contacts[field]:
                    contacts[field].append(value)
    return contacts


def _keep_losing_contacts(survivor: Lead, contacts: dict[str, list[str]]) -> None:
    secondary = {}
    for field, key in (("email", "emails"), ("phone", "phones")):
        losing = [value for value in contacts[field] if value != getattr(survivor, field)]
        if losing:
            secondary[key] = losing
    survivor.secondary_values = secondary


def _combine_custom_and_notes(survivor: Lead, others: list[Lead]) -> None:
    custom = dict(survivor.custom_fields or {})
    for other in others:
        for key, value in (other.custom_fields or {}).items():
            if key not in custom or custom[key] in (None, ""):
                custom[key] = value
            elif custom[key] != value:
                # Keep the losing value under a second key rather than drop it.
                custom.setdefault(f"{key} (merged)", value)
    survivor.custom_fields = custom

    notes = [survivor.notes] if survivor.notes else []
    for other in others:
        if other.notes and other.notes not in notes:
            notes.append(other.notes)
    survivor.notes = "\n\n".join(notes) if notes else None


def _keep_earliest_clock(survivor: Lead, others: list[Lead], playbook: Playbook) -> None:
    """Keep the earliest received_at and first contact of all the leads, and recompute the deadline.

    An uncontacted survivor's response_due_at and response_warn_at are computed from the
    earliest received_at with its segment's rule. An earlier deadline of any of the leads
    still wins, so a breached response time remains breached after the merge. When none of
    the leads had a deadline (all historical or contacted), none is set.
    """
    leads = [survivor, *others]
    earliest = {}
    for name in ("received_at", "response_due_at", "response_warn_at", "first_contacted_at"):
        values = [getattr(lead, name) for lead in leads if getattr(lead, name) is not None]
        earliest[name] = min(values) if values else None

    survivor.received_at = earliest["received_at"]
    survivor.first_contacted_at = earliest["first_contacted_at"]
    if earliest["first_contacted_at"] is not None or earliest["response_due_at"] is None or earliest["received_at"] is None:
        due_at, warn_at = earliest["response_due_at"], earliest["response_warn_at"]
    else:
        clock = compute_response_clock(playbook.segment(survivor.segment), earliest["received_at"], playbook)
        due_at = min(clock.due_at, earliest["response_due_at"])
        warn_at = min(clock.warn_at, earliest["response_warn_at"]) if earliest["response_warn_at"] else clock.warn_at
    survivor.response_due_at = due_at
    survivor.response_warn_at = warn_at


def _move_decisions(session: Session, survivor: Lead, others: list[Lead]) -> dict[str, list[list[Any]]]:
    """Move "not a duplicate" decisions to the survivor and return the rows removed and added."""
    other_ids = {other.id for other in others}
    removed, added = [], []
    rows = session.scalars(
        select(DedupDecision).where(DedupDecision.lead_low_id.in_(other_ids) | DedupDecision.lead_high_id.in_(other_ids))
    ).all()
    for row in rows:
        removed.append([str(row.lead_low_id), str(row.lead_high_id), row.decision, row.decided_at.isoformat(), row.decided_by])
        partner = row.lead_high_id if row.lead_low_id in other_ids else row.lead_low_id
        session.delete(row)
        if partner in other_ids or partner == survivor.id:
            continue
        low, high = sorted((survivor.id, partner))
        if session.get(DedupDecision, (low, high)) is None:
            session.add(DedupDecision(lead_low_id=low, lead_high_id=high, decision=row.decision, decided_at=row.decided_at, decided_by=row.decided_by))
            added.append([str(low), str(high)])
    session.flush()
    return {"removed": removed, "added": added}


def _repoint_earlier_merges(session: Session, survivor: Lead, others: list[Lead]) -> dict[str, str]:
    """Point leads merged earlier into one of others at the survivor, and return their old targets."""
    other_ids = [other.id for other in others]
    rows = session.execute(select(Lead.id, Lead.merged_into_id).where(Lead.merged_into_id.in_(other_ids))).all()
    for lead_id, _target in rows:
        session.get(Lead, lead_id).merged_into_id = survivor.id
    return {str(lead_id): str(target) for lead_id, target in rows}
