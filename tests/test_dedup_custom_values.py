"""Custom values compared across numbered fields, swapped digits, and raising on similar values."""

from __future__ import annotations

import uuid

import pytest
from lead_rows import add_lead

from leaddesk.services.dedup.custom_values import (
    DIFFERENT,
    SAME,
    SIMILAR,
    compared_values,
    is_transposition,
    numbered_field_stem,
    value_level,
)
from leaddesk.services.dedup.fitted_store import save_fitted_model
from leaddesk.services.dedup.fitting import FittedModel, field_levels, is_raisable, pair_pattern
from leaddesk.services.dedup.normalize import normalize_lead_keys, refresh_match_keys
from leaddesk.services.dedup.scan import find_similar, scan_duplicates
from leaddesk.services.dedup.scoring import LeadKeys, evaluate_pair_parts, same_full_name, score_pair


def _keys(**fields) -> LeadKeys:
    row = {"first_name": None, "last_name": None, "full_name": None, "email": None, "phone": None,
           "country": None, "company": None, "website": None, "domain": None, **fields}
    normalize_lead_keys(row)
    return LeadKeys.from_row({"id": uuid.uuid4(), "city": fields.get("city"), "custom_fields": fields.get("custom_fields", {}), **row})


@pytest.mark.parametrize(
    ("name", "stem"),
    [("address_1", "address"), ("Address line 2", "address line"), ("phone-3", "phone"), ("street2", "street"),
     ("soc_sec_id", None), ("2024", None), ("postcode", None)],
)
def test_numbered_field_stem(name, stem) -> None:
    assert numbered_field_stem(name) == stem


def test_swapped_address_lines_compared_as_set() -> None:
    first = {"address_1": "kingham place", "address_2": "killarney"}
    second = {"address_1": "killarney", "address_2": "kingham place"}

    compared = compared_values(first, second)

    assert compared == [
        ("address_1", "kingham place", "address_2", "kingham place"),
        ("address_2", "killarney", "address_1", "killarney"),
    ]


def test_line_typed_into_other_field() -> None:
    compared = compared_values({"address_1": "kingham place"}, {"address_1": "killarney", "address_2": "kingham place"})

    assert compared == [("address_1", "kingham place", "address_2", "kingham place")]


def test_numbered_fields_agreeing_by_name_stay() -> None:
    first = {"address_1": "leahy place", "address_2": "crestfield", "postcode": "6302"}
    second = {"address_1": "leahy place", "address_2": "leahy place", "postcode": "6320"}

    compared = compared_values(first, second)

    assert compared == [
        ("address_1", "leahy place", "address_1", "leahy place"),
        ("address_2", "crestfield", "address_2", "leahy place"),
        ("postcode", "6302", "postcode", "6320"),
    ]


def test_unnumbered_fields_never_cross() -> None:
    compared = compared_values({"industry": "retail", "segment": "banking"}, {"industry": "banking", "segment": "retail"})

    assert compared == [("industry", "retail", "industry", "banking"), ("segment", "banking", "segment", "retail")]


def test_swapped_lines_score_as_same() -> None:
    first = _keys(first_name="Pascale", last_name="Quast", custom_fields={"address_1": "Kingham Place", "address_2": "Killarney"})
    second = _keys(first_name="Pascale", last_name="Quast", custom_fields={"address_1": "Killarney", "address_2": "Kingham Place"})

    pair = score_pair(first, second)

    assert "same address_1/address_2, address_2/address_1" in pair.reasons
    assert field_levels(first, second) == (("t:address_1", SAME), ("t:address_2", SAME))


@pytest.mark.parametrize(
    ("first", "second", "swapped"),
    [("2160", "2610", True), ("2160", "1260", True), ("2160", "2170", False), ("2160", "2160", False),
     ("2160", "6012", False), ("216", "2160", False)],
)
def test_transposition(first, second, swapped) -> None:
    assert is_transposition(first, second) is swapped


@pytest.mark.parametrize(
    ("first", "second", "level"),
    [("2160", "2610", SIMILAR), ("2160", "2170", DIFFERENT), ("home 186", "home 186", SAME),
     ("partridge street", "partridgqe street", SIMILAR), ("colebatchplace", "colebatch place", SAME)],
)
def test_value_level(first, second, level) -> None:
    assert value_level(first, second) == level


def test_swapped_postcode_digits_similar() -> None:
    first = _keys(first_name="Kayla", last_name="Elrick", custom_fields={"postcode": "2160"})
    second = _keys(first_name="Kayla", last_name="Elrick", custom_fields={"postcode": "2610"})

    assert "similar postcode" in score_pair(first, second).reasons


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [(("Laura", "Hefford"), ("Laur a", "Hefford"), True), (("Kate", "Hefford"), ("Katherine", "Hefford"), True),
     (("Laura", "Hefford"), ("Hefford", "Laura"), True), (("Laura", "Hefford"), ("Tom", "Hefford"), False),
     (("Laura", "Hefford"), ("Laura", "Hefner"), False), (("Laura", "Hefford"), ("", "Hefford"), False)],
)
def test_same_full_name(first, second, same) -> None:
    lead_a = _keys(first_name=first[0], last_name=first[1])
    lead_b = _keys(first_name=second[0] or None, last_name=second[1])

    assert same_full_name(lead_a, lead_b) is same


def _raisable(first: LeadKeys, second: LeadKeys) -> bool:
    _score, _evidence, builtin = evaluate_pair_parts(first, second)
    return is_raisable(pair_pattern(first, second, builtin), first, second)


def test_similar_value_raisable_with_full_name() -> None:
    street = {"Street": "3 Partridge Street", "Member no": "4977825"}
    copy = {"Street": "3 Partridgqe Street", "Member no": "7280622"}

    assert _raisable(_keys(first_name="Laura", last_name="Hefford", custom_fields=street),
                     _keys(first_name="Laura", last_name="Hefford", custom_fields=copy))
    assert not _raisable(_keys(first_name="Laura", last_name="Hefford", custom_fields=street),
                         _keys(first_name="Tom", last_name="Hefford", custom_fields=copy))
    assert not _raisable(_keys(first_name="Laura", last_name="Hefford", custom_fields={"Member no": "4977825"}),
                         _keys(first_name="Laura", last_name="Hefford", custom_fields={"Member no": "7280622"}))


def _similar_street_model() -> FittedModel:
    """A stored fit in which a similar street is strong evidence and a different member number weak evidence against."""
    bands = {0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}
    m = {"band": bands, "t:Street": {SAME: 0.8, SIMILAR: 0.15, DIFFERENT: 0.05},
         "x:Member no": {SAME: 0.9, SIMILAR: 0.05, DIFFERENT: 0.05}}
    u = {"band": dict(bands), "t:Street": {SAME: 0.01, SIMILAR: 1e-4, DIFFERENT: 0.9899},
         "x:Member no": {SAME: 0.01, SIMILAR: 0.04, DIFFERENT: 0.95}}
    return FittedModel(0.25, m, u)


def test_similar_street_raises_namesake_not_neighbour(database) -> None:
    with database.session() as session:
        original = add_lead(session, first_name="Laura", last_name="Hefford", city="Banksia",
                            custom_fields={"Street": "3 Partridge Street", "Member no": "4977825"})
        copy = add_lead(session, first_name="Laura", last_name="Hefford", city="Banksia",
                        custom_fields={"Street": "3 Partridgqe Street", "Member no": "7280622"})
        neighbour = add_lead(session, first_name="Tom", last_name="Hefford", city="Banksia",
                             custom_fields={"Street": "3 Partridgee Street", "Member no": "5120388"})
        save_fitted_model(session, _similar_street_model())
        refresh_match_keys(session)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[copy, neighbour])

    assert [set(group.lead_ids) for group in groups] == [{original, copy}]
    assert groups[0].pairs[0].reasons[0].startswith("same full name and similar Street, which rarely happens by chance")


def test_similar_street_hint_needs_full_name(database) -> None:
    with database.session() as session:
        original = add_lead(session, first_name="Laura", last_name="Hefford", city="Banksia",
                            custom_fields={"Street": "3 Partridge Street", "Member no": "4977825"})
        save_fitted_model(session, _similar_street_model())
        refresh_match_keys(session)

    with database.session() as session:
        same_name = find_similar(session, {"first_name": "Laura", "last_name": "Hefford", "city": "Banksia",
                                           "custom_fields": {"Street": "3 Partridgqe Street", "Member no": "7280622"}})
        other_name = find_similar(session, {"first_name": "Tom", "last_name": "Hefford", "city": "Banksia",
                                            "custom_fields": {"Street": "3 Partridgqe Street", "Member no": "7280622"}})

    assert [match.lead_id for match in same_name] == [original]
    assert other_name == []
