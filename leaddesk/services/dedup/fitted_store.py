"""The fitted custom-field model of the last full scan, stored as JSON in the settings table.

The incremental scan after an import and the hint while a lead is typed load it, so they
weigh custom fields as the last full scan did. The setting travels to the team's other
devices like other settings, which is right because they sync the same leads.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.dedup.fitting import DIFFERENT, SAME, SCORE_BANDS, SIMILAR, FittedModel

logger = logging.getLogger(__name__)

FITTED_MODEL_KEY = "dedup.fitted_weights"
# The comparison of the fixed weights' sum, whose levels are the integer score bands.
BAND = "band"


class FittedModelError(ValueError):
    """A stored fitted model that is not valid JSON or lacks a part of the model."""


def save_fitted_model(session: Session, model: FittedModel | None) -> None:
    """Store the model of a full scan, or remove the stored one when the scan fitted none.

    An unchanged model is not written again, so a repeated scan adds no settings change to sync.
    """
    setting = session.get(Setting, FITTED_MODEL_KEY)
    if model is None:
        if setting is not None:
            session.delete(setting)
            logger.info("removed the stored custom-field weights, because the full scan fitted none")
        return

    value = json.dumps(_to_document(model), sort_keys=True)
    if setting is not None and setting.value == value:
        return
    session.merge(Setting(key=FITTED_MODEL_KEY, value=value))


def load_fitted_model(session: Session) -> FittedModel | None:
    """Return the model stored by the last full scan, or None when there is none or it is invalid.

    An invalid stored model is logged and ignored, so the fixed weights apply until the next
    full scan replaces it.
    """
    setting = session.get(Setting, FITTED_MODEL_KEY)
    if setting is None:
        return None
    try:
        return parse_fitted_model(setting.value)
    except FittedModelError as error:
        logger.warning("ignored the stored custom-field weights: %s; run a full duplicate scan to fit them again", error)
        return None


def parse_fitted_model(value: str) -> FittedModel:
    """Parse a stored model, or raise FittedModelError naming what is invalid."""
    try:
        document = json.loads(value)
    except ValueError as error:
        raise FittedModelError(f"the setting {FITTED_MODEL_KEY} is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise FittedModelError(f"the setting {FITTED_MODEL_KEY} is {type(document).__name__}, not a JSON object")

    match_share = _probability(document.get("match_share"), "match_share")
    if not 0.0 < match_share < 1.0:
        raise FittedModelError(f"match_share is {match_share}; expected a value between 0 and 1")
    m = _levels(document.get("m"), "m")
    u = _levels(document.get("u"), "u")
    if set(m) != set(u):
        raise FittedModelError(f"m and u name different comparisons ({sorted(m)} and {sorted(u)})")
    for name in m:
        expected = set(range(len(SCORE_BANDS) + 1)) if name == BAND else {SAME, SIMILAR, DIFFERENT}
        if set(m[name]) != expected or set(u[name]) != expected:
            raise FittedModelError(f"m and u of {name!r} need the levels {sorted(expected, key=str)}")
    if BAND not in m:
        raise FittedModelError(f"m and u lack the comparison {BAND!r}")
    return FittedModel(match_share, m, u)


def _to_document(model: FittedModel) -> dict[str, Any]:
    return {"match_share": model.match_share, "m": _level_document(model.m), "u": _level_document(model.u)}


def _level_document(probabilities: dict[str, dict[object, float]]) -> dict[str, dict[str, float]]:
    # JSON object keys are strings, so the integer score bands are written as "0", "1", ...
    return {name: {str(level): value for level, value in levels.items()} for name, levels in probabilities.items()}


def _levels(value: Any, part: str) -> dict[str, dict[object, float]]:
    if not isinstance(value, dict):
        raise FittedModelError(f"{part} is missing or not a JSON object")
    parsed: dict[str, dict[object, float]] = {}
    for name, levels in value.items():
        if not isinstance(levels, dict) or not levels:
            raise FittedModelError(f"{part}[{name!r}] is not a JSON object of level probabilities")
        parsed[name] = {_level(name, level): _probability(probability, f"{part}[{name!r}][{level!r}]") for level, probability in levels.items()}
    return parsed


def _level(name: str, level: str) -> object:
    if name != BAND:
        return level
    try:
        return int(level)
    except ValueError:
        raise FittedModelError(f"the score band {level!r} is not an integer") from None


def _probability(value: Any, where: str) -> float:
    # A probability of 0 would make the log-likelihood ratio infinite, so fit_model floors them above 0.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise FittedModelError(f"{where} is {value!r}; expected a probability above 0 and at most 1")
    return float(value)
