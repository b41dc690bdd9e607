"""Two work e-mails at one domain: a contradiction unless both local parts are forms of the person's name."""

from __future__ import annotations

import uuid

from leaddesk.services.dedup.email_names import local_part_fits_name
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.scoring import LeadKeys, score_pair

REVIEW = 0.5


def _keys(**fields) -> LeadKeys:
    row = {"first_name": None, "last_name": None, "full_name": None, "email": None, "phone": None,
           "country": None, "company": None, "website": None, "domain": None, **fields}
    normalize_lead_keys(row)
    return LeadKeys.from_row({"id": uuid.uuid4(), "custom_fields": {}, **row})


def test_name_form_emails_not_contradiction() -> None:
    pair = score_pair(
        _keys(first_name="Tom", last_name="Nguyen", email="tom@zephyrsoft.example", phone="(415) 555-0132",
              country="US", company="Zephyrsoft"),
        _keys(first_name="Nguyen", last_name="Thomas", email="t.nguyen@zephyrsoft.example", phone="+1 415-555-0132",
              company="Zephyrsoft Inc"),
    )

    assert pair.score >= 0.8
    assert not any(reason.startswith("two different work e-mails") for reason in pair.reasons)
    assert "different e-mails at zephyrsoft.example, both forms of the name" in pair.reasons


def test_initial_surname_not_contradiction() -> None:
    pair = score_pair(
        _keys(first_name="Kate", last_name="Moreau", email="kate.moreau@brightforce.example"),
        _keys(first_name="Katherine", last_name="Moreau", email="kmoreau@brightforce.example"),
    )

    assert "different e-mails at brightforce.example, both forms of the name" in pair.reasons
    assert pair.score > 0.3


def test_role_mailbox_still_contradiction() -> None:
    pair = score_pair(
        _keys(first_name="Tom", last_name="Nguyen", email="sales@zephyrsoft.example"),
        _keys(first_name="Tom", last_name="Nguyen", email="tom@zephyrsoft.example"),
    )

    assert "two different work e-mails at zephyrsoft.example" in pair.reasons


def test_other_person_mailbox_still_contradiction() -> None:
    pair = score_pair(
        _keys(first_name="Tom", last_name="Nguyen", email="tom@zephyrsoft.example"),
        _keys(first_name="Tom", last_name="Nguyen", email="anna.berg@zephyrsoft.example"),
    )

    assert "two different work e-mails at zephyrsoft.example" in pair.reasons
    assert pair.score < REVIEW


def test_similar_firm_names_still_differ() -> None:
    pair = score_pair(
        _keys(first_name="Kate", last_name="Moreau", email="kate@brightforce.example", company="Brightforce"),
        _keys(first_name="Kate", last_name="Moreau", email="kate@nightforce.example", company="Nightforce"),
    )

    assert pair.score < REVIEW


def test_local_part_name_forms() -> None:
    fits = ["tom", "nguyen", "tom.nguyen", "tnguyen", "t.nguyen", "nguyen.t", "tomn", "thomas_nguyen"]
    for local in fits:
        assert local_part_fits_name(local, "tom", "nguyen"), local
    for local in ["tn", "t", "sales", "anna.berg", "tom.berg", "nguyen.tom.x", "tom.nguyen2"]:
        assert not local_part_fits_name(local, "tom", "nguyen"), local
    assert not local_part_fits_name("tom", "tom", None)
