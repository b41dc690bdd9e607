"""Lifting an exclusion that retraining carries over from the active model, in the service and the CLI."""

from __future__ import annotations

import json

import pytest

from leaddesk.cli.main import main
from leaddesk.services.predictive import carried_exclusions, set_excluded_fields, train_conversion_model
from leaddesk.services.predictive.field_names import UnknownFieldError
from leaddesk.services.predictive.store import model_store
from database_target import db_arg  # noqa: F401 (fixture)
from predictive_history import build_closed_leads


def test_include_lifts_carried_exclusion(any_database):
    build_closed_leads(any_database, won=150, lost=250)
    train_conversion_model(any_database, method="logistic", exclude=["Visits"])

    lifted = train_conversion_model(any_database, method="logistic", include=["visits"])
    later = train_conversion_model(any_database, method="logistic")

    assert lifted.included == ["Visits"]
    assert "custom:Visits" in lifted.fields
    assert lifted.activated
    assert "Visits" not in model_store(any_database).load(lifted.version).metadata["excluded"]
    assert "custom:Visits" in later.fields
    assert later.included == []


def test_include_keeps_other_exclusions(any_database):
    build_closed_leads(any_database, won=150, lost=250)
    train_conversion_model(any_database, method="logistic", exclude=["Visits", "Plan"])

    lifted = train_conversion_model(any_database, method="logistic", include=["Plan"])

    assert lifted.included == ["Plan"]
    assert "custom:Plan" in lifted.fields
    assert "custom:Visits" not in lifted.fields


def test_include_not_carried_rejected(any_database):
    build_closed_leads(any_database, won=150, lost=250)
    train_conversion_model(any_database, method="logistic", exclude=["Visits"])

    with pytest.raises(ValueError) as raised:
        train_conversion_model(any_database, method="logistic", include=["Plan"])

    message = str(raised.value)
    assert "--include 'Plan' lifts no exclusion" in message
    assert "carried over from active version 1 are Visits" in message
    assert model_store(any_database).versions() == [1]


def test_include_without_active_model(any_database):
    build_closed_leads(any_database, won=150, lost=250)

    with pytest.raises(ValueError) as raised:
        train_conversion_model(any_database, method="logistic", include=["Visits"])

    assert "no model is active" in str(raised.value)


def test_include_and_exclude_clash(any_database):
    build_closed_leads(any_database, won=150, lost=250)
    train_conversion_model(any_database, method="logistic", exclude=["Visits"])

    with pytest.raises(ValueError) as raised:
        train_conversion_model(any_database, method="logistic", include=["Visits"], exclude=["custom:visits"])

    assert "contradict each other" in str(raised.value)


def test_include_app_exclusion_rejected(any_database):
    build_closed_leads(any_database, won=150, lost=250)
    set_excluded_fields(any_database, ["Visits"])
    train_conversion_model(any_database, method="logistic")

    with pytest.raises(ValueError) as raised:
        train_conversion_model(any_database, method="logistic", include=["Visits"])

    assert "excluded in the app" in str(raised.value)
    assert "remove it from that list" in str(raised.value)


def test_include_unknown_field_named(any_database):
    build_closed_leads(any_database, won=150, lost=250)

    with pytest.raises(UnknownFieldError) as raised:
        train_conversion_model(any_database, include=["Vists"])

    assert "--include 'Vists'" in str(raised.value)
    assert "Visits" in str(raised.value)


def test_carried_exclusions_leave_app_fields(any_database):
    build_closed_leads(any_database, won=150, lost=250, converted_field=True)
    set_excluded_fields(any_database, ["source"])
    train_conversion_model(any_database, method="logistic", exclude=["Visits"])

    carried = carried_exclusions(any_database)
    other_outcome = carried_exclusions(any_database, "Converted")

    assert carried.version == 1
    assert carried.excluded == ["Visits"]
    assert other_outcome.excluded == []


def test_cli_include_lifts(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic", exclude=["Visits"])

    code = main(["score", "train", "--db", db_arg, "--method", "logistic", "--include", "Visits", "--json"])
    output = json.loads(capsys.readouterr().out)

    assert code == 0
    assert output["included_fields"] == ["Visits"]
    assert "custom:Visits" in output["fields"]


def test_cli_include_text_and_error(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic", exclude=["Visits"])

    bad_code = main(["score", "train", "--db", db_arg, "--include", "Plan"])
    error = capsys.readouterr().err
    code = main(["score", "train", "--db", db_arg, "--method", "logistic", "--include", "Visits"])
    output = capsys.readouterr().out

    assert bad_code != 0
    assert "--include 'Plan' lifts no exclusion" in error
    assert code == 0
    assert "exclusions lifted by --include: Visits" in output
