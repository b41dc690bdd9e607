"""Custom-field weights fitted to the scanned leads by expectation maximisation."""

from __future__ import annotations

import uuid

import json
import logging

import pytest
from dedup_members import member_fields, seed_members
from lead_rows import add_lead

from leaddesk.models import Setting
from leaddesk.services.dedup.fitted_store import (
    FITTED_MODEL_KEY,
    FittedModelError,
    load_fitted_model,
    parse_fitted_model,
    save_fitted_model,
)
from leaddesk.services.dedup.fitting import DIFFERENT, FITTED_SCORE_CAP, SAME, SIMILAR, FittedModel, fit_model
from leaddesk.services.dedup.normalize import refresh_match_keys
from leaddesk.services.dedup.scan import find_similar, scan_duplicates
from leaddesk.services.dedup.similar import find_similar_leads
from leaddesk.services.dedup.scoring import LeadKeys
from leaddesk.services.dedup.settings import Thresholds

def test_scan_raises_copies_by_fitted_weights(database) -> None:
    with database.session() as session:
        copies, namesakes = seed_members(session)
        refresh_match_keys(session)

    with database.session() as session:
        groups = scan_duplicates(session)

    grouped = {frozenset(group.lead_ids): group for group in groups}
    assert len(groups) == 20
    for original, copy in copies:
        group = grouped[frozenset((original, copy))]
        assert group.pairs[0].reasons[0] == "same Street, Member no, which rarely agree by chance in these leads (100% likely one lead)"
        assert "different surnames" in " ".join(group.pairs[0].reasons)
        assert group.confidence == FITTED_SCORE_CAP
        assert not group.auto_merge
    for first, second in namesakes:
        assert frozenset((first, second)) not in grouped


def test_fitted_score_below_auto_merge(database) -> None:
    with database.session() as session:
        copies, _namesakes = seed_members(session)
        refresh_match_keys(session)

    with database.session() as session:
        groups = scan_duplicates(session, thresholds=Thresholds(review=0.5, auto_merge=0.7))

    assert len(groups) == len(copies)
    for group in groups:
        assert group.confidence == pytest.approx(0.7)
        assert group.confidence < 0.7
        assert not group.auto_merge


def test_incremental_scan_not_fitted(database) -> None:
    with database.session() as session:
        copies, _namesakes = seed_members(session)
        refresh_match_keys(session)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[copies[0][1]])

    assert groups == []


def test_fit_model_separates_patterns() -> None:
    leads = {
        f"{index:032x}": LeadKeys(id=uuid.UUID(int=index), identifiers={"member": f"{1_000_000 + index}"})
        for index in range(40)
    }
    matches = [(3, (("x:member", SAME),))] * 30
    others = [(0, (("x:member", DIFFERENT),))] * 70
    random_pairs = [(f"{index:032x}", f"{index + 1:032x}") for index in range(39)]

    model = fit_model(leads, matches + others, [0] * 39, random_pairs)

    assert model is not None
    assert model.match_share == pytest.approx(0.3, abs=0.01)
    assert model.match_probability(matches[0]) > 0.99
    assert model.match_probability(others[0]) < 0.01


FITTED_REASON = "same Street, Member no, which rarely agree by chance in these leads (100% likely one lead)"


def _stored_model() -> FittedModel:
    levels = {SAME: 0.9, SIMILAR: 0.05, DIFFERENT: 0.05}
    chance = {SAME: 0.01, SIMILAR: 0.04, DIFFERENT: 0.95}
    bands = {0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}
    return FittedModel(0.25, {"band": bands, "x:Member no": levels}, {"band": dict(bands), "x:Member no": chance})


def test_full_scan_stores_fit(database) -> None:
    with database.session() as session:
        seed_members(session)
        refresh_match_keys(session)

    with database.session() as session:
        assert load_fitted_model(session) is None
        scan_duplicates(session)

    with database.session() as session:
        model = load_fitted_model(session)

    assert model is not None
    assert set(model.m) == {"band", "x:Member no", "t:Street"}
    assert model.m["x:Member no"][SAME] > 0.9


def test_incremental_scan_uses_stored_fit(database) -> None:
    with database.session() as session:
        copies, _namesakes = seed_members(session)
        refresh_match_keys(session)
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        newcomer = add_lead(session, first_name="Zora", last_name="Quist", custom_fields=member_fields(0))
        refresh_match_keys(session)
    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[newcomer])

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {newcomer, *copies[0]}
    assert groups[0].pairs[0].reasons[0] == FITTED_REASON
    assert groups[0].confidence == FITTED_SCORE_CAP


def test_similar_hint_uses_stored_fit(database) -> None:
    with database.session() as session:
        copies, _namesakes = seed_members(session)
        refresh_match_keys(session)
    typed = {"first_name": "Zora", "last_name": "Quist", "custom_fields": member_fields(0)}

    with database.session() as session:
        before = find_similar_leads(session, typed)
        scan_duplicates(session)
    with database.session() as session:
        after = find_similar_leads(session, typed)

    assert before == []
    assert {item.label.lead_id for item in after} == set(copies[0])
    assert after[0].reasons[0] == FITTED_REASON
    assert after[0].score == FITTED_SCORE_CAP


def test_full_scan_without_custom_clears_fit(database) -> None:
    with database.session() as session:
        save_fitted_model(session, _stored_model())
        add_lead(session, first_name="Ann", last_name="Lee", email="ann@acme.com")
        add_lead(session, first_name="Anne", last_name="Lee", email="ann@acme.com")
        refresh_match_keys(session)

    with database.session() as session:
        assert load_fitted_model(session) is not None
        groups = scan_duplicates(session)

    with database.session() as session:
        assert session.get(Setting, FITTED_MODEL_KEY) is None
    assert len(groups) == 1


def test_stored_fit_round_trip(database) -> None:
    model = _stored_model()

    with database.session() as session:
        save_fitted_model(session, model)
    with database.session() as session:
        loaded = load_fitted_model(session)

    assert loaded == model
    assert loaded.match_probability((3, (("x:Member no", SAME),))) == pytest.approx(model.match_probability((3, (("x:Member no", SAME),))))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "is list, not a JSON object"),
        ('{"match_share": 1.5, "m": {}, "u": {}}', "match_share is 1.5; expected a probability above 0 and at most 1"),
        ('{"match_share": 0.2, "m": {"band": {"0": 1.0}}, "u": {"band": {"0": 1.0}}}', "of 'band' need the levels [0, 1, 2, 3]"),
        ('{"match_share": 0.2, "m": {"band": {"x": 1.0}}, "u": {"band": {"x": 1.0}}}', "the score band 'x' is not an integer"),
    ],
)
def test_stored_fit_invalid(value, message) -> None:
    with pytest.raises(FittedModelError) as raised:
        parse_fitted_model(value)

    assert message in str(raised.value)


def test_invalid_stored_fit_ignored(database, caplog) -> None:
    with database.session() as session:
        session.add(Setting(key=FITTED_MODEL_KEY, value=json.dumps({"match_share": 0.2})))

    with caplog.at_level(logging.WARNING), database.session() as session:
        model = load_fitted_model(session)

    assert model is None
    assert "ignored the stored custom-field weights: m is missing or not a JSON object" in caplog.text
    assert "run a full duplicate scan" in caplog.text
