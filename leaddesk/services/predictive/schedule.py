"""The weekly retraining schedule: whether it is on, and whether the newest model is old enough to retrain."""

from __future__ import annotations

from datetime import datetime, timedelta

from leaddesk.models import Setting
from leaddesk.services.database import Database
from leaddesk.services.predictive.store import model_store

RETRAIN_KEY = "predictive.retrain_weekly"
RETRAIN_INTERVAL = timedelta(days=7)


def retrain_weekly_enabled(database: Database) -> bool:
    with database.session() as session:
        setting = session.get(Setting, RETRAIN_KEY)
        return setting is not None and setting.value == "1"


def set_retrain_weekly(database: Database, enabled: bool) -> None:
    with database.session() as session:
        session.merge(Setting(key=RETRAIN_KEY, value="1" if enabled else "0"))


def model_outdated(database: Database, now: datetime) -> bool:
    """Return whether no model was trained yet or the newest one is RETRAIN_INTERVAL old.

    The newest model counts even when it was not activated for validating worse, because
    training again right away would use nearly the same leads.
    """
    newest = model_store(database).newest()
    if newest is None:
        return True
    return now - datetime.fromisoformat(newest.trained_at) >= RETRAIN_INTERVAL


def retrain_due(database: Database, now: datetime) -> bool:
    """Return whether weekly retraining is on and the newest model is RETRAIN_INTERVAL old or there is none."""
    return retrain_weekly_enabled(database) and model_outdated(database, now)
