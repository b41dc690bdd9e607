"""The weekly retraining schedule of the conversion model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.schedule import retrain_due, retrain_weekly_enabled, set_retrain_weekly
from predictive_history import build_closed_leads

TRAINED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_schedule_off_by_default(database):
    assert not retrain_weekly_enabled(database)
    assert not retrain_due(database, TRAINED)


def test_schedule_due_without_model(database):
    set_retrain_weekly(database, True)

    assert retrain_weekly_enabled(database)
    assert retrain_due(database, TRAINED)


def test_schedule_due_after_a_week(database):
    build_closed_leads(database, won=60, lost=90)
    train_conversion_model(database, method="logistic", now=TRAINED)
    set_retrain_weekly(database, True)

    assert not retrain_due(database, TRAINED + timedelta(days=6, hours=23))
    assert retrain_due(database, TRAINED + timedelta(days=7))


def test_schedule_turned_off(database):
    set_retrain_weekly(database, True)
    set_retrain_weekly(database, False)

    assert not retrain_due(database, TRAINED)
