"""Template placeholders: only plain {field} is allowed, and render raises only TemplateError."""

from __future__ import annotations

import pytest

from leaddesk.models import Lead
from leaddesk.services.email_templates import EmailTemplate, TemplateError, preview_text, render
from leaddesk.services.template_store import validate

LEAD = Lead(first_name="Ann", email="ann@example.com", company="Acme", title="CTO")

REJECTED = [
    ("{first_name:>100000000}", "format spec", "{first_name}"),
    ("{first_name:d}", "format spec", "{first_name}"),
    ("{first_name!x}", "conversion", "{first_name}"),
    ("{first_name!r}", "conversion", "{first_name}"),
    ("{company.upper}", "attribute access", "{company}"),
    ("{title[0]}", "indexing", "{title}"),
    ("{0}", "not a name", "{first_name}"),
    ("{}", "not a name", "{first_name}"),
]


@pytest.mark.parametrize(("placeholder", "problem", "fix"), REJECTED)
def test_validate_rejects_placeholder(placeholder, problem, fix):
    template = EmailTemplate("t", "T", "Hi " + placeholder, "Body")

    with pytest.raises(TemplateError) as caught:
        validate(template)

    message = str(caught.value)
    assert placeholder in message
    assert problem in message
    assert fix in message.partition("; ")[2]


@pytest.mark.parametrize(("placeholder", "_problem", "_fix"), REJECTED)
def test_render_raises_only_template_error(placeholder, _problem, _fix):
    for template in (EmailTemplate("t", "T", placeholder, "x"), EmailTemplate("t", "T", "x", placeholder)):
        with pytest.raises(TemplateError):
            render(template, LEAD, "Sam")


@pytest.mark.parametrize(("placeholder", "_problem", "_fix"), REJECTED)
def test_preview_raises_template_error(placeholder, _problem, _fix):
    with pytest.raises(TemplateError):
        preview_text(placeholder, {"first_name": "Ann"})


def test_render_keeps_brace_literals():
    template = EmailTemplate("t", "T", "{{x}} {first_name}", "{{ {company} }}")

    email = render(template, LEAD, "Sam")

    assert email.subject == "{x} Ann"
    assert email.body == "{ Acme }"


def test_render_folds_newline_in_subject():
    lead = Lead(first_name="Ann\r\nBcc: x@example.com", email="ann@example.com")
    template = EmailTemplate("t", "T", "Hi {first_name}", "Dear {first_name}")

    email = render(template, lead, "Sam")

    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.subject == "Hi Ann Bcc: x@example.com"
