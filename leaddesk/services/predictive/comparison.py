"""Deciding whether a newly trained model replaces the active one.

The active model is scored only on held-out leads it did not train on: those that both its
own split rule and the new model's held out. Scoring it on leads it trained on would favour
it, because a model ranks its own training leads better than unseen ones.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import roc_auc_score

from leaddesk.services.predictive.features import Columns
from leaddesk.services.predictive.field_names import folded_field_name
from leaddesk.services.predictive.holdout import held_out_by
from leaddesk.services.predictive.metrics import CHANCE_AUC, MIN_HOLDOUT_PER_CLASS
from leaddesk.services.predictive.store import StoredModel

logger = logging.getLogger(__name__)


@dataclass
class Decision:
    """Whether the new model becomes active, why, and the active model's AUC on the shared held-out leads."""

    activate: bool
    text: str
    previous_auc: float | None = None
    # Held-out leads the active model was scored on; 0 when it was not scored.
    compared_leads: int = 0


def shared_positions(
    active: StoredModel, test_lead_ids: Sequence[uuid.UUID], test_outcomes: Sequence[int]
) -> list[int] | None:
    """Return the positions among the new held-out leads that the active model held out too, or None when its rule is unknown."""
    shared = []
    for position, (lead_id, outcome) in enumerate(zip(test_lead_ids, test_outcomes)):
        held = held_out_by(active.metadata, lead_id, outcome)
        if held is None:
            return None
        if held:
            shared.append(position)
    return shared


def compare_with_active(
    active: StoredModel | None,
    field_name: str,
    test_lead_ids: Sequence[uuid.UUID],
    test_rows: Columns,
    test_outcomes: Sequence[int],
    new_probabilities: Sequence[float],
    validation: dict[str, Any],
    excluded: list[str],
    force: bool,
) -> Decision:
    """Decide whether the new model with this held-out validation replaces active."""
    new_auc = validation["auc"]
    if new_auc <= CHANCE_AUC:
        kept = f"version {active.version} stays active" if active else "leads keep the rule score"
        return Decision(False, f"not activated: held-out AUC {new_auc:.3f} is no better than chance "
                               f"(at most {CHANCE_AUC}); {kept}")
    if active is None:
        return Decision(True, f"activated: first validated model (held-out AUC {new_auc:.3f})")
    active_auc = active.validation.get("auc")
    if force:
        then = f"{active_auc:.3f}" if isinstance(active_auc, float) else "unknown"
        return Decision(True, f"activated (--force): replaces version {active.version} "
                              f"(held-out AUC {then} then, {new_auc:.3f} now)")
    if active.metadata.get("outcome_field") != field_name:
        return Decision(True, f"activated: replaces version {active.version}, trained on another outcome field")
    before = {folded_field_name(name) for name in active.metadata.get("excluded", [])}
    newly_excluded = sorted({name for name in excluded if folded_field_name(name) not in before})
    if newly_excluded:
        # The active model may score higher only because it uses the fields now excluded as leaks.
        return Decision(True, (
            f"activated: replaces version {active.version}, which trained on fields now excluded "
            f"({', '.join(newly_excluded)}), so its held-out AUC is not a fair comparison"
        ))

    shared = shared_positions(active, test_lead_ids, test_outcomes)
    if shared is None:
        return Decision(True, (
            f"activated: version {active.version} stores no held-out rule, so which leads it trained on is unknown "
            f"and it cannot be compared fairly; the new model's own held-out AUC {new_auc:.3f} decides"
        ))
    outcomes = [test_outcomes[position] for position in shared]
    won = sum(outcomes)
    lost = len(outcomes) - won
    if won < MIN_HOLDOUT_PER_CLASS or lost < MIN_HOLDOUT_PER_CLASS:
        logger.info("only %d won and %d lost held-out leads are unseen by version %d; comparison skipped",
                    won, lost, active.version)
        return Decision(True, (
            f"activated: only {won} won and {lost} lost held-out leads were also held out from version "
            f"{active.version}, and a fair comparison needs {MIN_HOLDOUT_PER_CLASS} of each; the new model's own "
            f"held-out AUC {new_auc:.3f} decides"
        ))
    try:
        previous = active.load()
        previous_auc = round(float(roc_auc_score(outcomes, previous.predict(test_rows.take(shared)))), 4)
    except Exception as error:  # an unreadable old model must not block training a new one
        logger.error("active model version %d cannot be scored (%s); the new model replaces it", active.version, error)
        return Decision(True, f"activated: active version {active.version} could not be scored")
    # Both models on the same leads, which neither trained on.
    new_shared_auc = new_auc if len(shared) == len(test_outcomes) else round(float(roc_auc_score(
        outcomes, [new_probabilities[position] for position in shared])), 4)
    compared = f"on {len(shared)} held-out leads neither model trained on"
    if new_shared_auc >= previous_auc:
        return Decision(True, (
            f"activated: AUC {new_shared_auc:.3f} is at least version {active.version}'s {previous_auc:.3f} {compared}"
        ), previous_auc, len(shared))
    return Decision(False, (
        f"kept version {active.version}: its AUC {previous_auc:.3f} beats the new model's {new_shared_auc:.3f} {compared}"
    ), previous_auc, len(shared))
