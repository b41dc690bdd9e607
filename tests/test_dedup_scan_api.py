"""The scan's progress callback, cancel check, incremental mode and find_similar."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from lead_rows import add_lead

from leaddesk.models import Lead
from leaddesk.services.dedup.scan import ScanCancelled, SimilarLead, find_similar, mark_not_duplicate, scan_duplicates
from leaddesk.services.dedup.settings import Thresholds


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


def _seed_two_pairs(session) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    bill = add_lead(session, first_name="Bill", last_name="Turner", email="bill.turner@gmail.com", company="Acme Inc")
    william = add_lead(session, first_name="William", last_name="Turner", email="billturner+x@gmail.com")
    kate = add_lead(session, first_name="Kate", last_name="Moss", phone="+44 20 7183 8750")
    katherine = add_lead(session, first_name="Katherine", last_name="Moss", phone="020 7183 8750", country="UK")
    add_lead(session, first_name="Ann", last_name="Lee", company="Globex")
    return bill, william, kate, katherine


def test_progress_reports_start_and_end(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)
    calls = []

    with database.session() as session:
        scan_duplicates(session, progress=lambda done, total: calls.append((done, total)))

    assert calls[0] == (0, 0)
    total = calls[-1][1]
    assert total >= 2
    assert calls[-1] == (total, total)
    assert all(done <= total for done, total in calls[1:])


def test_cancel_raises_scan_cancelled(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)

    with database.session() as session:
        with pytest.raises(ScanCancelled, match="cancelled"):
            scan_duplicates(session, cancel=lambda: True)


def test_cancel_later_still_stops(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)
    checks = []

    def cancel() -> bool:
        checks.append(True)
        return len(checks) >= 3

    with database.session() as session:
        with pytest.raises(ScanCancelled):
            scan_duplicates(session, cancel=cancel)

    assert len(checks) == 3


def test_cancel_never_set_finishes(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)

    with database.session() as session:
        groups = scan_duplicates(session, cancel=lambda: False)

    assert len(groups) == 2


def test_incremental_returns_only_given_leads(database) -> None:
    with database.session() as session:
        bill, william, _kate, _katherine = _seed_two_pairs(session)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[william])

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {bill, william}


def test_incremental_empty_list_scans_nothing(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[])

    assert groups == []


def test_incremental_joins_old_duplicates(database) -> None:
    with database.session() as session:
        bill, william, _kate, _katherine = _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)
        billy = add_lead(session, first_name="Billy", last_name="Turner", email="Bill.Turner+expo@gmail.com")

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[billy])

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {bill, william, billy}


def test_incremental_refreshes_new_lead_keys(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)
    # A lead written without keys, as a bulk import writes it.
    with database.session() as session:
        new = add_lead(session, first_name="Ann", last_name="Lee", email="ann.lee@globex.com", company="Globex Ltd")
        old = add_lead(session, first_name="Ann", last_name="Lee", email="ann.lee@globex.com")

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[new])

    assert len(groups) == 1
    assert {new, old} <= set(groups[0].lead_ids)


def test_incremental_respects_decisions(database) -> None:
    with database.session() as session:
        bill, william, _kate, _katherine = _seed_two_pairs(session)
        mark_not_duplicate(session, bill, william)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[bill])

    assert groups == []


def test_deleted_lead_not_scanned(database) -> None:
    with database.session() as session:
        bill, william, _kate, _katherine = _seed_two_pairs(session)
    with database.session() as session:
        session.get(Lead, william).deleted_at = datetime.now(timezone.utc)

    with database.session() as session:
        groups = scan_duplicates(session)

    assert all(william not in group.lead_ids for group in groups)
    assert all(bill not in group.lead_ids for group in groups)


def test_find_similar_unsaved_lead(database) -> None:
    with database.session() as session:
        _bill, _william, kate, katherine = _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        found = find_similar(session, {"first_name": "Katie", "last_name": "Moss", "phone": "+44 20 7183 8750"}, limit=5)

    assert {item.lead_id for item in found} == {kate, katherine}
    assert all(isinstance(item, SimilarLead) for item in found)
    assert all(item.score >= 0.5 for item in found)
    assert "same phone +442071838750" in found[0].reasons
    assert found[0].score >= found[1].score


def test_find_similar_limit_and_threshold(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        one = find_similar(session, {"first_name": "Kate", "last_name": "Moss", "phone": "+44 20 7183 8750"}, limit=1)
        # A nickname and a surname are no identity (see hint_rules), so only the threshold decides.
        loose = find_similar(session, {"first_name": "Katie", "last_name": "Moss"}, thresholds=Thresholds(0.4, 0.99))
        strict = find_similar(session, {"first_name": "Katie", "last_name": "Moss"}, thresholds=Thresholds(0.99, 0.99))

    assert len(one) == 1
    assert len(loose) == 2
    assert strict == []


def test_find_similar_skips_own_id(database) -> None:
    with database.session() as session:
        _bill, _william, kate, katherine = _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        found = find_similar(session, {"id": kate, "first_name": "Kate", "last_name": "Moss", "phone": "+44 20 7183 8750"})

    assert [item.lead_id for item in found] == [katherine]


def test_find_similar_nothing_typed(database) -> None:
    with database.session() as session:
        _seed_two_pairs(session)
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        assert find_similar(session, {}) == []
        assert find_similar(session, {"first_name": "Zed", "last_name": "Quill"}) == []


def test_find_similar_firm_letters_only(database) -> None:
    with database.session() as session:
        add_lead(session, company="Brightforce Ltd")
    with database.session() as session:
        scan_duplicates(session)

    with database.session() as session:
        found = find_similar(session, {"company": "Nightforce Ltd"})

    assert found == []
