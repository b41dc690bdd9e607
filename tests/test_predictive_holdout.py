"""The held-out split by lead id, and comparing the active model only on leads it never trained on."""

from __future__ import annotations

import random

from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.dataset import load_lead_rows
from leaddesk.services.predictive.holdout import held_out_by, split_leads, split_positions
from leaddesk.services.predictive.store import model_store
from model_metadata import read_metadata, write_metadata
from predictive_history import build_closed_leads


def _closed_ids(database):
    with database.session() as session:
        return load_lead_rows(session).closed_ids()


def test_split_ignores_row_order(database):
    build_closed_leads(database, won=150, lost=250)
    lead_ids = _closed_ids(database)
    shuffled = list(lead_ids)
    random.Random(3).shuffle(shuffled)

    _train, held = split_positions([0] * len(lead_ids), 0.2, lead_ids)
    _train, held_shuffled = split_positions([0] * len(shuffled), 0.2, shuffled)

    assert {lead_ids[position] for position in held} == {shuffled[position] for position in held_shuffled}
    assert len(held) == 80


def test_leads_load_in_id_order(database):
    build_closed_leads(database, won=60, lost=60)

    lead_ids = _closed_ids(database)

    assert lead_ids == sorted(lead_ids)


def test_metadata_stores_split_rule(database):
    build_closed_leads(database, won=150, lost=250)

    train_conversion_model(database, method="logistic", holdout=0.25)

    split = read_metadata(database, 1)["split"]
    assert split["rule"] == "sha256-lead-id-per-class"
    assert 0 < split["held_out_below"]["0"] < 1
    assert 0 < split["held_out_below"]["1"] < 1
    assert split["holdout"] == 0.25
    assert isinstance(split["salt"], str)


def _closed(database):
    with database.session() as session:
        lead_rows = load_lead_rows(session)
    _rows, outcomes = lead_rows.closed()
    return lead_rows.closed_ids(), outcomes


def test_retrain_scores_active_on_unseen_leads(database):
    build_closed_leads(database, won=150, lost=250)
    first = train_conversion_model(database, method="logistic")
    first_ids, first_outcomes = _closed(database)
    first_split = split_leads(first_outcomes, 0.2, first_ids)
    trained_on = {first_ids[position] for position in first_split.train}
    build_closed_leads(database, won=150, lost=250, seed=11)

    second = train_conversion_model(database, method="logistic")

    ids, outcomes = _closed(database)
    held_now = [(ids[position], outcomes[position]) for position in split_leads(outcomes, 0.2, ids).test]
    first_metadata = read_metadata(database, 1)
    unseen = [lead_id for lead_id, outcome in held_now if held_out_by(first_metadata, lead_id, outcome)]
    assert first.activated
    assert len(unseen) >= 40
    assert not trained_on & set(unseen)
    assert second.compared_leads == len(unseen)
    assert f"on {len(unseen)} held-out leads neither model trained on" in second.decision


def test_other_holdout_compares_on_both(database):
    build_closed_leads(database, won=300, lost=400)
    train_conversion_model(database, method="logistic", holdout=0.4)

    second = train_conversion_model(database, method="logistic", holdout=0.2)

    ids, outcomes = _closed(database)
    held_now = [(ids[position], outcomes[position]) for position in split_leads(outcomes, 0.2, ids).test]
    first_metadata = read_metadata(database, 1)
    assert second.compared_leads == sum(1 for lead_id, outcome in held_now if held_out_by(first_metadata, lead_id, outcome))
    assert second.compared_leads >= 100


def test_few_shared_leads_use_own_validation(database):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")
    metadata = read_metadata(database, 1)
    metadata["split"] = {**metadata["split"], "salt": "another salt", "held_out_below": {"0": 0.02, "1": 0.02}}
    write_metadata(database, 1, metadata)

    second = train_conversion_model(database, method="boosting")

    assert second.activated
    assert second.compared_leads == 0
    assert "were also held out from version 1" in second.decision
    assert "needs 10 of each" in second.decision
    assert model_store(database).active().version == 2


def test_model_without_split_rule(database):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")
    metadata = read_metadata(database, 1)
    del metadata["split"]
    write_metadata(database, 1, metadata)

    second = train_conversion_model(database, method="boosting")

    assert second.activated
    assert "stores no held-out rule" in second.decision
