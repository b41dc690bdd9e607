"""Per-field winners of a merge: the presets and the per-field overrides."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leaddesk.models import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, Lead

# "survivor" keeps the survivor's value unless it is empty, "newest" takes the value of the
# most recently updated lead, and "complete" takes the value of the lead with the most
# filled fields. In every preset an empty value never wins over a filled one.
PRESETS = ("survivor", "newest", "complete")
PRESET_LABELS = {"survivor": "Keep survivor", "newest": "Newest", "complete": "Most complete"}

# Fields whose value comes from one winning lead, chosen by the preset or an override.
CHOSEN_FIELDS = (
    "external_id",
    *NAME_FIELDS,
    "email",
    "phone",
    *COMPANY_AND_PLACE_FIELDS,
    "employee_count",
    "source",
    "segment",
    "stage",
    "owner_id",
)


class PresetError(ValueError):
    """An unknown preset, an unknown field, or an override naming a lead outside the merge."""


@dataclass(frozen=True)
class FieldValues:
    """The values of CHOSEN_FIELDS of one lead, with the time it was last updated."""

    lead_id: uuid.UUID
    updated_at: datetime
    values: Mapping[str, Any]

    @classmethod
    def of(cls, lead: Lead) -> FieldValues:
        return cls(lead.id, lead.updated_at, {name: getattr(lead, name) for name in CHOSEN_FIELDS})

    def filled_count(self) -> int:
        return sum(1 for name in CHOSEN_FIELDS if is_filled(self.values.get(name)))


def is_filled(value: Any) -> bool:
    return value is not None and value != ""


def ranked(leads: Sequence[FieldValues], preset: str) -> list[FieldValues]:
    """Return the leads in the order the preset prefers their values. The first lead, the survivor, wins ties."""
    if preset not in PRESETS:
        raise PresetError(f"unknown merge preset {preset!r}; use one of {', '.join(PRESETS)}")
    if preset == "newest":
        return sorted(leads, key=lambda lead: lead.updated_at, reverse=True)
    if preset == "complete":
        return sorted(leads, key=FieldValues.filled_count, reverse=True)
    return list(leads)


def choose_winners(
    leads: Sequence[FieldValues], preset: str, overrides: Mapping[str, uuid.UUID] | None = None
) -> dict[str, uuid.UUID]:
    """Return, for each field in CHOSEN_FIELDS, the id of the lead whose value the merge keeps.

    leads[0] is the survivor. An override wins over the preset, even with an empty value.
    Without an override the first lead in the preset's order with a filled value wins, and
    the survivor wins a field that no lead has filled.
    """
    if not leads:
        raise PresetError("no leads to choose values from; give the survivor and at least one other lead")
    overrides = dict(overrides or {})
    ids = {lead.lead_id for lead in leads}
    for name, winner in overrides.items():
        if name not in CHOSEN_FIELDS:
            raise PresetError(f"field {name!r} cannot be chosen; choose one of {', '.join(CHOSEN_FIELDS)}")
        if winner not in ids:
            raise PresetError(f"the winner {winner} of field {name!r} is not one of the merged leads; pick one of them")

    order = ranked(leads, preset)
    winners = {}
    for name in CHOSEN_FIELDS:
        if name in overrides:
            winners[name] = overrides[name]
            continue
        filled = next((lead for lead in order if is_filled(lead.values.get(name))), None)
        winners[name] = filled.lead_id if filled is not None else leads[0].lead_id
    return winners
