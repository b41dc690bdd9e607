"""Email templates with {placeholders} filled from a lead, and the mailto: link that opens them.

The link opens the user's default mail client with the text filled in (RFC 6068 mailto
URIs), so LeadDesk sends nothing itself unless SMTP is set up.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
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
    """Return the placeholder names in text, or raise TemplateError for a malformed brace or placeholder.

    Only plain {field} placeholders and the {{ and }} literals are allowed. Conversions
    ({name!r}), format specs ({name:>9}), attribute access ({name.upper}) and indexing
    ({name[0]}) are rejected, because render() fills fields by plain substitution.
    """
    return [name for _literal, name in _parse(text) if name is not None]


def _parse(text: str) -> list[tuple[str, str | None]]:
    """Split text into (literal, field name or None) pairs, rejecting anything but plain {field}."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as error:
        # Quote the text on one line without escapes, so the editor shows no literal backslash-n.
        excerpt = " ".join(text.split())
        excerpt = excerpt if len(excerpt) <= 40 else excerpt[:40] + "..."
        raise TemplateError(
            f'invalid brace in template text "{excerpt}": {error}; write {{{{ and }}}} for literal braces'
        ) from error
    pairs: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parts:
        if name is not None:
            _check_field(name, spec, conversion)
        pairs.append((literal, name))
    return pairs


def _check_field(name: str, spec: str | None, conversion: str | None) -> None:
    written = "{" + name
    if conversion:
        written += f"!{conversion}"
    if spec:
        written += f":{spec}"
    written += "}"
    if conversion or spec:
        problem = "a conversion (!)" if conversion else "a format spec (:)"
    elif "." in name or "[" in name:
        problem = "attribute access or indexing"
    elif not name.isidentifier():
        problem = "a field that is not a name"
    else:
        return
    plain = re.split(r"[.\[]", name, maxsplit=1)[0]
    fix = f"write {{{plain}}}" if plain.isidentifier() else "write a field such as {first_name}"
    raise TemplateError(f"placeholder {written} uses {problem}; {fix}, or {{{{ and }}}} for literal braces")


def _fill(text: str, values: Mapping[str, str], keep_unknown: bool) -> str:
    pieces: list[str] = []
    for literal, name in _parse(text):
        pieces.append(literal)
        if name is None:
            continue
        if name in values:
            pieces.append(values[name])
        elif keep_unknown:
            pieces.append("{" + name + "}")
        else:
            raise TemplateError(f"unknown placeholder {{{name}}}; use one of: {_allowed()}")
    return "".join(pieces)


def _allowed() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDER_FALLBACKS)


def render(template: EmailTemplate, lead: Lead, sender_name: str) -> RenderedEmail:
    """Fill the template from the lead. Raises only TemplateError: for a placeholder other
    than a plain known {field}, a malformed brace, or a lead without email."""
    for part in (template.subject, template.body):
        unknown = sorted(set(placeholders(part)) - PLACEHOLDER_FALLBACKS.keys())
        if unknown:
            raise TemplateError(
                f"template {template.key!r} uses unknown placeholder {{{unknown[0]}}}; use one of: {_allowed()}"
            )
    if not lead.email:
        raise TemplateError(f"lead {lead.display_name!r} has no email address; add one before writing to them")

    filled = field_values(lead, sender_name)
    subject_values = {name: _one_line(value) for name, value in filled.items()}
    return RenderedEmail(
        lead.email, _fill(template.subject, subject_values, False), _fill(template.body, filled, False)
    )


def _one_line(value: str) -> str:
    """Fold CR and LF into spaces: a line break in a header value would end the Subject header."""
    return " ".join(value.splitlines())


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


def preview_text(text: str, values: dict[str, str]) -> str:
    """Fill the known placeholders of text and leave unknown ones as written, for a live preview.

    Raises TemplateError for what render() rejects, apart from unknown fields.
    """
    return _fill(text, values, True)
