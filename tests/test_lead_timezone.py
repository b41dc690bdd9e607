"""A lead's timezone from country names, cities and multi-zone phones, and the playbook zone as fallback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import Lead
from leaddesk.services import next_best_action
from leaddesk.services.lead_timezone import lead_zone
from leaddesk.services.playbook import save_playbook_text, set_team_timezone, shipped_playbook_text
from leaddesk.services.place_timezone import place_zone

TEAM = "Europe/Berlin"
NOW = datetime(2026, 5, 4, 18, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("fields", "expected", "source"),
    [
        ({"country": "United States", "city": "San Francisco"}, "America/Los_Angeles", "city or region"),
        ({"country": "USA", "region": "Texas"}, "America/Chicago", "city or region"),
        ({"country": "Australia", "city": "Perth"}, "Australia/Perth", "city or region"),
        ({"country": "Canada", "region": "BC"}, "America/Vancouver", "city or region"),
        ({"country": "Japan"}, "Asia/Tokyo", "from the country (JP)"),
        ({"country": "Germany"}, "Europe/Berlin", "from the country (DE)"),
        ({"country": "jp"}, "Asia/Tokyo", "from the country (JP)"),
        ({"phone": "+61 412 345 678", "city": "Brisbane"}, "Australia/Brisbane", "city or region"),
        ({"phone": "+1 415 555 0100"}, "America/Los_Angeles", "from the phone number"),
    ],
)
def test_zone_from_country_city_phone(fields, expected, source):
    zone = lead_zone(Lead(full_name="Lee", **fields), TEAM)

    assert zone.name == expected
    assert source in zone.source
    assert zone.certain


def test_multi_zone_mobile_is_uncertain():
    zone = lead_zone(Lead(full_name="Mia", phone="+61 412 345 678"), "Australia/Sydney")

    assert zone.name == "Australia/Sydney"
    assert not zone.certain
    assert zone.source.startswith("uncertain: the phone number spans")
    assert "team's timezone is used" in zone.source


def test_multi_zone_country_is_uncertain():
    zone = lead_zone(Lead(full_name="Sam", country="United States"), TEAM)

    assert zone.name == TEAM
    assert not zone.certain
    assert "the country (US) spans" in zone.source


def test_place_zone_reads_state_code():
    assert place_zone("US", "San Francisco, CA") == "America/Los_Angeles"
    assert place_zone("US", "Springfield, IL") == "America/Chicago"
    assert place_zone("US", "Atlantis") is None


def test_fallback_uses_playbook_calendar(database):
    text = shipped_playbook_text().replace('# timezone = "Europe/Berlin"', 'timezone = "America/New_York"', 1)
    with database.session() as session:
        set_team_timezone(session, "Asia/Tokyo")
        save_playbook_text(session, text)
        lead = Lead(full_name="No Clue", received_at=NOW - timedelta(hours=1))
        session.add(lead)
        session.flush()

        suggestion = next_best_action.suggest(session, lead.id, NOW)

    assert suggestion.lead_zone == "America/New_York"
    assert suggestion.reasons[0] == (
        "The lead's timezone is America/New_York (unknown, so the team's timezone is used)."
    )
