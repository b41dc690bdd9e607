"""One lead's conversion probability and its top factors up and down, for the lead detail pane.

The active model is unpickled at most once per database file and model version in each
process, so selecting leads one after another does not reload it. The predictive package
is imported only when a summary is built, because importing it loads scikit-learn, which
took about 0.8 s in one measurement, and most commands that read a lead never need it.
"""

from __future__ import annotations

import logging
import pickle
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from leaddesk.services.predictive.model import ConversionModel

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
# (resolved database path, model version) -> the unpickled model.
_model_cache: dict[tuple[Path, int], ConversionModel] = {}
_load_count = 0


def model_load_count() -> int:
    """Return how many times a model file was unpickled in this process."""
    return _load_count


def _cached_model(database_path: Path, stored) -> ConversionModel:
    global _load_count
    key = (database_path.resolve(), stored.version)
    # Reads run on a thread pool, so hold the lock while loading to unpickle each version once.
    with _cache_lock:
        model = _model_cache.get(key)
        if model is None:
            model = stored.load()
            _load_count += 1
            # Only the active version is used, so older versions of the same file are dropped.
            for old in [cached for cached in _model_cache if cached[0] == key[0]]:
                del _model_cache[old]
            _model_cache[key] = model
            logger.info("loaded conversion model version %d for %s", stored.version, database_path)
        return model


def database_path(session: Session) -> Path | None:
    """Return the SQLite file behind the session, or None for an in-memory database."""
    name = session.get_bind().url.database
    if not name or name == ":memory:":
        return None
    return Path(name)


def conversion_summary(session: Session, lead_id: uuid.UUID) -> ConversionSummary | None:
    """Score one lead with the active model, or explain why it has no probability.

    Returns None for an in-memory database, which has no folder to keep models in.
    """
    path = database_path(session)
    if path is None:
        return None

    from leaddesk.services.database import Database
    from leaddesk.services.predictive import explain, load_active_model, no_model_message
    from leaddesk.services.predictive.dataset import load_lead_rows

    active = load_active_model(path)
    if active is None:
        message = no_model_message(Database(session.get_bind(), path))
        return ConversionSummary(None, message=message[:1].upper() + message[1:])

    try:
        model = _cached_model(path, active)
    # Unpickling a damaged file or one written against other library versions raises any of these.
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError) as error:
        logger.error("conversion model version %d for %s cannot be loaded: %s", active.version, path, error)
        return ConversionSummary(
            None,
            model_version=active.version,
            message=(
                f"Conversion model version {active.version} cannot be loaded ({error}). "
                "Train a new one with `leaddesk score train`."
            ),
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
