"""One lead's conversion probability and its top factors up and down, for the lead detail pane.

The active model is loaded at most once per model store and model version in each
process, so selecting leads one after another does not reload it. The predictive package
is imported only when a summary is built, because importing it loads scikit-learn, which
took about 0.8 s in one measurement, and most commands that read a lead never need it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Hashable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from leaddesk.services.predictive.model import ConversionModel
    from leaddesk.services.predictive.store import ModelStore

logger = logging.getLogger(__name__)

# Number of factors shown in each direction.
FACTOR_COUNT = 3


@dataclass(frozen=True)
class ConversionSummary:
    """A lead's probability with plain-word factors, or the reason it has none."""

    # None when no validated model is active or it cannot be loaded, and message then gives the reason.
    probability: float | None
    factors_up: tuple[str, ...] = ()
    factors_down: tuple[str, ...] = ()
    model_version: int | None = None
    message: str = ""


_cache_lock = threading.Lock()
# (model store's cache key, model version) -> the loaded model.
_model_cache: dict[tuple[Hashable, int], ConversionModel] = {}
_load_count = 0


def model_load_count() -> int:
    """Return how many times a stored model was loaded in this process."""
    return _load_count


def _cached_model(store: ModelStore, stored) -> ConversionModel:
    global _load_count
    key = (store.cache_key, stored.version)
    # Reads run on a thread pool, so hold the lock while loading to load each version once.
    with _cache_lock:
        model = _model_cache.get(key)
        if model is None:
            model = stored.load()
            _load_count += 1
            # Only the active version is used, so older versions from the same store are dropped.
            for old in [cached for cached in _model_cache if cached[0] == key[0]]:
                del _model_cache[old]
            _model_cache[key] = model
            logger.info("loaded conversion model version %d from %s", stored.version, store.location)
        return model


def database_path(session: Session) -> Path | None:
    """Return the SQLite file behind the session, or None for an in-memory or server database."""
    url = session.get_bind().url
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    return Path(name)


def conversion_summary(session: Session, lead_id: uuid.UUID) -> ConversionSummary | None:
    """Score one lead with the active model, or explain why it has no probability.

    Returns None for an in-memory SQLite database, whose models would vanish with it.
    """
    bind = session.get_bind()
    path = database_path(session)
    if path is None and bind.dialect.name == "sqlite":
        return None

    from leaddesk.services.database import Database
    from leaddesk.services.predictive import ModelFileError, explain, model_store, no_model_message
    from leaddesk.services.predictive.dataset import load_lead_rows
    from leaddesk.services.predictive.store import UnvalidatedModelError, check_validated

    database = Database(bind, path)
    store = model_store(database)
    active = store.active()
    if active is None:
        problem = store.active_problem()
        message = f"{problem} Showing the rule score." if problem else no_model_message(database)
        return ConversionSummary(None, message=message[:1].upper() + message[1:])

    try:
        check_validated(active)
    except UnvalidatedModelError as error:
        return ConversionSummary(None, model_version=active.version, message=f"{str(error)[:1].upper()}{str(error)[1:]}.")
    try:
        model = _cached_model(store, active)
    except ModelFileError as error:
        logger.error("conversion model version %d from %s cannot be loaded: %s", active.version, store.location, error)
        return ConversionSummary(
            None,
            model_version=active.version,
            message=f"Conversion model version {active.version} cannot be loaded: {error}",
        )

    rows = load_lead_rows(session, active.metadata["outcome_field"], lead_ids=[lead_id])
    if not rows.rows:
        return None
    explanation = explain(model, rows.rows[0])
    return ConversionSummary(
        probability=explanation.probability,
        factors_up=tuple(factor.describe() for factor in explanation.top_up(FACTOR_COUNT)),
        factors_down=tuple(factor.describe() for factor in explanation.top_down(FACTOR_COUNT)),
        model_version=active.version,
        message=f"Model version {active.version}, held-out AUC {active.validation['auc']:.3f}",
    )
