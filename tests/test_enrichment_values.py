"""Company domain, phone location, completeness and display of derived values."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from leaddesk.models import Setting
from leaddesk.services.database import Database
from leaddesk.services.enrichment.completeness import COMPLETENESS_WEIGHTS, completeness, missing_parts
from leaddesk.services.enrichment.derive import derive_values, phone_region
from leaddesk.services.enrichment.mail_domain import mail_domain
from leaddesk.services.enrichment.phone_geo import (
    NO_GEO,
    PhoneGeo,
    clear_cache,
    geo_of_e164,
    lookup_geo,
    parse_to_e164,
)
from leaddesk.services.enrichment.settings import (
    DEFAULT_REGION_KEY,
    DefaultRegionError,
    load_default_region,
    save_default_region,
)
from leaddesk.services.enrichment.shown import shown_value


def test_mail_domain_work_address() -> None:
    found = mail_domain("Ana.Ng+leads@EU.Acme.co.uk")

    assert found.company_domain == "acme.co.uk"
    assert found.is_free_mail is False


def test_mail_domain_free_mail() -> None:
    found = mail_domain("someone@gmail.com")

    assert found.company_domain is None
    assert found.is_free_mail is True


@pytest.mark.parametrize("email", [None, "", "not an address", "@"])
def test_mail_domain_without_domain(email: str | None) -> None:
    found = mail_domain(email)

    assert found.company_domain is None
    assert found.is_free_mail is None


def test_parse_to_e164_with_region() -> None:
    assert parse_to_e164("020 7946 0000", "GB") == "+442079460000"
    assert parse_to_e164("'+44 20 7946 0000", None) == "+442079460000"
    assert parse_to_e164("(650) 253-0000", "US") == "+16502530000"


@pytest.mark.parametrize(("phone", "region"), [("020 7946 0000", None), ("12", "US"), ("call me", "GB"), (None, "GB")])
def test_parse_to_e164_rejects(phone: str | None, region: str | None) -> None:
    assert parse_to_e164(phone, region) is None


def test_geo_valid_landline() -> None:
    assert lookup_geo("+442079460000") == PhoneGeo("United Kingdom", "GB", "London", "Europe/London")
    assert lookup_geo("+14155550100") == PhoneGeo(
        "United States", "US", "San Francisco, CA", "America/Los_Angeles"
    )
    assert lookup_geo("+14165550199") == PhoneGeo("Canada", "CA", "Ontario", "America/Toronto")


def test_geo_mobile_has_no_area() -> None:
    assert lookup_geo("+4915112345678") == PhoneGeo("Germany", "DE", None, "Europe/Berlin")


def test_geo_invalid_uses_main_country() -> None:
    # +44 7700 900xxx is the UK drama range: possible, never assigned.
    assert lookup_geo("+447700900123") == PhoneGeo("United Kingdom", "GB", None, None)


def test_geo_invalid_shared_code_empty() -> None:
    assert lookup_geo("+15550104411") == NO_GEO


def test_geo_toll_free_has_no_country() -> None:
    assert lookup_geo("+18005551212") == NO_GEO


def test_geo_cache_shares_prefix() -> None:
    clear_cache()
    first = geo_of_e164("+442079460000")
    second = geo_of_e164("+442079461234")

    assert first is second
    assert second == lookup_geo("+442079461234")


def test_geo_cache_keeps_lengths_apart() -> None:
    clear_cache()

    assert geo_of_e164("+442079460000").country_code == "GB"
    assert geo_of_e164("+4420794600001") == lookup_geo("+4420794600001")


def test_completeness_weights_sum_to_100() -> None:
    assert sum(weight for _label, _fields, weight in COMPLETENESS_WEIGHTS) == 100


def test_completeness_empty_and_full() -> None:
    full = {
        "first_name": "Ana",
        "email": "ana@acme.com",
        "phone": "+44 20 7946 0000",
        "company": "Acme",
        "title": "VP Sales",
        "linkedin_url": "https://linkedin.com/in/ana",
        "website": "acme.com",
        "country": "UK",
        "city": "London",
        "industry": "Software",
        "employee_count": 250,
    }

    assert completeness({}) == 0
    assert completeness(full) == 100
    assert missing_parts(full) == []


def test_completeness_partial() -> None:
    fields = {"last_name": "Ng", "email": "ana@acme.com", "company": "  ", "employee_count": 0}

    assert completeness(fields) == 15 + 20 + 3
    assert missing_parts(fields)[:3] == ["phone", "company", "title"]


def test_phone_region_prefers_country() -> None:
    assert phone_region("Germany", "GB") == "DE"
    assert phone_region(None, "GB") == "GB"
    assert phone_region("Atlantis", None) is None


def test_derive_values_all_columns() -> None:
    fields = {"email": "ana@eu.acme.co.uk", "phone": "020 7946 0000", "title": "Co-founder & CTO", "first_name": "Ana"}

    assert derive_values(fields, team_region="GB") == {
        "derived_domain": "acme.co.uk",
        "is_free_mail": False,
        "derived_country": "United Kingdom",
        "derived_country_code": "GB",
        "derived_region": "London",
        "derived_timezone": "Europe/London",
        "seniority": "c_level",
        "seniority_rank": 5,
        "department": "Engineering",
        "completeness": 15 + 20 + 15 + 10,
    }


def test_derive_values_without_region() -> None:
    values = derive_values({"phone": "020 7946 0000"})

    assert values["derived_country"] is None
    assert values["derived_timezone"] is None


def test_shown_value_typed_wins() -> None:
    lead = SimpleNamespace(country="Deutschland", derived_country="Germany")
    shown = shown_value(lead, "country")

    assert shown.text == "Deutschland"
    assert shown.derived is False
    assert shown.note == ""


def test_shown_value_derived_when_blank() -> None:
    lead = SimpleNamespace(country="  ", derived_country="Germany")
    shown = shown_value(lead, "country")

    assert shown.text == "Germany"
    assert shown.derived is True
    assert shown.note == "derived from phone"


def test_shown_value_formats() -> None:
    lead = SimpleNamespace(seniority="c_level", completeness=75, is_free_mail=True, derived_timezone=None)

    assert shown_value(lead, "seniority").text == "C-level"
    assert shown_value(lead, "seniority").note == "derived from title"
    assert shown_value(lead, "completeness").text == "75%"
    assert shown_value(lead, "free_mail").text == "yes"
    assert shown_value(lead, "timezone") is None


def test_default_region_saved(database: Database) -> None:
    with database.session() as session:
        save_default_region(session, " gb ")
    with database.session() as session:
        assert load_default_region(session) == "GB"
        save_default_region(session, None)
    with database.session() as session:
        assert load_default_region(session) is None


def test_default_region_invalid_rejected(database: Database) -> None:
    with database.session() as session, pytest.raises(DefaultRegionError, match="invalid default region 'XX'"):
        save_default_region(session, "XX")


def test_default_region_bad_stored_ignored(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    with database.session() as session:
        session.add(Setting(key=DEFAULT_REGION_KEY, value="Narnia"))
    with database.session() as session:
        assert load_default_region(session) is None
    assert "invalid default region 'Narnia'" in caplog.text


def test_completeness_doc_matches_weights() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "enrichment.md").read_text(encoding="utf-8")
    section = doc.split("## Completeness", 1)[1].split("##", 1)[0]
    documented = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[2].isdigit():
            documented.append((cells[0], tuple(cells[1].split(", ")), int(cells[2])))

    assert documented == list(COMPLETENESS_WEIGHTS)
