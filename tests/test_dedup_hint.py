"""The hint shown while a new lead is typed: an exact phone, e-mail or full name of a stored lead."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from leaddesk.services.dedup.common_values import COMMON_VALUE_LEADS
from leaddesk.services.dedup.similar import find_similar_leads
from leaddesk.services.lead_create import create_lead

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


def _add(database, **values):
    with database.session() as session:
        return create_lead(session, values, "ana", T0)


def test_hint_on_known_phone_alone(database) -> None:
    lead_id = _add(database, first_name="Kate", last_name="Moreau", phone="+44 20 7946 0958", company="Brightforce")

    with database.session() as session:
        found = find_similar_leads(session, {"phone": "+44 20 7946 0958"})
        national = find_similar_leads(session, {"phone": "020 7946 0958", "country": "GB"})

    assert [item.label.lead_id for item in found] == [lead_id]
    assert "same phone +442079460958" in found[0].reasons
    assert found[0].message().startswith("This may be Kate Moreau")
    assert [item.label.lead_id for item in national] == [lead_id]


def test_hint_on_national_phone(database) -> None:
    lead_id = _add(database, first_name="Tom", last_name="Nguyen", phone="+1 415-555-0132")

    with database.session() as session:
        found = find_similar_leads(session, {"phone": "415.555.0132"})

    assert [item.label.lead_id for item in found] == [lead_id]
    assert "same national phone number 4155550132" in found[0].reasons


def test_hint_on_known_email_alone(database) -> None:
    lead_id = _add(database, first_name="Kate", last_name="Moreau", email="kate.moreau@brightforce.example")

    with database.session() as session:
        found = find_similar_leads(session, {"email": " KATE.MOREAU+crm@Brightforce.example "})

    assert [item.label.lead_id for item in found] == [lead_id]
    assert "same e-mail kate.moreau@brightforce.example" in found[0].reasons


def test_hint_phone_with_other_name(database) -> None:
    lead_id = _add(database, first_name="Kate", last_name="Moreau", phone="+44 20 7946 0958")

    with database.session() as session:
        found = find_similar_leads(session, {"first_name": "Ivan", "last_name": "Petrov", "phone": "+44 20 7946 0958"})

    assert [item.label.lead_id for item in found] == [lead_id]
    assert "same phone +442079460958" in found[0].reasons


def test_hint_on_exact_full_name(database) -> None:
    lead_id = _add(database, first_name="Kate", last_name="Moreau", company="Brightforce")

    with database.session() as session:
        found = find_similar_leads(session, {"first_name": "kate ", "last_name": "MOREAU"})
        swapped = find_similar_leads(session, {"first_name": "Moreau", "last_name": "Kate"})

    assert [item.label.lead_id for item in found] == [lead_id]
    assert found[0].reasons == ("same name",)
    assert found[0].message() == "Same name as Kate Moreau at Brightforce - is it this lead? Open it instead?"
    assert [item.label.lead_id for item in swapped] == [lead_id]


def test_no_name_hint_for_first_name_only(database) -> None:
    _add(database, first_name="Kate", last_name="Moreau")

    with database.session() as session:
        assert find_similar_leads(session, {"first_name": "Kate"}) == []
        assert find_similar_leads(session, {"first_name": "Kate", "last_name": "Morel"}) == []


def test_no_name_hint_when_contradicted(database) -> None:
    _add(database, first_name="Kate", last_name="Moreau", email="kate@brightforce.example", company="Brightforce")

    with database.session() as session:
        other_mail = find_similar_leads(session, {"first_name": "Kate", "last_name": "Moreau", "email": "kate@nightforce.example"})
        other_firm = find_similar_leads(session, {"first_name": "Kate", "last_name": "Moreau", "company": "Nightforce"})

    assert other_mail == []
    assert other_firm == []


def test_no_name_hint_for_common_name(database) -> None:
    for number in range(COMMON_VALUE_LEADS + 1):
        _add(database, first_name="John", last_name="Smith", email=f"john.smith{number}@firm{number}.example")

    with database.session() as session:
        assert find_similar_leads(session, {"first_name": "John", "last_name": "Smith"}) == []


def test_no_phone_hint_for_shared_switchboard(database) -> None:
    for number in range(COMMON_VALUE_LEADS + 1):
        _add(database, first_name=f"Person{number}", last_name=f"Surname{number}", phone="+44 20 7946 0000")

    with database.session() as session:
        assert find_similar_leads(session, {"phone": "+44 20 7946 0000"}) == []
