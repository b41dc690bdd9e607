"""Custom-field weights fitted to the scanned leads by expectation maximisation."""

from __future__ import annotations

import uuid

import pytest
from lead_rows import add_lead

from leaddesk.services.dedup.fitting import DIFFERENT, FITTED_SCORE_CAP, SAME, fit_model
from leaddesk.services.dedup.normalize import refresh_match_keys
from leaddesk.services.dedup.scan import scan_duplicates
from leaddesk.services.dedup.scoring import LeadKeys
from leaddesk.services.dedup.settings import Thresholds

FIRST = ["Ada", "Boris", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
         "Kofi", "Lena", "Marco", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Abbott", "Brennan", "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Hartmann",
        "Ibarra", "Jovanovic", "Kowalczyk", "Lindqvist", "Moreno", "Nakamura", "Okonkwo", "Petrov",
        "Quispe", "Rasmussen", "Santoro", "Tanaka"]
STREETS = ["Harbour Road", "Mill Lane", "Station Street", "Church Walk", "Kings Parade"]


def _seed_members(session) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[tuple[uuid.UUID, uuid.UUID]]]:
    """Add 20 members and a copy of each under another name, and 10 pairs of namesakes; return both kinds of pairs."""
    copies, namesakes = [], []
    for index in range(20):
        custom = {"Member no": f"{4_100_000 + index * 7919}", "Street": f"{index + 10} {STREETS[index % 5]}"}
        original = add_lead(session, first_name=FIRST[index], last_name=LAST[index], custom_fields=dict(custom))
        copy = add_lead(session, first_name=FIRST[(index + 7) % 20], last_name=LAST[(index + 3) % 20], custom_fields=dict(custom))
        copies.append((original, copy))
    for index in range(10):
        pair = []
        for offset in (0, 1):
            custom = {"Member no": f"{5_300_000 + index * 104_729 + offset * 31}", "Street": f"{index + 40 + offset * 9} {STREETS[(index + offset) % 5]}"}
            pair.append(add_lead(session, first_name="Sam", last_name=f"Wu{'x' * index}", custom_fields=custom))
        namesakes.append((pair[0], pair[1]))
    return copies, namesakes


def test_scan_raises_copies_by_fitted_weights(database) -> None:
    with database.session() as session:
        copies, namesakes = _seed_members(session)
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
        copies, _namesakes = _seed_members(session)
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
        copies, _namesakes = _seed_members(session)
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
