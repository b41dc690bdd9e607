"""Match keys: each normalization rule of leaddesk.services.dedup.normalize."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.dedup.blocking_keys import blocking_keys
from leaddesk.services.dedup.nicknames import NameTableError, build_table
from leaddesk.services.dedup.normalize import (
    canonical_first_name,
    company_key,
    domain_key,
    fold_text,
    given_names,
    match_email,
    match_phone,
    name_key,
    normalize_lead_keys,
    refresh_match_keys,
    sound_code,
    split_names,
)
from leaddesk.services.dedup.scoring import LeadKeys, score_pair


def test_email_trimmed_and_casefolded() -> None:
    assert match_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"


def test_email_plus_tag_removed() -> None:
    assert match_email("ann+newsletter@example.com") == "ann@example.com"


def test_email_dots_ignored_only_at_gmail() -> None:
    assert match_email("A.n.N@gmail.com") == "ann@gmail.com"
    assert match_email("ann@googlemail.com") == "ann@gmail.com"
    assert match_email("a.nn@example.com") == "a.nn@example.com"


def test_email_without_at_has_no_key() -> None:
    assert match_email("not an address") is None


def test_phone_formats_give_one_e164() -> None:
    expected = "+442071838750"
    assert match_phone("+44 20 7183 8750")[0] == expected
    assert match_phone("020 7183 8750", "United Kingdom")[0] == expected
    assert match_phone("(020) 7183-8750", "GB")[0] == expected
    assert match_phone("0044 20 7183 8750", "uk")[0] == expected


def test_phone_unparseable_kept_and_marked() -> None:
    key, unparsed = match_phone("ext 5551234 ask for Bob")

    assert key == "5551234"
    assert unparsed


def test_phone_empty_has_no_key() -> None:
    assert match_phone("  ") == (None, False)


def test_names_folded_and_accents_removed() -> None:
    assert fold_text("  José  Müller-Lüdenscheidt ") == "jose muller ludenscheidt"


def test_nickname_maps_to_given_name() -> None:
    assert "william" in given_names("bill")
    assert "catherine" in given_names("kate")
    assert "thomas" in given_names("tom")


@pytest.mark.parametrize(
    "spellings",
    [("kate", "katie", "cathy", "catherine", "katherine", "kathryn", "katharine"), ("steve", "stephen", "steven"),
     ("phil", "philip", "phillip"), ("sara", "sarah")],
)
def test_spelling_variants_one_canonical_name(spellings) -> None:
    canonical = {canonical_first_name(name) for name in spellings}

    assert len(canonical) == 1
    for name in spellings:
        assert canonical <= given_names(name)


def test_spelling_variants_share_name_key() -> None:
    keys = set()
    for first in ("Kate", "Katherine", "Kathryn", "Catherine"):
        match = normalize_lead_keys({"first_name": first, "last_name": "Moss", "full_name": None, "email": None, "phone": None,
                                     "country": None, "company": None, "website": None, "domain": None})
        keys.add(next(key for key in blocking_keys(match, None, None) if key.startswith("n:")))

    assert keys == {"n:catherine|moss"}


def test_kathleen_stays_own_name() -> None:
    assert canonical_first_name("kathleen") == "kathleen"
    assert given_names("kathleen").isdisjoint(given_names("katherine"))


def test_spelling_variant_scores_as_nickname() -> None:
    def lead(first: str) -> LeadKeys:
        return LeadKeys(id=uuid.uuid4(), first_name=first, last_name="moss", given_names=given_names(first))

    assert "first name nickname (katherine/kathryn)" in score_pair(lead("katherine"), lead("kathryn")).reasons


def test_name_table_maps_given_names_through_variants() -> None:
    table = build_table([(1, "kate", "katherine"), (2, "kate", "kathleen")], [(1, "katherine", "catherine")])

    assert table == {"kate": frozenset({"catherine", "kathleen"}), "katherine": frozenset({"catherine"})}


def test_name_table_rejects_variant_that_is_nickname() -> None:
    with pytest.raises(NameTableError, match="line 3: 'kate' is also a nickname"):
        build_table([(1, "kate", "catherine")], [(3, "kate", "catherine")])


def test_name_table_rejects_chained_variant() -> None:
    with pytest.raises(NameTableError, match="line 2: the canonical spelling 'katherine' is itself listed"):
        build_table([], [(1, "katherine", "catherine"), (2, "kathryn", "katherine")])


def test_name_key_same_for_nickname() -> None:
    assert name_key("bill", "smith") == name_key("william", "smith")


def test_name_key_swapped_matches() -> None:
    assert name_key("john", "smith") != name_key("smith", "john")
    keys = normalize_lead_keys({"first_name": "Smith", "last_name": "John"})
    other = normalize_lead_keys({"first_name": "John", "last_name": "Smith"})
    assert keys["match_name_key_swapped"] == other["match_name_key"]


def test_full_name_split_when_parts_missing() -> None:
    assert split_names(None, None, "Dr. Anna Maria Schmidt") == ("anna", "schmidt")


def test_sound_code_tolerates_typos() -> None:
    assert sound_code("robert") == "r163"
    assert sound_code("rupert") == "r163"
    assert sound_code("smith") == sound_code("smyth")


def test_company_legal_suffix_ignored() -> None:
    for name in ("Acme Inc.", "ACME, LLC", "Acme GmbH", "Acme S.A.", "Acme Oy", "Acme Pty Ltd", "acme b.v."):
        assert company_key(name) == "acme", name


def test_company_generic_words_ignored() -> None:
    assert company_key("Acme Software Solutions Group") == "acme"
    assert company_key("Global Solutions Ltd") == "global solutions"


def test_domain_from_website_or_work_email() -> None:
    assert domain_key("https://www.shop.acme.co.uk/about", None, None) == "acme.co.uk"
    assert domain_key(None, None, "ann@mail.acme.com") == "acme.com"


def test_domain_not_from_free_mail() -> None:
    assert domain_key(None, None, "ann.lee@gmail.com") is None
    assert domain_key(None, None, "ann@yahoo.co.uk") is None


def test_keys_set_on_lead() -> None:
    lead = Lead(first_name="Kate", last_name="Lee", email="Kate+x@Acme.com", company="Acme Ltd", country="US")

    normalize_lead_keys(lead)

    assert lead.match_email == "kate@acme.com"
    assert lead.match_domain == "acme.com"
    assert lead.match_company == "acme"
    assert lead.match_first_name == "kate"


def test_refresh_fills_keys_without_version_bump(database) -> None:
    with database.session() as session:
        session.add(Lead(first_name="Tom", last_name="Ward", phone="+1 415 555 0100"))

    with database.session() as session:
        changed = refresh_match_keys(session)

    with database.session() as session:
        lead = session.scalars(select(Lead)).one()
        assert changed == 1
        assert lead.match_phone == "+14155550100"
        assert lead.match_name_key == name_key("thomas", "ward")
        assert lead.row_version == 1
