"""The import policy: the action for a row that matches an existing lead (update, skip, or create anyway)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leaddesk.services.importing.mapping import CUSTOM_PREFIX, LEAD_FIELDS

# The name in fill_blanks_only that covers every custom field.
CUSTOM_FIELDS = "custom"

# Fields an update never changes, whatever the policy: received_at is fixed at creation.
NEVER_UPDATED = frozenset({"received_at"})

# Lead fields that fill_blanks_only accepts.
UPDATABLE_FIELDS = tuple(name for name in LEAD_FIELDS if name not in NEVER_UPDATED)


class PolicyError(ValueError):
    """An import policy with an unknown setting; the message names it and the accepted values."""


class OnMatch(str, enum.Enum):
    """The action for a row that matches an existing lead by e-mail, external id, phone or identity."""

    UPDATE = "update"
    SKIP = "skip"
    CREATE = "create"


@dataclass(frozen=True)
class ImportPolicy:
    """The treatment of rows that match existing leads.

    on_match UPDATE copies the row's non-empty values into the lead, SKIP leaves the lead
    as it is, and CREATE makes a new lead for every row without looking for matches.
    fill_blanks_only names the fields an update may only fill when the lead has no value:
    lead fields of UPDATABLE_FIELDS, "custom" for every custom field, or "custom:<key>".
    """

    on_match: OnMatch = OnMatch.UPDATE
    fill_blanks_only: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "on_match", _parse_on_match(self.on_match))
        for name in self.fill_blanks_only:
            _check_field_name(name)

    @classmethod
    def build(cls, on_match: OnMatch | str = OnMatch.UPDATE, fill_blanks_only: bool | Iterable[str] = False) -> ImportPolicy:
        """Return a policy; fill_blanks_only=True means every field, False means none.

        Raises PolicyError for an unknown on_match value or field name.
        """
        if fill_blanks_only is True:
            names = frozenset(UPDATABLE_FIELDS) | {CUSTOM_FIELDS}
        elif fill_blanks_only is False:
            names = frozenset()
        else:
            names = frozenset(name.strip() for name in fill_blanks_only if name.strip())
        return cls(on_match=_parse_on_match(on_match), fill_blanks_only=names)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ImportPolicy:
        """Return the policy that to_dict() stored; None gives the default policy of older batches."""
        if not data:
            return cls()
        return cls.build(data.get("on_match", OnMatch.UPDATE.value), data.get("fill_blanks_only", ()))

    def to_dict(self) -> dict[str, Any]:
        return {"on_match": self.on_match.value, "fill_blanks_only": sorted(self.fill_blanks_only)}

    def only_fills_blanks(self, name: str) -> bool:
        """Return whether an update may set the lead field or "custom:<key>" only while it is empty."""
        if name in self.fill_blanks_only:
            return True
        return name.startswith(CUSTOM_PREFIX) and CUSTOM_FIELDS in self.fill_blanks_only

    def describe(self) -> str:
        """Return the policy in a few words for logs, such as "update matching leads, filling empty fields only"."""
        text = {
            OnMatch.UPDATE: "update matching leads",
            OnMatch.SKIP: "skip rows that match a lead",
            OnMatch.CREATE: "create a lead for every row",
        }[self.on_match]
        if self.on_match is OnMatch.UPDATE and self.fill_blanks_only:
            if self.fill_blanks_only >= frozenset(UPDATABLE_FIELDS) | {CUSTOM_FIELDS}:
                text += ", filling empty fields only"
            else:
                text += f", filling only empty {', '.join(sorted(self.fill_blanks_only))}"
        return text


def _parse_on_match(value: OnMatch | str) -> OnMatch:
    try:
        return OnMatch(value)
    except ValueError:
        choices = ", ".join(choice.value for choice in OnMatch)
        raise PolicyError(f"invalid on-match action {value!r}; use one of: {choices}") from None


def _check_field_name(name: str) -> None:
    if name in UPDATABLE_FIELDS or name == CUSTOM_FIELDS:
        return
    if name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
        return
    raise PolicyError(
        f"invalid field {name!r} for fill-blanks-only; use lead fields ({', '.join(UPDATABLE_FIELDS)}), "
        f"{CUSTOM_FIELDS!r} for every custom field, or custom:<key> for one"
    )
