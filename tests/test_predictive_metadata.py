"""Damaged model metadata, chance-level models and the activate command's messages, on either store."""

from __future__ import annotations

import pytest

from leaddesk.cli.main import main
from leaddesk.services.conversion_summary import conversion_summary
from leaddesk.services.predictive import predict_lead, train_conversion_model
from leaddesk.services.predictive.store import UnvalidatedModelError, model_store
from leaddesk.services.reporting.dashboard import active_model_summary
from database_target import db_arg  # noqa: F401 (fixture)
from model_metadata import read_metadata, write_metadata
from predictive_history import build_closed_leads

BAD_METADATA = {
    "format only": {"format": 2},
    "list": [1, 2],
    "no validation": "drop validation",
    "no outcome field": "drop outcome_field",
    "bad trained_at": "bad trained_at",
}


def _damage(database, version: int, case: str) -> None:
    metadata = BAD_METADATA[case]
    if isinstance(metadata, str):
        stored = read_metadata(database, version)
        if case == "bad trained_at":
            stored["trained_at"] = "last Tuesday"
        else:
            del stored[metadata.removeprefix("drop ")]
        metadata = stored
    write_metadata(database, version, metadata)


def _chance_model(database, db_arg):
    """Train a model on the random Plan field alone, which is stored but not activated."""
    result = train_conversion_model(database, method="logistic", exclude=["Visits", "source"], holdout=0.5)
    assert result.validation["auc"] <= 0.55
    return result


def test_activate_rejects_chance_model(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    chance = _chance_model(database, db_arg)

    code = main(["score", "activate", str(chance.version), "--db", db_arg])

    error = capsys.readouterr().err
    assert code != 0
    assert f"model version {chance.version} has a held-out AUC of" in error
    assert "no better than chance" in error
    assert model_store(database).active() is None


def test_store_activate_rejects_chance(database, db_arg):
    build_closed_leads(database, won=150, lost=250)
    chance = _chance_model(database, db_arg)

    with pytest.raises(UnvalidatedModelError):
        model_store(database).activate(chance.version)

    assert model_store(database).active() is None


def test_chance_model_probability_hidden(database, db_arg):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    metadata = read_metadata(database, 1)
    metadata["validation"]["auc"] = 0.52
    write_metadata(database, 1, metadata)

    prediction = predict_lead(database, leads[-1].id)
    with database.session() as session:
        summary = conversion_summary(session, leads[-1].id)

    assert prediction.probability is None
    assert "no better than chance" in prediction.message
    assert summary.probability is None
    assert "no better than chance" in summary.message
    assert active_model_summary(database) is None


@pytest.mark.parametrize("case", list(BAD_METADATA))
def test_damaged_metadata_messages(database, db_arg, capsys, case):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    _damage(database, 1, case)

    prediction = predict_lead(database, leads[-1].id)
    list_code = main(["score", "activate", "--db", db_arg])
    listed = capsys.readouterr().out
    activate_code = main(["score", "activate", "1", "--db", db_arg])
    activate_error = capsys.readouterr().err
    show_code = main(["score", "show", str(leads[-1].id), "--db", db_arg])
    shown = capsys.readouterr().out

    assert prediction.probability is None
    assert "version 1" in prediction.message
    assert "unreadable" in prediction.message
    assert list_code == 0
    assert "version 1: model version 1 in" in listed
    assert "is unreadable" in listed
    assert activate_code != 0
    assert "model version 1 in" in activate_error
    assert "is unreadable" in activate_error
    assert show_code == 0
    assert "rule score" in shown


@pytest.mark.parametrize("case", ["format only", "list", "no outcome field"])
def test_retrain_asks_for_outcome_field(database, db_arg, capsys, case):
    build_closed_leads(database, won=60, lost=90, open_leads=5, converted_field=True)
    train_conversion_model(database, outcome_field="Converted", method="logistic")
    _damage(database, 1, case)

    code = main(["score", "train", "--db", db_arg])

    error = capsys.readouterr().err
    assert code != 0
    assert "model version 1 in" in error
    assert "--outcome-field FIELD" in error
    assert model_store(database).versions() == [1]


@pytest.mark.parametrize("case", ["no validation", "bad trained_at"])
def test_retrain_reuses_readable_settings(database, case):
    build_closed_leads(database, won=60, lost=90, open_leads=5, converted_field=True)
    train_conversion_model(database, outcome_field="Converted", method="logistic", exclude=["Visits"])
    _damage(database, 1, case)

    result = train_conversion_model(database, method="logistic")

    assert result.outcome_field == "custom:Converted"
    assert "custom:Visits" not in result.fields


def test_if_due_with_bad_trained_at(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")
    _damage(database, 1, "bad trained_at")

    code = main(["score", "train", "--if-due", "--db", db_arg, "--json"])

    assert code == 0
    assert '"version": 2' in capsys.readouterr().out


def test_activate_lists_no_versions(database, db_arg, capsys):
    build_closed_leads(database, won=5, lost=5)

    code = main(["score", "activate", "--db", db_arg])

    assert code == 0
    assert "no stored model versions" in capsys.readouterr().out
