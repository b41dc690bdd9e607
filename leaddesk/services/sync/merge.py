"""Merge rules for synced rows: per-field last-writer-wins by hybrid logical clock, and delete versus edit.

A winner is stored as [encoded value, hlc, device_id, change_id]. The order of
(hlc, device_id, change_id) is total, so every device picks the same winner from the same
set of changes, whatever order they arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from leaddesk.services.sync.fields import DELETE_FIELDS, DELETED_FIELD, LEAD_FIELDS

Winner = list[Any]


@dataclass(frozen=True)
class Change:
    """One field change as it travels in a segment file."""

    change_id: str
    device_id: str
    person: str
    hlc: str
    entity: str
    row_id: str
    field: str
    value: Any
    old: Any
    # Only on a delete: {device_id: highest clock applied from that device} when it was made.
    seen: dict[str, str] | None = None

    def order_key(self) -> tuple[str, str, str]:
        return (self.hlc, self.device_id, self.change_id)

    def to_json(self) -> dict[str, Any]:
        document = {
            "id": self.change_id,
            "device": self.device_id,
            "person": self.person,
            "hlc": self.hlc,
            "entity": self.entity,
            "row": self.row_id,
            "field": self.field,
            "value": self.value,
            "old": self.old,
        }
        if self.seen is not None:
            document["seen"] = self.seen
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Change:
        return cls(
            change_id=str(document["id"]),
            device_id=str(document["device"]),
            person=str(document["person"]),
            hlc=str(document["hlc"]),
            entity=str(document["entity"]),
            row_id=str(document["row"]),
            field=str(document["field"]),
            value=document.get("value"),
            old=document.get("old"),
            seen=document.get("seen"),
        )


def winner_of(change: Change) -> Winner:
    return [change.value, change.hlc, change.device_id, change.change_id]


def beats(change: Change, winner: Winner | None) -> bool:
    """Return whether change is later than the current winner of its field."""
    if winner is None:
        return True
    return change.order_key() > (winner[1], winner[2], winner[3])


def is_concurrent_edit(later: Change, earlier: Winner) -> bool:
    """Guess whether two changes of one field were made without seeing each other.

    The later change is sequential when its author saw the earlier value (its old value
    equals it). This only decides whether a conflict is recorded; the winner stays the same.
    """
    return later.device_id != earlier[2] and later.old != earlier[0] and later.value != earlier[0]


@dataclass(frozen=True)
class EditClock:
    """The device and clock of an edit to a field outside DELETE_FIELDS."""

    device_id: str
    hlc: str
    change_id: str


def reviving_edit(delete: Change | None, delete_winner: Winner, edits: Iterable[EditClock]) -> EditClock | None:
    """Return the first edit that the deleting device had not seen, which brings the row back.

    delete is the winning change of deleted_at with its seen map. An edit made on another
    device after the last change of that device the deleter had applied was concurrent with
    the delete, so the edit wins and the row is not deleted.
    """
    if delete_winner[0] is None:
        return None
    seen = (delete.seen if delete is not None else None) or {}
    concurrent = [
        edit for edit in edits if edit.device_id != delete_winner[2] and edit.hlc > seen.get(edit.device_id, "")
    ]
    return min(concurrent, key=lambda edit: (edit.hlc, edit.device_id, edit.change_id)) if concurrent else None


def resolve_values(
    winners: dict[str, Winner], revived: bool, fields: Iterable[str] = LEAD_FIELDS, delete_fields: Iterable[str] = DELETE_FIELDS
) -> dict[str, Any]:
    """Return the encoded value of every synced field as the row should hold it."""
    values = {field: (winners[field][0] if field in winners else None) for field in fields}
    if revived:
        for field in delete_fields:
            values[field] = None
    return values


def is_deleted(values: dict[str, Any], delete_field: str = DELETED_FIELD) -> bool:
    return values.get(delete_field) is not None
