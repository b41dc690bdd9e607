"""Score thresholds of the duplicate scan, stored in the settings table with defaults."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from leaddesk.models import Setting

REVIEW_THRESHOLD_KEY = "dedup.review_threshold"
AUTO_MERGE_THRESHOLD_KEY = "dedup.auto_merge_threshold"
DEFAULT_REVIEW_THRESHOLD = 0.5
DEFAULT_AUTO_MERGE_THRESHOLD = 0.9


class DedupSettingsError(ValueError):
    """A stored threshold that is not a number in 0..1, or a review threshold above the auto-merge one."""


@dataclass(frozen=True)
class Thresholds:
    """Pairs scoring at least review go to the review queue; groups at least auto_merge may merge unasked."""

    review: float = DEFAULT_REVIEW_THRESHOLD
    auto_merge: float = DEFAULT_AUTO_MERGE_THRESHOLD


def load_thresholds(session: Session) -> Thresholds:
    review = _read(session, REVIEW_THRESHOLD_KEY, DEFAULT_REVIEW_THRESHOLD)
    auto_merge = _read(session, AUTO_MERGE_THRESHOLD_KEY, DEFAULT_AUTO_MERGE_THRESHOLD)
    if review > auto_merge:
        raise DedupSettingsError(
            f"the review threshold {review} is above the auto-merge threshold {auto_merge}; "
            f"set {REVIEW_THRESHOLD_KEY} lower or {AUTO_MERGE_THRESHOLD_KEY} higher"
        )
    return Thresholds(review, auto_merge)


def save_thresholds(session: Session, thresholds: Thresholds) -> None:
    for key, value in ((REVIEW_THRESHOLD_KEY, thresholds.review), (AUTO_MERGE_THRESHOLD_KEY, thresholds.auto_merge)):
        _check_range(key, value)
        session.merge(Setting(key=key, value=str(value)))


def _read(session: Session, key: str, default: float) -> float:
    setting = session.get(Setting, key)
    if setting is None:
        return default
    try:
        value = float(setting.value)
    except ValueError:
        raise DedupSettingsError(
            f"the setting {key} is {setting.value!r}, which is not a number; set it to a value from 0 to 1"
        ) from None
    _check_range(key, value)
    return value


def _check_range(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise DedupSettingsError(f"the setting {key} is {value}; set it to a value from 0 to 1")


# Off unless the user turns it on: when on, groups at or above the auto-merge threshold merge after a scan.
AUTO_MERGE_ENABLED_KEY = "dedup.auto_merge_enabled"


def load_auto_merge_enabled(session: Session) -> bool:
    setting = session.get(Setting, AUTO_MERGE_ENABLED_KEY)
    return setting is not None and setting.value.strip().casefold() in ("1", "true", "on", "yes")


def save_auto_merge_enabled(session: Session, enabled: bool) -> None:
    session.merge(Setting(key=AUTO_MERGE_ENABLED_KEY, value="true" if enabled else "false"))
