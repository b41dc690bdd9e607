"""Checking a stored model version's metadata when it is read, so no caller meets a missing key.

Both stores call metadata_problem on every read. A version whose metadata fails the check
is treated as unreadable: load() returns None and the store reports the problem by version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Bumped when the stored layout changes; versions of another format are ignored with a log line.
# Format 1 kept pickled model files, which LeadDesk no longer loads.
MODEL_FORMAT = 2


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def metadata_problem(metadata: Any) -> str | None:
    """Return what is wrong with a version's metadata in a few words, or None when every field LeadDesk reads is valid."""
    if not isinstance(metadata, dict):
        return f"the metadata is a JSON {type(metadata).__name__}, not an object"
    if metadata.get("format") != MODEL_FORMAT:
        return f"it has format {metadata.get('format')!r}, not {MODEL_FORMAT}"
    trained_at = metadata.get("trained_at")
    if not isinstance(trained_at, str):
        return "trained_at is missing"
    try:
        parsed = datetime.fromisoformat(trained_at)
    except ValueError:
        return f"trained_at {trained_at!r} is not an ISO 8601 time"
    if parsed.tzinfo is None:
        return f"trained_at {trained_at!r} has no UTC offset"
    if not isinstance(metadata.get("outcome_field"), str):
        return "outcome_field is missing"
    excluded = metadata.get("excluded", [])
    if not isinstance(excluded, list) or not all(isinstance(name, str) for name in excluded):
        return "excluded is not a list of field names"
    validation = metadata.get("validation")
    if not isinstance(validation, dict):
        return "validation is missing"
    if not _is_number(validation.get("auc")):
        return "validation has no numeric auc"
    for key in ("calibration", "lift_by_decile"):
        if not isinstance(validation.get(key), list):
            return f"validation.{key} is missing"
    return None


def unreadable_message(version: int, location: str, problem: str) -> str:
    """Return the message for a version whose metadata failed the check, with the next step."""
    return (
        f"model version {version} in {location} is unreadable: {problem}. Activate another version with "
        "`leaddesk score activate VERSION`, or train a new one with `leaddesk score train --outcome-field FIELD`"
    )
