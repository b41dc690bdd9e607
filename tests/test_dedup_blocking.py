"""Blocking keys, stored key rows and their refresh, and the evidence rules for identifiers and cities."""

from __future__ import annotations

import logging
import uuid

import pytest

from sqlalchemy import select, text, update
from lead_rows import add_lead

from leaddesk.models import Lead, LeadMatchKey
from leaddesk.services.dedup.blocking_keys import blocking_keys, identifier_digits
from leaddesk.services.dedup.candidates import candidate_pairs
from leaddesk.services.dedup.fitting import SAME, field_levels
from leaddesk.services.dedup.normalize import normalize_lead_keys, refresh_match_keys
from leaddesk.services.dedup.scan import scan_duplicates
from leaddesk.services.dedup.scoring import LeadKeys, score_pair

REVIEW = 0.5


def _blocking(**fields) -> set[str]:
    keys = normalize_lead_keys(dict(fields))
    return blocking_keys(keys, fields.get("city"), fields.get("custom_fields"))


def _keys(**fields) -> LeadKeys:
    row = {"first_name": None, "last_name": None, "full_name": None, "email": None, "phone": None,
           "country": None, "company": None, "website": None, "domain": None, **fields}
    normalize_lead_keys(row)
    return LeadKeys.from_row({"id": uuid.uuid4(), "city": fields.get("city"), "custom_fields": fields.get("custom_fields", {}), **row})


def test_keys_email_local_part_shared() -> None:
    work = _blocking(first_name="Ann", last_name="Lee", email="ann.lee@acme.com")
    private = _blocking(first_name="Ann", last_name="Lee", email="annlee@gmail.com")

    assert "l:annlee" in work
    assert "l:annlee" in private


def test_keys_personal_email_only_local_part() -> None:
    keys = _blocking(first_name="Ann", last_name="Lee", email="Ann.Lee+crm@gmail.com")

    assert "l:annlee" in keys
    assert not any(key.startswith("e:") for key in keys)


def test_keys_role_mailbox_has_no_local_key() -> None:
    keys = _blocking(company="Acme", email="info@acme.com")

    assert "e:info@acme.com" in keys
    assert not any(key.startswith("l:") for key in keys)


def test_keys_names_in_both_orders() -> None:
    straight = _blocking(first_name="Bill", last_name="Turner")
    swapped = _blocking(first_name="Turner", last_name="William")

    names = {key for key in straight if key.startswith("n:")}

    assert names == {"n:turner|william"}
    assert "n:turner|william" in swapped


def test_keys_company_joined_for_people() -> None:
    person = _blocking(first_name="Bill", last_name="Turner", company="Acme Inc")
    firm = _blocking(company="Acme Inc")

    assert "o:acme|w" in person
    assert "o:acme|t656" in person
    assert "o:acme" not in person
    assert firm == {"o:acme"}


def test_keys_domain_label_joins_company() -> None:
    both = _blocking(first_name="Bill", last_name="Turner", company="Acme Inc", email="bill@acme.co.uk")
    email_only = _blocking(first_name="Bill", last_name="Turner", email="bturner@acme.com")
    other_domain = _blocking(first_name="Bill", last_name="Turner", company="Acme Inc", website="www.globex.com")

    assert {key for key in both if key.startswith("o:")} == {"o:acme|w", "o:acme|t656"}
    assert {key for key in email_only if key.startswith("o:")} == {"o:acme|w", "o:acme|t656"}
    assert {key for key in other_domain if key.startswith("o:")} == {"o:acme|w", "o:acme|t656", "o:globex|w", "o:globex|t656"}


def test_keys_city_with_name_sound() -> None:
    keys = _blocking(first_name="Kate", last_name="Moss", city="São Paulo")

    assert "t:m200|sao paulo" in keys
    assert "t:k300|sao paulo" in keys


def test_keys_identifier_custom_values() -> None:
    keys = _blocking(last_name="Moss", custom_fields={"Customer No": "AB-123 456", "Birth date": "1956-08-05",
                                                       "Street": "1234 Long Street", "Zip": "2010"})

    assert "x:customer no|123456" in keys
    assert "x:birth date|19560805" in keys
    assert not any(key.startswith("x:street") for key in keys)
    assert not any(key.startswith("x:zip") for key in keys)


def test_identifier_digits_rules() -> None:
    assert identifier_digits("1956-08-05") == "19560805"
    assert identifier_digits("12345") is None
    assert identifier_digits("Flat 123456, Long Street") is None
    assert identifier_digits(True) is None


def test_candidates_skip_large_block(caplog) -> None:
    blocks = iter([("c:acme|j", ["a", "b", "c"]), ("e:ann@acme.com", ["a", "d"])])

    with caplog.at_level(logging.INFO, logger="leaddesk.services.dedup.candidates"):
        pairs = candidate_pairs(blocks, {"a", "b", "c", "d"}, max_block_size=2)

    assert pairs == {("a", "d")}
    assert "skipped 1 blocking keys shared by more than 2 leads" in caplog.text
    assert "'c:acme|j' with 3 leads" in caplog.text


def test_candidates_leave_out_dead_leads() -> None:
    pairs = candidate_pairs(iter([("p:+14155550100", ["a", "b", "gone"])]), {"a", "b"})

    assert pairs == {("a", "b")}


def test_refresh_writes_key_rows(database) -> None:
    with database.session() as session:
        lead_id = add_lead(session, first_name="Bill", last_name="Turner", email="Bill.Turner@acme.com", phone="+1 415 555 0100")

    with database.session() as session:
        changed = refresh_match_keys(session)

    with database.session() as session:
        stored = set(session.scalars(select(LeadMatchKey.key).where(LeadMatchKey.lead_id == lead_id)))
        lead = session.get(Lead, lead_id)
        assert changed == 1
        assert lead.match_keys_hash is not None
        assert stored == {"l:billturner", "p:+14155550100", "q:4155550100", "n:turner|william", "o:acme|w", "o:acme|t656"}


def test_refresh_skips_fresh_leads(database) -> None:
    with database.session() as session:
        add_lead(session, first_name="Bill", last_name="Turner")

    with database.session() as session:
        first = refresh_match_keys(session)
    with database.session() as session:
        second = refresh_match_keys(session)

    assert first == 1
    assert second == 0


def test_refresh_finds_values_changed_behind_keys(database) -> None:
    with database.session() as session:
        lead_id = add_lead(session, first_name="Ann", last_name="Lee", email="ann@acme.com")
    with database.session() as session:
        refresh_match_keys(session)

    # A bulk write that changes the e-mail but not the keys, as a Core import would.
    with database.session() as session:
        session.execute(update(Lead).where(Lead.id == lead_id).values(email="ann.lee@globex.com"))
    with database.session() as session:
        changed = refresh_match_keys(session)

    with database.session() as session:
        stored = set(session.scalars(select(LeadMatchKey.key).where(LeadMatchKey.lead_id == lead_id)))
        assert changed == 1
        assert "l:annlee" in stored
        assert "e:ann@acme.com" not in stored


def test_refresh_limited_to_lead_ids(database) -> None:
    with database.session() as session:
        first = add_lead(session, first_name="Ann", last_name="Lee")
        second = add_lead(session, first_name="Tom", last_name="Ward")

    with database.session() as session:
        changed = refresh_match_keys(session, lead_ids=[first])

    with database.session() as session:
        assert changed == 1
        assert session.get(Lead, first).match_keys_hash is not None
        assert session.get(Lead, second).match_keys_hash is None


def test_key_rows_deleted_with_lead(database) -> None:
    with database.session() as session:
        lead_id = add_lead(session, first_name="Ann", last_name="Lee", email="ann@acme.com")
    with database.session() as session:
        refresh_match_keys(session)

    with database.session() as session:
        session.delete(session.get(Lead, lead_id))

    with database.session() as session:
        remaining = session.execute(text("SELECT count(*) FROM lead_match_keys")).scalar_one()
        assert remaining == 0


def test_identifiers_outweigh_first_name() -> None:
    pair = score_pair(
        _keys(first_name="Spyke", last_name="Karlsen", custom_fields={"date_of_birth": "19110129", "customer_id": "5567470"}),
        _keys(first_name="Anthony", last_name="Karlsen", custom_fields={"date_of_birth": "19110129", "customer_id": "5567470"}),
    )

    assert pair.score >= REVIEW
    assert "same customer_id 5567470, date_of_birth 19110129" in pair.reasons
    assert "different first names (spyke/anthony)" in pair.reasons


def test_identifiers_alone_not_enough() -> None:
    pair = score_pair(
        _keys(first_name="Spyke", last_name="Karlsen", custom_fields={"date_of_birth": "19110129", "customer_id": "5567470"}),
        _keys(first_name="Anthony", last_name="Goode", custom_fields={"date_of_birth": "19110129", "customer_id": "5567470"}),
    )

    assert pair.score < REVIEW


def test_identifier_difference_reported() -> None:
    pair = score_pair(
        _keys(first_name="Ann", last_name="Lee", custom_fields={"customer_id": "5567470"}),
        _keys(first_name="Ann", last_name="Lee", custom_fields={"customer_id": "9012345"}),
    )

    assert pair.score < REVIEW
    assert "different customer_id (5567470/9012345)" in pair.reasons


def test_identifier_typo_is_similar() -> None:
    pair = score_pair(
        _keys(first_name="Ann", last_name="Lee", custom_fields={"customer_id": "5567470"}),
        _keys(first_name="Ann", last_name="Lee", custom_fields={"customer_id": "5567471"}),
    )

    assert "similar customer_id" in pair.reasons
    assert pair.score >= REVIEW


def test_city_agreement_reason() -> None:
    pair = score_pair(_keys(first_name="Ann", last_name="Lee", city="Oslo"), _keys(first_name="Ann", last_name="Lee", city="OSLO"))

    assert "same city (oslo)" in pair.reasons


def test_similar_firms_same_city_no_match() -> None:
    pair = score_pair(_keys(company="Brightforce Ltd", city="Oslo"), _keys(company="Nightforce Ltd", city="Oslo"))

    assert pair.score < REVIEW
    assert "different companies (brightforce/nightforce)" in pair.reasons


def test_transposed_letters_are_similar() -> None:
    pair = score_pair(
        _keys(first_name="Olivia", last_name="Blackwell", email="olivia@acme.com"),
        _keys(first_name="Oliiva", last_name="Blackwell", email="olivia@acme.com"),
    )

    assert "first name similar (olivia/oliiva)" in pair.reasons


def test_common_identifier_counts_as_text(database) -> None:
    with database.session() as session:
        for number in range(12):
            add_lead(session, first_name=f"Person{number}", last_name=f"Family{number}", custom_fields={"pin code": "110001"})

    with database.session() as session:
        groups = scan_duplicates(session)

    assert groups == []


def test_scan_groups_by_identifier(database) -> None:
    with database.session() as session:
        first = add_lead(session, first_name="Ann", last_name="Lee", custom_fields={"customer_id": "A-552910"})
        second = add_lead(session, first_name="Anne", last_name="Lee", custom_fields={"customer_id": "A-552910"})
        add_lead(session, first_name="Tom", last_name="Ward", custom_fields={"customer_id": "A-100200"})

    with database.session() as session:
        groups = scan_duplicates(session)

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {first, second}


def test_keys_short_code_with_surname() -> None:
    keys = _blocking(first_name="Kate", last_name="Moss", custom_fields={"postcode": "2200", "floor": "12"})

    assert "z:m200|postcode|2200" in keys
    assert not any(key.startswith("z:m200|floor") for key in keys)


def test_keys_short_code_with_given_name() -> None:
    nickname = _blocking(first_name="Bill", last_name="Moss", custom_fields={"postcode": "2200"})
    full_name = _blocking(first_name="William", last_name="Lamb", custom_fields={"postcode": "2200"})

    # The key contains the sound code of the given name's full form, so a nickname meets it.
    assert "z:w450|postcode|2200" in nickname
    assert nickname & full_name == {"z:w450|postcode|2200"}


def test_married_name_shares_postcode_key() -> None:
    before = _blocking(first_name="Madeline", last_name="Bissett", city="Port Broughton",
                       custom_fields={"postcode": "3977", "member_no": "8938036"})
    after = _blocking(first_name="Madeline", last_name="David", city="Port Brolghton",
                      custom_fields={"postcode": "3977", "member_no": "8930836"})

    assert before & after == {"z:m345|postcode|3977"}


def test_names_differing_in_spaces_identical() -> None:
    pair = score_pair(
        _keys(first_name="Laur a", last_name="Van Dyke", city="Banksia"),
        _keys(first_name="Laura", last_name="Vandyke", city="Banksia"),
    )

    assert "first name identical apart from spaces (laur a/laura)" in pair.reasons
    assert "surname identical apart from spaces (van dyke/vandyke)" in pair.reasons
    assert pair.score == pytest.approx(0.5)


def test_custom_values_differing_in_spaces_same() -> None:
    pair = score_pair(
        _keys(first_name="Corey", last_name="Godfrey", custom_fields={"street": "Cox Cour t Hostel"}),
        _keys(first_name="Corey", last_name="Godfrey", custom_fields={"street": "Cox Court Hostel"}),
    )

    assert "same street" in pair.reasons
    assert pair.score == pytest.approx(0.6)


def test_fit_level_ignores_spaces() -> None:
    levels = field_levels(_keys(custom_fields={"street": "colebatchplace"}), _keys(custom_fields={"street": "Colebatch Place"}))

    assert levels == (("t:street", SAME),)


def test_common_custom_values_ignored(database) -> None:
    shared = {"lead source": "Webinar", "industry": "Software"}
    with database.session() as session:
        add_lead(session, first_name="John", last_name="Smith", company="Acme", custom_fields=dict(shared))
        add_lead(session, first_name="John", last_name="Smith", company="Globex", custom_fields=dict(shared))
        for number in range(10):
            add_lead(session, first_name=f"Person{number}", last_name=f"Family{number}", custom_fields=dict(shared))

    with database.session() as session:
        groups = scan_duplicates(session)

    assert groups == []


def test_rare_custom_values_count(database) -> None:
    shared = {"lead source": "Webinar", "industry": "Software"}
    with database.session() as session:
        first = add_lead(session, first_name="John", last_name="Smith", company="Acme", custom_fields=dict(shared))
        second = add_lead(session, first_name="John", last_name="Smith", company="Globex", custom_fields=dict(shared))

    with database.session() as session:
        groups = scan_duplicates(session)

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {first, second}
