"""Score thresholds and the auto-merge switch of the duplicate scan, kept in the playbook's [duplicates] section.

Older databases kept them as rows of the settings table. The first load carries such rows
into the active playbook and deletes them, so a value a user set survives the move.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.playbook.model import DuplicateSettings
from leaddesk.services.playbook.store import PLAYBOOK_TEXT_KEY, active_playbook_text, load_playbook, save_playbook_text
from leaddesk.services.playbook.toml_writer import set_key, write_document

logger = logging.getLogger(__name__)

# Keys of the settings rows that older databases used; read only to carry them into the playbook.
REVIEW_THRESHOLD_KEY = "dedup.review_threshold"
AUTO_MERGE_THRESHOLD_KEY = "dedup.auto_merge_threshold"
AUTO_MERGE_ENABLED_KEY = "dedup.auto_merge_enabled"
DEFAULT_REVIEW_THRESHOLD = DuplicateSettings.review_threshold
DEFAULT_AUTO_MERGE_THRESHOLD = DuplicateSettings.auto_merge_threshold
SECTION = "duplicates"


class DedupSettingsError(ValueError):
    """A threshold that is not a number in 0..1, or a review threshold above the auto-merge one."""


@dataclass(frozen=True)
class Thresholds:
    """Pairs scoring at least review go to the review queue; groups at least auto_merge may merge unasked."""

    review: float = DEFAULT_REVIEW_THRESHOLD
    auto_merge: float = DEFAULT_AUTO_MERGE_THRESHOLD


def load_duplicate_settings(session: Session) -> DuplicateSettings:
    """Return the active playbook's [duplicates] values, or the defaults when it has no such section."""
    carry_settings_rows(session)
    return load_playbook(session).duplicates or DuplicateSettings()


def load_thresholds(session: Session) -> Thresholds:
    settings = load_duplicate_settings(session)
    return Thresholds(settings.review_threshold, settings.auto_merge_threshold)


def load_auto_merge_enabled(session: Session) -> bool:
    """Return whether groups at or above the auto-merge threshold merge after a scan; off unless the user turns it on."""
    return load_duplicate_settings(session).auto_merge


def save_thresholds(session: Session, thresholds: Thresholds) -> None:
    """Write both thresholds into the active playbook; raise DedupSettingsError for values outside 0..1 or out of order."""
    _check_range("review_threshold", thresholds.review)
    _check_range("auto_merge_threshold", thresholds.auto_merge)
    if thresholds.review > thresholds.auto_merge:
        raise DedupSettingsError(
            f"the review threshold {thresholds.review} is above the auto-merge threshold {thresholds.auto_merge}, "
            "so lower the review threshold or raise the auto-merge threshold"
        )
    carry_settings_rows(session)
    _write_section(
        session,
        {"review_threshold": thresholds.review, "auto_merge_threshold": thresholds.auto_merge},
        "the duplicate thresholds",
    )


def save_auto_merge_enabled(session: Session, enabled: bool) -> None:
    """Write the auto-merge switch into the active playbook."""
    carry_settings_rows(session)
    _write_section(session, {"auto_merge": enabled}, "the auto-merge switch")


def carry_settings_rows(session: Session) -> None:
    """Move old dedup.* settings rows into the playbook's [duplicates] section, then delete the rows.

    The rows are carried when no playbook was imported or the imported one has no
    [duplicates] section. An imported playbook that has the section was written later than
    the rows, so its values win and the dropped row values are logged.
    Raise DedupSettingsError, keeping the rows, when a row contains an invalid value.
    """
    rows = {key: session.get(Setting, key) for key in (REVIEW_THRESHOLD_KEY, AUTO_MERGE_THRESHOLD_KEY, AUTO_MERGE_ENABLED_KEY)}
    present = {key: row for key, row in rows.items() if row is not None}
    if not present:
        return
    values: dict[str, object] = {}
    if REVIEW_THRESHOLD_KEY in present:
        values["review_threshold"] = _read_row(present[REVIEW_THRESHOLD_KEY])
    if AUTO_MERGE_THRESHOLD_KEY in present:
        values["auto_merge_threshold"] = _read_row(present[AUTO_MERGE_THRESHOLD_KEY])
    if AUTO_MERGE_ENABLED_KEY in present:
        text = present[AUTO_MERGE_ENABLED_KEY].value.strip().casefold()
        values["auto_merge"] = text in ("1", "true", "on", "yes")

    stored = session.get(Setting, PLAYBOOK_TEXT_KEY)
    if stored is None or load_playbook(session).duplicates is None:
        review = float(values.get("review_threshold", DEFAULT_REVIEW_THRESHOLD))
        auto_merge = float(values.get("auto_merge_threshold", DEFAULT_AUTO_MERGE_THRESHOLD))
        if review > auto_merge:
            raise DedupSettingsError(
                f"the review threshold {review} is above the auto-merge threshold {auto_merge}; "
                f"set {REVIEW_THRESHOLD_KEY} lower or {AUTO_MERGE_THRESHOLD_KEY} higher"
            )
        _write_section(session, values, "the old duplicate settings")
        logger.info("carried the settings %s into the playbook's [duplicates] section", ", ".join(sorted(present)))
    else:
        logger.warning(
            "dropped the old settings %s because the imported playbook has a [duplicates] section, which applies",
            ", ".join(f"{key}={row.value}" for key, row in sorted(present.items())),
        )
    for row in present.values():
        session.delete(row)
    session.flush()


def _write_section(session: Session, values: dict[str, object], source: str) -> None:
    """Write values into [duplicates] of the active playbook, rewriting only the lines of the changed keys."""
    text = active_playbook_text(session)
    old = tomllib.loads(text)
    section = old.get(SECTION)
    if isinstance(section, dict):
        new = copy.deepcopy(old)
        new[SECTION].update(values)
        text = write_document(text, old, new)
    else:
        for key, value in values.items():
            text = set_key(text, SECTION, key, value)
    save_playbook_text(session, text, source=source)


def _read_row(setting: Setting) -> float:
    try:
        value = float(setting.value)
    except ValueError:
        raise DedupSettingsError(
            f"the setting {setting.key} is {setting.value!r}, which is not a number; set it to a value from 0 to 1"
        ) from None
    _check_range(setting.key, value)
    return value


def _check_range(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise DedupSettingsError(f"the setting {name} is {value}; set it to a value from 0 to 1")
