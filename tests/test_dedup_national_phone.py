"""A phone typed without a country meets the E.164 form of the same number by its national number."""

from __future__ import annotations

import uuid

from leaddesk.models import Lead
from leaddesk.services.dedup.blocking_keys import blocking_keys
from leaddesk.services.dedup.national_phones import national_number, same_national_number
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.scan import scan_duplicates
from leaddesk.services.dedup.scoring import SAME_NATIONAL_PHONE, LeadKeys, score_pair


def _row(**fields) -> dict:
    row = {"first_name": None, "last_name": None, "full_name": None, "email": None, "phone": None,
           "country": None, "company": None, "website": None, "domain": None, **fields}
    normalize_lead_keys(row)
    return row


def _keys(**fields) -> LeadKeys:
    return LeadKeys.from_row({"id": uuid.uuid4(), "custom_fields": {}, **_row(**fields)})


def test_national_number_of_keys() -> None:
    assert national_number("+14155550132") == "4155550132"
    assert national_number("4155550132") == "4155550132"
    assert national_number("+442079460958") == "2079460958"
    assert national_number("02079460958") == "2079460958"
    assert national_number("+3531234") is None


def test_same_national_needs_one_unparsed() -> None:
    assert same_national_number("4155550132", "+14155550132") == "4155550132"
    assert same_national_number("+14155550132", "4155550132") == "4155550132"
    assert same_national_number("4155550132", "04155550132") is None
    assert same_national_number("+14155550132", "+444155550132") is None
    assert same_national_number("4155550133", "+14155550132") is None


def test_unparsed_phone_shares_national_key() -> None:
    unparsed = _row(first_name="Tom", last_name="Nguyen", phone="415.555.0132")
    parsed = _row(first_name="Thomas", last_name="Nguyen", phone="+1 415-555-0132")

    assert unparsed["match_phone"] == "4155550132"
    assert unparsed["match_phone_unparsed"]
    assert "q:4155550132" in blocking_keys(unparsed, None, None)
    assert "q:4155550132" in blocking_keys(parsed, None, None)


def test_national_phone_weaker_evidence() -> None:
    pair = score_pair(
        _keys(first_name="Tom", last_name="Nguyen", phone="415.555.0132"),
        _keys(first_name="Thomas", last_name="Nguyen", phone="+1 415-555-0132"),
    )

    assert "same national phone number 4155550132" in pair.reasons
    assert pair.score >= 0.5
    assert SAME_NATIONAL_PHONE < 0.25


def test_other_number_no_national_evidence() -> None:
    pair = score_pair(
        _keys(first_name="Tom", last_name="Nguyen", phone="415.555.0133"),
        _keys(first_name="Thomas", last_name="Nguyen", phone="+1 415-555-0132"),
    )

    assert not any(reason.startswith("same national phone") for reason in pair.reasons)


def test_scan_groups_national_phone(database) -> None:
    with database.session() as session:
        for fields in (
            {"first_name": "Tom", "last_name": "Nguyen", "phone": "415.555.0132"},
            {"first_name": "Thomas", "last_name": "Nguyen", "phone": "+1 415-555-0132"},
        ):
            lead = Lead(**fields)
            session.add(lead)
        session.flush()
        groups = scan_duplicates(session)

    assert len(groups) == 1
    assert any("same national phone number 4155550132" in pair.reasons for pair in groups[0].pairs)
