"""Duplicate detection: pairs that must match, pairs that must not, grouping and remembered decisions."""

from __future__ import annotations

import uuid

import pytest

from leaddesk.models import Lead, Setting
from leaddesk.services.dedup.grouping import group_pairs
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.scan import NotDuplicateError, mark_not_duplicate, scan_duplicates
from leaddesk.services.dedup.scoring import LeadKeys, PairScore, score_pair
from leaddesk.services.dedup.settings import DedupSettingsError, load_thresholds

REVIEW = 0.5


def _keys(**fields) -> LeadKeys:
    row = {"first_name": None, "last_name": None, "full_name": None, "email": None, "phone": None,
           "country": None, "company": None, "website": None, "domain": None, **fields}
    normalize_lead_keys(row)
    return LeadKeys.from_row({"id": uuid.uuid4(), "custom_fields": fields.get("custom_fields", {}), **row})


def _add(session, **fields) -> uuid.UUID:
    lead = Lead(**fields)
    normalize_lead_keys(lead)
    session.add(lead)
    session.flush()
    return lead.id


def test_match_nickname_same_company() -> None:
    pair = score_pair(
        _keys(first_name="Bill", last_name="Turner", company="Acme Inc", email="bill@acme.com"),
        _keys(first_name="William", last_name="Turner", company="ACME LLC"),
    )

    assert pair.score >= REVIEW
    assert "first name nickname (bill/william)" in pair.reasons


def test_match_swapped_names() -> None:
    pair = score_pair(
        _keys(first_name="Chen", last_name="Wei", phone="+86 10 6552 9988"),
        _keys(first_name="Wei", last_name="Chen", phone="+861065529988"),
    )

    assert pair.score >= REVIEW
    assert "first and last name swapped" in pair.reasons


def test_match_gmail_dots() -> None:
    pair = score_pair(
        _keys(full_name="Ann Lee", email="ann.lee@gmail.com"), _keys(full_name="Ann Lee", email="AnnLee+leads@googlemail.com")
    )

    assert pair.score >= 0.9
    assert "same e-mail annlee@gmail.com" in pair.reasons


def test_match_phone_formats() -> None:
    pair = score_pair(
        _keys(first_name="Kate", last_name="Moss", phone="020 7183 8750", country="United Kingdom"),
        _keys(first_name="Katherine", last_name="Moss", phone="+44 (0)20 7183-8750"),
    )

    assert pair.score >= REVIEW
    assert "same phone +442071838750" in pair.reasons


def test_match_company_suffix() -> None:
    pair = score_pair(_keys(company="Nordlys Software AS"), _keys(company="Nordlys AS"))

    assert pair.score >= REVIEW
    assert "same company (nordlys)" in pair.reasons


def test_no_match_similar_company_letters() -> None:
    pair = score_pair(_keys(company="Brightforce Ltd"), _keys(company="Nightforce Ltd"))

    assert pair.score < REVIEW
    assert "different companies (brightforce/nightforce)" in pair.reasons


def test_no_match_same_name_other_company() -> None:
    pair = score_pair(
        _keys(first_name="John", last_name="Smith", company="Acme", email="john@acme.com"),
        _keys(first_name="John", last_name="Smith", company="Globex", email="jsmith@globex.com"),
    )

    assert pair.score < REVIEW


def test_no_match_two_work_emails_one_domain() -> None:
    pair = score_pair(
        _keys(first_name="John", last_name="Smith", company="Acme", email="john@acme.com"),
        _keys(first_name="John", last_name="Smith", company="Acme", email="john.smith2@acme.com"),
    )

    assert pair.score < REVIEW
    assert "two different work e-mails at acme.com" in pair.reasons


def test_no_match_similar_names_only() -> None:
    pair = score_pair(_keys(first_name="Jon", last_name="Smyth"), _keys(first_name="John", last_name="Smith"))

    assert pair.score < REVIEW


def test_grouping_does_not_chain() -> None:
    a, b, c = sorted(uuid.uuid4() for _ in range(3))
    pairs = [PairScore(a, b, 0.8, ()), PairScore(b, c, 0.7, ())]

    groups = group_pairs(pairs, threshold=REVIEW)

    members = [{p.low_id for p in group} | {p.high_id for p in group} for group in groups]
    assert {a, b} in members
    assert all(not {a, c} <= group for group in members)


def test_grouping_joins_supported_triangle() -> None:
    a, b, c = sorted(uuid.uuid4() for _ in range(3))
    pairs = [PairScore(a, b, 0.8, ()), PairScore(b, c, 0.7, ()), PairScore(a, c, 0.6, ())]

    groups = group_pairs(pairs, threshold=REVIEW)

    assert len(groups) == 1
    assert len(groups[0]) == 3


def test_scan_finds_group_from_index(database) -> None:
    with database.session() as session:
        first = _add(session, first_name="Bill", last_name="Turner", email="bill.turner@gmail.com", company="Acme Inc")
        second = _add(session, first_name="William", last_name="Turner", email="billturner+x@gmail.com")
        _add(session, first_name="Ann", last_name="Lee", company="Globex")

    with database.session() as session:
        groups = scan_duplicates(session)

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {first, second}
    assert groups[0].confidence >= 0.9


def test_scan_sorted_by_confidence(database) -> None:
    with database.session() as session:
        _add(session, first_name="Kate", last_name="Moss", company="Acme")
        _add(session, first_name="Katherine", last_name="Moss", company="Acme Ltd")
        _add(session, first_name="Tom", last_name="Hale", email="tom@hale.io")
        _add(session, first_name="Thomas", last_name="Hale", email="TOM@hale.io")

    with database.session() as session:
        groups = scan_duplicates(session)

    assert len(groups) == 2
    assert groups[0].confidence > groups[1].confidence


def test_not_duplicate_remembered(database) -> None:
    with database.session() as session:
        first = _add(session, first_name="Kate", last_name="Moss", company="Acme")
        second = _add(session, first_name="Katherine", last_name="Moss", company="Acme Ltd")

    with database.session() as session:
        before = scan_duplicates(session)
        mark_not_duplicate(session, first, second, actor="ana")

    with database.session() as session:
        after = scan_duplicates(session)

    assert len(before) == 1
    assert after == []


def test_not_duplicate_unknown_lead(database) -> None:
    with database.session() as session:
        first = _add(session, first_name="Kate", last_name="Moss")
        with pytest.raises(NotDuplicateError, match="not found"):
            mark_not_duplicate(session, first, uuid.uuid4())


def test_threshold_setting_invalid(database) -> None:
    with database.session() as session:
        session.add(Setting(key="dedup.review_threshold", value="high"))
        session.flush()
        with pytest.raises(DedupSettingsError, match="'high', which is not a number"):
            load_thresholds(session)
