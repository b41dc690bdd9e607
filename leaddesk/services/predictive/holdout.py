"""The held-out split: which closed leads validate a model instead of training it.

A lead is held out by a rule on its id, not by its position among the rows. So the split
does not depend on the order the backend returns rows in. A lead held out once stays held
out in later trainings with the same holdout until many more leads of its class arrive. Each model stores the rule in its metadata
under "split", so a later training can tell which leads an older model never trained on.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.model_selection import train_test_split

from leaddesk.services.predictive.model import RANDOM_STATE

logger = logging.getLogger(__name__)

# Each lead gets a bucket in [0, 1): the first 8 bytes of SHA-256("SALT:LEAD_ID_HEX") read as
# a fraction of 2**64. Within each class (won, lost) the leads with the lowest buckets are
# held out, holdout of the class rounded, so small histories still validate on both classes.
# A new salt reshuffles every lead, so models trained before the change share fewer held-out leads with later ones.
SPLIT_RULE = "sha256-lead-id-per-class"
SPLIT_SALT = "leaddesk-holdout-1"


@dataclass
class Split:
    """Positions of the training and held-out leads, and per class ("0", "1") the bucket below which leads were held out."""

    train: list[int]
    test: list[int]
    held_out_below: dict[str, float]


def split_bucket(lead_id: uuid.UUID, salt: str = SPLIT_SALT) -> float:
    """Return a number in [0, 1) fixed by the lead's id and salt."""
    digest = hashlib.sha256(f"{salt}:{lead_id.hex}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_leads(outcomes: Sequence[int], holdout: float, lead_ids: Sequence[uuid.UUID]) -> Split:
    """Hold out, per class, the round(holdout * class size) leads with the lowest buckets (at least one)."""
    buckets = [split_bucket(lead_id) for lead_id in lead_ids]
    test: list[int] = []
    held_out_below = {"0": 1.0, "1": 1.0}
    for outcome in sorted(set(outcomes)):
        positions = sorted((position for position, value in enumerate(outcomes) if value == outcome),
                           key=lambda position: buckets[position])
        count = max(1, round(holdout * len(positions)))
        test.extend(positions[:count])
        if count < len(positions):
            held_out_below[str(outcome)] = buckets[positions[count]]
    held = set(test)
    return Split([position for position in range(len(outcomes)) if position not in held], sorted(held), held_out_below)


def split_metadata(holdout: float, split: Split) -> dict[str, Any]:
    """Return the "split" metadata of a model: the rule, its salt, the holdout and the bucket below which leads were held out."""
    return {"rule": SPLIT_RULE, "salt": SPLIT_SALT, "holdout": holdout, "held_out_below": split.held_out_below}


def split_positions(
    outcomes: Sequence[int], holdout: float, lead_ids: Sequence[uuid.UUID] | None = None
) -> tuple[list[int], list[int]]:
    """Return the positions of the training and held-out leads.

    With lead_ids the split follows split_leads, as training does. Without them it is
    stratified and seeded by row order, which only repeats for rows in the same order.
    NOTE: bench/predictive_bench.py calls this without lead_ids, so its peer models are
    fitted on a split of the same size as training's but not on the same leads.
    """
    if lead_ids is not None:
        split = split_leads(outcomes, holdout, lead_ids)
        return split.train, split.test
    positions = list(range(len(outcomes)))
    train, test = train_test_split(positions, test_size=holdout, random_state=RANDOM_STATE, stratify=list(outcomes))
    return train, test


def held_out_by(metadata: Mapping[str, Any], lead_id: uuid.UUID, outcome: int) -> bool | None:
    """Return whether the model with this metadata held out the lead of this outcome, or None when its split is unknown.

    NOTE: the result assumes the lead had the same outcome, or was still open, when that
    model was trained. A lead that closed after it was trained is also unseen by it, but the
    metadata does not list the leads it read, so such a lead counts only when its bucket is low enough.
    """
    split = metadata.get("split")
    if not isinstance(split, Mapping) or split.get("rule") != SPLIT_RULE:
        return None
    salt = split.get("salt")
    below = split.get("held_out_below")
    if not isinstance(salt, str) or not isinstance(below, Mapping):
        return None
    limit = below.get(str(outcome))
    if not isinstance(limit, int | float) or isinstance(limit, bool):
        return None
    return split_bucket(lead_id, salt) < limit
