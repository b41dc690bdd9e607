"""Retraining reuses the active model's settings; forced replacement, validation limits and broken model files."""

from __future__ import annotations

import json

import pytest

from leaddesk.cli.main import main
from leaddesk.services.predictive import predict_lead, train_conversion_model
from leaddesk.services.predictive.field_names import UnknownFieldError
from leaddesk.services.predictive.store import model_store, models_folder
from database_target import db_arg, sqlite_files_only  # noqa: F401 (fixture)
from predictive_history import build_closed_leads


def test_retrain_keeps_active_exclusions(database):
    build_closed_leads(database, won=150, lost=250)
    first = train_conversion_model(database, method="logistic", exclude=["Visits"])

    retrained = train_conversion_model(database, method="logistic")

    assert first.activated
    assert "custom:Visits" not in retrained.fields
    assert retrained.skipped["custom:Visits"] == "excluded from training"


def test_retrain_keeps_active_outcome_field(database):
    build_closed_leads(database, won=60, lost=90, open_leads=5, converted_field=True)
    first = train_conversion_model(database, outcome_field="Converted", method="logistic", exclude=["Visits"])

    retrained = train_conversion_model(database, method="logistic")

    assert first.outcome_field == "custom:Converted"
    assert retrained.outcome_field == "custom:Converted"
    assert "custom:Visits" not in retrained.fields


def test_force_replaces_better_model(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")

    forced = train_conversion_model(database, method="boosting", force=True)

    assert forced.activated
    assert "replaces version 1" in forced.decision
    assert model_store(database).active().version == 2


def test_more_exclusions_replace_active(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")

    leak_free = train_conversion_model(database, method="logistic", exclude=["Visits"])

    assert leak_free.activated
    assert "fields now excluded (Visits)" in leak_free.decision
    assert model_store(database).active().version == 2


def test_chance_model_not_activated(database, db_path):
    build_closed_leads(database, won=150, lost=250)

    # Without visits and source, only the random Plan field is left. Holding out half the
    # leads keeps the noise of its held-out AUC small.
    result = train_conversion_model(database, method="logistic", exclude=["Visits", "source"], holdout=0.5)

    assert result.validation["auc"] <= 0.55
    assert not result.activated
    assert "no better than chance" in result.decision
    assert model_store(database).active() is None


def test_tiny_holdout_rejected(database):
    build_closed_leads(database, won=150, lost=250)

    with pytest.raises(ValueError) as raised:
        train_conversion_model(database, holdout=0.01)

    message = str(raised.value)
    assert "leaves about 1 won and 2 lost" in message
    assert "at least 10" in message
    assert "--holdout 0.07" in message


def test_unknown_exclude_named(database):
    build_closed_leads(database, won=150, lost=250)

    with pytest.raises(UnknownFieldError) as raised:
        train_conversion_model(database, exclude=["Vists"])

    assert "'Vists'" in str(raised.value)
    assert "Visits" in str(raised.value)


@sqlite_files_only
def test_corrupt_model_file_message(database, db_path):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    (models_folder(db_path) / "model-v1.skops").write_bytes(b"garbage\n")

    prediction = predict_lead(database, leads[-1].id)

    assert prediction.probability is None
    assert "model-v1.skops is not a LeadDesk model in the skops format" in prediction.message
    assert "score activate VERSION" in prediction.message


@sqlite_files_only
@pytest.mark.parametrize("pointer", [None, "{not json", json.dumps({"version": 7})])
def test_broken_active_pointer_message(database, db_path, pointer):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    active = models_folder(db_path) / "active.json"
    if pointer is None:
        active.unlink()
    else:
        active.write_text(pointer)

    prediction = predict_lead(database, leads[-1].id)

    assert "active-model pointer" in prediction.message
    assert "Stored versions: 1." in prediction.message
    assert "0 won" not in prediction.message


def test_cli_activate_version(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")
    train_conversion_model(database, method="boosting")

    code = main(["score", "activate", "2", "--db", db_arg])

    assert code == 0
    output = capsys.readouterr().out
    assert "activated model version 2" in output
    assert "replaces version 1" in output
    assert model_store(database).active().version == 2


def test_cli_activate_missing_version(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")

    code = main(["score", "activate", "9", "--db", db_arg])

    assert code != 0
    error = capsys.readouterr().err
    assert "model version 9 not found" in error
    assert "stored versions: 1" in error
