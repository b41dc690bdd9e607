"""Email templates in the database: shipped rows, save with validation, unknown fields, delete, and the warn-time index."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from leaddesk.services.email_templates import EmailTemplate, TemplateError
from leaddesk.services.template_store import (
    delete_template,
    get_template,
    key_for_label,
    list_templates,
    save_template,
    unknown_placeholders,
)

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


def test_migration_ships_two_templates(database):
    with database.session() as session:
        templates = list_templates(session)

    assert [template.key for template in templates] == ["first_touch", "follow_up"]
    assert templates[0].subject == "Your request at {company}"


def test_save_then_read_back(database):
    template = EmailTemplate("case_study", "Case study", "How {company} could save time", "Hi {first_name},\n\nhere it is.")
    with database.session() as session:
        save_template(session, template, "sam", NOW)
    with database.session() as session:
        assert get_template(session, "case_study") == template


def test_edit_replaces_existing_row(database):
    with database.session() as session:
        save_template(session, EmailTemplate("first_touch", "First touch", "Hello {first_name}", "Body"), "sam", NOW)
    with database.session() as session:
        stored = get_template(session, "first_touch")
        count = len(list_templates(session))

    assert stored.subject == "Hello {first_name}"
    assert count == 2


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (EmailTemplate("x", "X", "Hi {frist_name}", ""), "the subject of template 'X' uses unknown field {frist_name}"),
        (EmailTemplate("x", "X", "Hi", "{company} {budget} {budget}"), "the body of template 'X' uses unknown field {budget}; use one of:"),
        (EmailTemplate("x", "X", "Hi {first_name", ""), "invalid brace in template text"),
        (EmailTemplate("Bad Key", "X", "Hi", ""), "invalid template key 'Bad Key'"),
        (EmailTemplate("x", "  ", "Hi", ""), "template 'x' has no name"),
        (EmailTemplate("x", "X", " ", ""), "template 'X' has no subject"),
    ],
)
def test_invalid_template_rejected(database, template, expected):
    with database.session() as session:
        with pytest.raises(TemplateError) as caught:
            save_template(session, template, "sam", NOW)

    assert expected in str(caught.value)


def test_duplicate_name_rejected(database):
    with database.session() as session:
        with pytest.raises(TemplateError) as caught:
            save_template(session, EmailTemplate("another", "First touch", "Hi", ""), "sam", NOW)

    assert "another template ('first_touch') is already named 'First touch'" in str(caught.value)


def test_unknown_placeholders_in_order():
    assert unknown_placeholders("{b} {first_name} {a} {b}") == ["b", "a"]


def test_key_for_label():
    assert key_for_label("Case study!") == "case_study"
    assert key_for_label("2nd touch") == "t_2nd_touch"


def test_delete_then_missing(database):
    with database.session() as session:
        delete_template(session, "follow_up", "sam")
    with database.session() as session:
        with pytest.raises(TemplateError) as caught:
            get_template(session, "follow_up")

    assert "email template 'follow_up' not found; use one of: first_touch" in str(caught.value)


@pytest.mark.sqlite_only("it reads SQLite's EXPLAIN QUERY PLAN output")
def test_warn_time_query_uses_index(database):
    with database.engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM leads WHERE response_warn_at > :after AND response_warn_at <= :until"),
            {"after": "2026-05-04 09:00:00", "until": "2026-05-04 10:00:00"},
        ).fetchall()

    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_leads_response_warn_at" in details
