"""Merging an imported row into an existing lead row, as the import policy allows."""

from __future__ import annotations

from typing import Any

from leaddesk.models import normalize_phone
from leaddesk.services.dedup.normalize import match_email
from leaddesk.services.importing.mapping import CUSTOM_PREFIX
from leaddesk.services.importing.policy import ImportPolicy
from leaddesk.services.importing.rows import LeadDraft

_DEFAULT_POLICY = ImportPolicy()

# Draft fields that merge_into never copies: received_at is fixed, and these follow other fields.
_NOT_MERGED = frozenset({"received_at", "email", "phone_normalized"})

# Stages that close a lead. A CRM export is where deals are marked won or lost, so a file
# may set these on a lead past "new". It never reopens a closed lead or moves it back.
CLOSING_STAGES = frozenset({"won", "lost", "disqualified"})

# Policy field names of lead columns whose name differs from the field a column maps to.
_POLICY_NAMES = {"owner_id": "owner", "email_normalized": "email"}


def merge_into(target: dict[str, Any], draft: LeadDraft, policy: ImportPolicy | None = None) -> dict[str, Any]:
    """Copy the draft's values into target and return {field: value before} for each field that changed.

    Empty values never overwrite, and received_at never changes after creation. The stage
    changes while the lead is still "new", and later only to a closing stage (CLOSING_STAGES)
    of a lead that is not closed yet, so a file never undoes work done in LeadDesk.
    A field that the policy marks fill-blanks-only is set only while target has no value.
    Custom fields appear in the result as "custom:<key>", with None for a key that was missing.
    """
    policy = policy or _DEFAULT_POLICY
    # Most imports set no fill-blanks field, so the policy is asked only when it has some.
    blanks_only = policy.only_fills_blanks if policy.fill_blanks_only else None
    before: dict[str, Any] = {}

    for name, value in draft.fields.items():
        if name in _NOT_MERGED:
            continue
        if blanks_only is not None and blanks_only(_POLICY_NAMES.get(name, name)) and _has_value(target, name):
            continue
        if name == "email_normalized":
            # A +tag or Gmail-dots variant of the stored address names the same mailbox, so it is kept.
            if match_email(target.get("email_normalized")) != match_email(value):
                _set(target, before, "email", draft.fields["email"])
                _set(target, before, "email_normalized", value)
            continue
        if name == "stage":
            current = target.get("stage")
            if (current in (None, "new") and value != "new") or (
                value in CLOSING_STAGES and current not in CLOSING_STAGES
            ):
                _set(target, before, "stage", value)
            continue
        if target.get(name) != value:
            _set(target, before, name, value)
            if name == "phone":
                _set(target, before, "phone_normalized", normalize_phone(value))

    custom = dict(target.get("custom_fields") or {})
    for key, value in draft.custom.items():
        current = custom.get(key)
        if current == value:
            continue
        name = CUSTOM_PREFIX + key
        if blanks_only is not None and blanks_only(name) and current:
            continue
        before.setdefault(name, current)
        custom[key] = value
    target["custom_fields"] = custom
    return before


def _has_value(target: dict[str, Any], name: str) -> bool:
    value = target.get(name)
    return value is not None and value != ""


def _set(target: dict[str, Any], before: dict[str, Any], name: str, value: Any) -> None:
    if target.get(name) == value:
        return
    before.setdefault(name, target.get(name))
    target[name] = value
