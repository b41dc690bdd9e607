"""Values common among all live leads: counted over the database by every kind of scan."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from lead_rows import add_lead

from leaddesk.models import Lead
from leaddesk.services.dedup.common_values import common_custom_values, common_identifier_keys
from leaddesk.services.dedup.normalize import refresh_match_keys
from leaddesk.services.dedup.scan import find_similar, scan_duplicates

SOURCE = {"Lead source": "Webinar"}


@pytest.fixture
def database(any_database):
    """Run every test here on SQLite and on PostgreSQL, whose identifier-key query differs."""
    return any_database


def _add_strangers(session, count: int, custom: dict) -> list[uuid.UUID]:
    """Add leads with custom values but names, e-mails and phones that match nobody."""
    surnames = ["Okafor", "Brandt", "Silva", "Novak", "Haddad", "Ito", "Kowalski", "Moreau", "Quinn", "Varga", "Zhou", "Lund"]
    return [add_lead(session, first_name=f"Visitor{index}", last_name=surnames[index], custom_fields=dict(custom)) for index in range(count)]


def _seed_pair(session) -> tuple[uuid.UUID, uuid.UUID]:
    first = add_lead(session, first_name="Ann", last_name="Lee", custom_fields=dict(SOURCE))
    second = add_lead(session, first_name="Ann", last_name="Lee", custom_fields=dict(SOURCE))
    return first, second


def test_incremental_rare_value_counts(database) -> None:
    with database.session() as session:
        first, second = _seed_pair(session)

    with database.session() as session:
        groups = scan_duplicates(session, lead_ids=[first])

    assert len(groups) == 1
    assert set(groups[0].lead_ids) == {first, second}
    assert groups[0].confidence == pytest.approx(0.6)
    assert "same Lead source" in groups[0].pairs[0].reasons


def test_incremental_common_value_dropped(database) -> None:
    with database.session() as session:
        first, _second = _seed_pair(session)
        _add_strangers(session, 11, SOURCE)

    with database.session() as session:
        incremental = scan_duplicates(session, lead_ids=[first])
        full = scan_duplicates(session)

    assert incremental == []
    assert full == []


def test_find_similar_common_value_dropped(database) -> None:
    typed = {"first_name": "Ann", "last_name": "Lee", "custom_fields": dict(SOURCE)}
    with database.session() as session:
        stored = add_lead(session, first_name="Ann", last_name="Lee", custom_fields=dict(SOURCE))
        refresh_match_keys(session)

    with database.session() as session:
        rare = find_similar(session, typed)
    with database.session() as session:
        _add_strangers(session, 11, SOURCE)
        refresh_match_keys(session)
        common = find_similar(session, typed)

    assert [(item.lead_id, round(item.score, 3)) for item in rare] == [(stored, 0.6)]
    # Without the common value, only the exact full name is left, which gives the weaker hint.
    assert [(item.lead_id, item.reasons, item.name_only) for item in common] == [(stored, ("same name",), True)]


def test_common_custom_values_folded(database) -> None:
    with database.session() as session:
        _add_strangers(session, 6, {"Lead source": "Webinar", "Industry": "Retail"})
        _add_strangers(session, 5, {"Lead source": "  WEBINAR ", "Industry": "Energy"})
        counted = common_custom_values(session.connection(), ["Lead source", "Industry"])

    assert counted == {("Lead source", "webinar")}


def test_common_custom_values_skip_deleted(database) -> None:
    with database.session() as session:
        leads = _add_strangers(session, 11, SOURCE)
        session.get(Lead, leads[0]).deleted_at = datetime(2026, 12, 1, tzinfo=timezone.utc)
        session.flush()
        counted = common_custom_values(session.connection(), ["Lead source"])

    assert counted == set()


def test_common_identifier_keys_live_leads(database) -> None:
    with database.session() as session:
        common = _add_strangers(session, 11, {"Account": "000 0000"})
        _add_strangers(session, 10, {"Customer no": "1234567"})
        refresh_match_keys(session)
        before = common_identifier_keys(session.connection())
        session.get(Lead, common[0]).deleted_at = datetime(2026, 12, 1, tzinfo=timezone.utc)
        session.flush()
        after = common_identifier_keys(session.connection())

    assert before == {"x:account|0000000"}
    assert after == set()
