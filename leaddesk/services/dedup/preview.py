"""The preview of a planned merge: each lead's values, contacts and attached rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, FollowUp, Lead, Rep
from leaddesk.services.dedup.merge import MergeError
from leaddesk.services.dedup.presets import FieldValues, is_filled
from leaddesk.services.playbook import load_playbook


@dataclass(frozen=True)
class MergeCandidate:
    """One lead of a planned merge, with the counts of the rows that move to the survivor."""

    fields: FieldValues
    name: str
    received_at: datetime
    secondary_emails: tuple[str, ...]
    secondary_phones: tuple[str, ...]
    activity_count: int
    open_follow_up_count: int
    follow_up_count: int

    @property
    def lead_id(self) -> uuid.UUID:
        return self.fields.lead_id


@dataclass(frozen=True)
class MergePreview:
    """The leads of a planned merge in the order requested, and the names of the reps that own them."""

    candidates: tuple[MergeCandidate, ...]
    owner_names: Mapping[uuid.UUID, str]
    # Segment keys mapped to their playbook labels; a key missing here shows as itself.
    segment_labels: Mapping[str, str] = field(default_factory=dict)

    def candidate(self, lead_id: uuid.UUID) -> MergeCandidate:
        return next(candidate for candidate in self.candidates if candidate.lead_id == lead_id)

    def display_value(self, lead_id: uuid.UUID, field: str) -> str:
        """Return a field's value as text for the dialog: the owner's name for owner_id, "" when empty."""
        value = self.candidate(lead_id).fields.values.get(field)
        if not is_filled(value):
            return ""
        if field == "owner_id":
            return self.owner_names.get(value, str(value))
        if field == "segment":
            return self.segment_labels.get(value, str(value))
        return str(value)

    def kept_contacts(self, winners: Mapping[str, uuid.UUID]) -> dict[str, list[str]]:
        """Return the e-mails and phones that the merge keeps as secondary values, given the field winners.

        The rule is the one merge_leads applies: every e-mail or phone of every lead, its
        secondary ones included, that is not the winning value.
        """
        kept: dict[str, list[str]] = {"emails": [], "phones": []}
        for field, key, attribute in (("email", "emails", "secondary_emails"), ("phone", "phones", "secondary_phones")):
            winner = winners.get(field)
            winning = self.candidate(winner).fields.values.get(field) if winner else None
            for candidate in self.candidates:
                for value in (candidate.fields.values.get(field), *getattr(candidate, attribute)):
                    if is_filled(value) and value != winning and value not in kept[key]:
                        kept[key].append(value)
        return kept


def load_merge_preview(session: Session, lead_ids: Sequence[uuid.UUID]) -> MergePreview:
    """Read the leads of a planned merge, or raise MergeError naming a lead that is missing or merged."""
    if len(set(lead_ids)) < 2:
        raise MergeError("a merge needs at least two different leads; select the survivor and a duplicate")
    leads = []
    for lead_id in lead_ids:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise MergeError(f"lead {lead_id} not found; scan for duplicates again")
        if lead.deleted_at is not None:
            raise MergeError(f"lead {lead.display_name} ({lead_id}) was already deleted or merged; scan for duplicates again")
        leads.append(lead)

    activities = _counts(session, Activity.lead_id, lead_ids)
    follow_ups = _counts(session, FollowUp.lead_id, lead_ids)
    open_follow_ups = _counts(session, FollowUp.lead_id, lead_ids, FollowUp.completed_at.is_(None))
    owner_ids = {lead.owner_id for lead in leads if lead.owner_id is not None}
    owner_names = dict(session.execute(select(Rep.id, Rep.name).where(Rep.id.in_(owner_ids))).all()) if owner_ids else {}

    candidates = tuple(
        MergeCandidate(
            fields=FieldValues.of(lead),
            name=lead.display_name,
            received_at=lead.received_at,
            secondary_emails=tuple((lead.secondary_values or {}).get("emails", [])),
            secondary_phones=tuple((lead.secondary_values or {}).get("phones", [])),
            activity_count=activities.get(lead.id, 0),
            open_follow_up_count=open_follow_ups.get(lead.id, 0),
            follow_up_count=follow_ups.get(lead.id, 0),
        )
        for lead in leads
    )
    segment_labels = {rule.key: rule.label for rule in load_playbook(session).segments}
    return MergePreview(candidates, owner_names, segment_labels)


def _counts(session: Session, column: Any, lead_ids: Sequence[uuid.UUID], *conditions: Any) -> dict[uuid.UUID, int]:
    query = select(column, func.count()).where(column.in_(lead_ids), *conditions).group_by(column)
    return dict(session.execute(query).all())
