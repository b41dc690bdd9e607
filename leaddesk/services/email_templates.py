"""Email templates with {placeholders} filled from a lead, and the mailto: link that opens them.

The link opens the user's default mail client with the text filled in (RFC 6068 mailto
URIs), so LeadDesk sends nothing itself unless SMTP is set up.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from urllib.parse import quote

from leaddesk.models import Lead

# Placeholders a template may use, and the text used when the lead has no value.
PLACEHOLDER_FALLBACKS = {
    "first_name": "there",
    "last_name": "",
    "full_name": "there",
    "company": "your team",
    "title": "",
    "sender_name": "",
}


class TemplateError(ValueError):
    """A template or lead that cannot make an email. The message names the value and the fix."""


@dataclass(frozen=True)
class EmailTemplate:
    key: str
    label: str
    subject: str
    body: str


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    body: str

    def mailto_url(self) -> str:
        """Return the mailto: URI; spaces and line breaks are percent-encoded, as RFC 6068 requires."""
        body = self.body.replace("\r\n", "\n").replace("\n", "\r\n")
        query = f"subject={quote(self.subject, safe='')}&body={quote(body, safe='')}"
        return f"mailto:{quote(self.to, safe='@')}?{query}"


DEFAULT_TEMPLATES = (
    EmailTemplate(
        "first_touch",
        "First touch",
        "Your request at {company}",
        "Hi {first_name},\n\nthanks for reaching out. When would a 15-minute call suit you this week?\n\nBest,\n{sender_name}",
    ),
    EmailTemplate(
        "follow_up",
        "Follow-up",
        "Following up, {first_name}",
        "Hi {first_name},\n\nI wanted to follow up on my last message. Is this still a priority for {company}?\n\nBest,\n{sender_name}",
    ),
)


def find_template(key: str, templates: tuple[EmailTemplate, ...] = DEFAULT_TEMPLATES) -> EmailTemplate:
    for template in templates:
        if template.key == key:
            return template
    raise TemplateError(f"unknown template {key!r}; use one of: {', '.join(t.key for t in templates)}")


def placeholders(text: str) -> list[str]:
    """Return the placeholder names in text, or raise TemplateError for a malformed brace."""
    try:
        return [name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise TemplateError(f"invalid template text {text[:40]!r}: {error}; write {{{{ and }}}} for literal braces") from error


def render(template: EmailTemplate, lead: Lead, sender_name: str) -> RenderedEmail:
    """Fill the template from the lead. Unknown placeholders and a lead without email raise TemplateError."""
    for part in (template.subject, template.body):
        unknown = sorted(set(placeholders(part)) - PLACEHOLDER_FALLBACKS.keys())
        if unknown:
            allowed = ", ".join("{" + name + "}" for name in PLACEHOLDER_FALLBACKS)
            raise TemplateError(
                f"template {template.key!r} uses unknown placeholder {{{unknown[0]}}}; use one of: {allowed}"
            )
    if not lead.email:
        raise TemplateError(f"lead {lead.display_name!r} has no email address; add one before writing to them")

    filled = field_values(lead, sender_name)
    return RenderedEmail(lead.email, template.subject.format(**filled), template.body.format(**filled))


def field_values(lead: Lead, sender_name: str) -> dict[str, str]:
    """Return the value of each placeholder for the lead, with the fallback text where the lead has none."""
    values = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "full_name": lead.full_name or " ".join(part for part in (lead.first_name, lead.last_name) if part),
        "company": lead.company,
        "title": lead.title,
        "sender_name": sender_name,
    }
    return {name: (value or PLACEHOLDER_FALLBACKS[name]) for name, value in values.items()}


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def preview_text(text: str, values: dict[str, str]) -> str:
    """Fill the known placeholders of text and leave unknown ones as written, for a live preview.

    Raises TemplateError for a malformed brace, as placeholders() does.
    """
    placeholders(text)
    try:
        return string.Formatter().vformat(text, (), _KeepUnknown(values))
    except (IndexError, ValueError, AttributeError, KeyError) as error:
        # Positional fields such as {0}, and attribute or index access such as {company.name}.
        raise TemplateError(f"invalid placeholder in {text[:40]!r}: {error}; write fields as {{first_name}}") from error
