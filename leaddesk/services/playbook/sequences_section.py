"""The playbook's [[sequences]] section: outreach cadences with steps on business-day offsets.

    [[sequences]]
    key = "new_inbound"
    label = "New inbound lead"

    [[sequences.steps]]
    day = 0                    # business days after enrolment
    channel = "email"          # email, call, linkedin or task
    template = "first_touch"   # email steps only: the email template's key
    note = "Send the intro email"

A playbook without the section uses the shipped sequences, and `sequences = []` turns
sequences off. Whether a named template exists is checked when a step comes due, because
templates live in the database and a playbook file is validated without one.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from typing import Any

from sqlalchemy.orm import Session

from leaddesk.services.playbook.issues import IssueCollector, join_path
from leaddesk.services.sequences import Channel, Sequence, SequenceStep

logger = logging.getLogger(__name__)

SEQUENCE_KEYS = ("key", "label", "steps")
STEP_KEYS = ("day", "channel", "template", "note")
# A step further out than this is almost certainly a typo, such as 100 for 10.
MAX_DAY = 365
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_sequences(raw: Any, issues: IssueCollector) -> tuple[Sequence, ...] | None:
    """Return the sequences in the [[sequences]] value, or None when the section is absent.

    Every problem adds an issue. An invalid sequence or step does not stop the check, so
    one run reports them all.
    """
    if raw is None:
        return None
    if not isinstance(raw, list):
        issues.add("sequences", f"expected [[sequences]] tables, got {raw!r}", "write one [[sequences]] table per sequence")
        return ()
    result = []
    seen: set[str] = set()
    for index, data in enumerate(raw):
        path = join_path("sequences", index)
        sequence = _sequence(data, path, issues)
        key = data.get("key") if isinstance(data, dict) else None
        if isinstance(key, str) and key in seen:
            issues.add(join_path(path, "key"), f"duplicate sequence key {key!r}", "give each sequence its own key")
            continue
        if isinstance(key, str):
            seen.add(key)
        if sequence is not None:
            result.append(sequence)
    return tuple(result)


def _sequence(data: Any, path: str, issues: IssueCollector) -> Sequence | None:
    if not isinstance(data, dict):
        issues.add(path, f"invalid sequence {data!r}", 'write key, label and one [[sequences.steps]] table per step')
        return None
    issues.check_keys(data, path, SEQUENCE_KEYS)
    key = data.get("key")
    valid = isinstance(key, str) and bool(_KEY.match(key))
    if not valid:
        issues.add(join_path(path, "key"), f"invalid sequence key {key!r}", 'write lower-case letters, digits and "_", such as key = "new_inbound"')
    label = data.get("label", key)
    if not isinstance(label, str) or not label.strip():
        issues.add(join_path(path, "label"), f"invalid label {label!r}", 'write a name such as label = "New inbound lead"')
        label = str(key)

    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        issues.add(path, f"sequence {key!r} has no steps", "add at least one [[sequences.steps]] table below it")
        return None
    steps = []
    previous_day = 0
    for index, step_data in enumerate(raw_steps):
        day, step = _step(step_data, join_path(join_path(path, "steps"), index), previous_day, issues)
        # A step with a valid day orders the next one even when its other fields are invalid.
        if day is not None:
            previous_day = max(previous_day, day)
        if step is not None:
            steps.append(step)
    if not valid or len(steps) != len(raw_steps):
        return None
    return Sequence(key, label.strip(), tuple(steps))


def _step(data: Any, path: str, previous_day: int, issues: IssueCollector) -> tuple[int | None, SequenceStep | None]:
    """Check one step; return its day (None when invalid) and the step (None when any field is invalid)."""
    if not isinstance(data, dict):
        issues.add(path, f"invalid step {data!r}", 'write day = 0 and channel = "email"')
        return None, None
    issues.check_keys(data, path, STEP_KEYS)
    ok = True

    day = data.get("day")
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= MAX_DAY:
        issues.add(join_path(path, "day"), f"invalid day {day!r}", f"write the business days after enrolment, a whole number from 0 to {MAX_DAY}")
        day = None
        ok = False
    elif day < previous_day:
        issues.add(
            join_path(path, "day"),
            f"day {day} comes before the previous step's day {previous_day}",
            "list the steps in order, each on the same day as the previous step or later",
        )
        ok = False

    channel_text = data.get("channel")
    channel = None
    try:
        channel = Channel(channel_text)
    except ValueError:
        choices = ", ".join(item.value for item in Channel)
        issues.add(join_path(path, "channel"), f"unknown channel {channel_text!r}", f"use one of: {choices}")
        ok = False

    template = data.get("template")
    if template is not None:
        if not isinstance(template, str) or not _KEY.match(template):
            issues.add(join_path(path, "template"), f"invalid template key {template!r}", 'write the key shown in Leads > Email templates, such as "first_touch"')
            ok = False
        elif channel is not None and channel is not Channel.EMAIL:
            issues.add(join_path(path, "template"), f"a {channel.value} step has no email to fill", 'remove template, or set channel = "email"')
            ok = False

    note = data.get("note", "")
    if not isinstance(note, str):
        issues.add(join_path(path, "note"), f"invalid note {note!r}", 'write note = "Call and offer a demo"')
        ok = False
    if not ok or day is None or channel is None:
        return day, None
    return day, SequenceStep(channel, day - previous_day, note.strip(), template)


@functools.lru_cache(maxsize=8)
def sequences_in_text(text: str) -> tuple[Sequence, ...] | None:
    """Return the sequences of a playbook text, or None when it has no section or the section is invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    issues = IssueCollector()
    parsed = parse_sequences(data.get("sequences"), issues)
    if issues.issues:
        logger.error("ignoring the playbook's invalid sequences: %s", "; ".join(f"{i.path}: {i.message}" for i in issues.issues))
        return None
    return parsed


def shipped_sequences() -> tuple[Sequence, ...]:
    from leaddesk.services.playbook.store import shipped_playbook_text

    return sequences_in_text(shipped_playbook_text()) or ()


def load_sequences(session: Session) -> tuple[Sequence, ...]:
    """Return the active playbook's sequences, or the shipped ones when it has no [[sequences]] section."""
    # Imported here because the playbook store imports the parser, which imports this module.
    from leaddesk.services.playbook.store import active_playbook_text

    parsed = sequences_in_text(active_playbook_text(session))
    return shipped_sequences() if parsed is None else parsed
