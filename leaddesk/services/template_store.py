"""Email templates kept in the database: list, validate, save and delete them.

The e-mail dialog and sequence steps read templates from here, so an edit in the template
editor applies to both at once. The migration that created the table inserted the
templates that LeadDesk ships.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import EmailTemplateRecord
from leaddesk.services.email_templates import PLACEHOLDER_FALLBACKS, EmailTemplate, TemplateError, placeholders

logger = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,99}")
MAX_LABEL = 200


def list_templates(session: Session) -> tuple[EmailTemplate, ...]:
    """Return every stored template, ordered by label."""
    records = session.scalars(select(EmailTemplateRecord).order_by(EmailTemplateRecord.label, EmailTemplateRecord.key))
    return tuple(_template(record) for record in records)


def get_template(session: Session, key: str) -> EmailTemplate:
    """Return the template stored under key, or raise TemplateError naming the keys that exist."""
    record = session.get(EmailTemplateRecord, key)
    if record is None:
        known = ", ".join(template.key for template in list_templates(session)) or "none yet"
        raise TemplateError(f"email template {key!r} not found; use one of: {known}, or add it in Leads > Email templates")
    return _template(record)


def unknown_placeholders(text: str) -> list[str]:
    """Return the placeholder names in text that render() cannot fill, in order of appearance, without repeats."""
    unknown: list[str] = []
    for name in placeholders(text):
        if name not in PLACEHOLDER_FALLBACKS and name not in unknown:
            unknown.append(name)
    return unknown


def key_for_label(label: str) -> str:
    """Return a template key made from a label, such as "case_study" from "Case study!"."""
    key = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")
    if key and not key[0].isalpha():
        key = "t_" + key
    return key[:100]


def validate(template: EmailTemplate) -> None:
    """Raise TemplateError for a bad key, an empty label or subject, or a placeholder render() cannot fill."""
    if not KEY_PATTERN.fullmatch(template.key):
        raise TemplateError(
            f"invalid template key {template.key!r}; use lowercase letters, digits and underscores, starting with a letter"
        )
    if not template.label.strip():
        raise TemplateError(f"template {template.key!r} has no name; type a name")
    if len(template.label) > MAX_LABEL:
        raise TemplateError(f"template name {template.label[:40]!r}... is longer than {MAX_LABEL} characters; shorten it")
    if not template.subject.strip():
        raise TemplateError(f"template {template.label!r} has no subject; type a subject")
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDER_FALLBACKS)
    for part, text in (("subject", template.subject), ("body", template.body)):
        unknown = unknown_placeholders(text)
        if unknown:
            names = ", ".join("{" + name + "}" for name in unknown)
            raise TemplateError(f"the {part} of template {template.label!r} uses unknown field {names}; use one of: {allowed}")


def save_template(session: Session, template: EmailTemplate, actor: str | None, now: datetime) -> EmailTemplate:
    """Insert or update the template stored under template.key after validating it."""
    validate(template)
    duplicate = session.scalar(
        select(EmailTemplateRecord.key).where(
            EmailTemplateRecord.label == template.label.strip(), EmailTemplateRecord.key != template.key
        )
    )
    if duplicate is not None:
        raise TemplateError(f"another template ({duplicate!r}) is already named {template.label.strip()!r}; choose another name")
    record = session.get(EmailTemplateRecord, template.key)
    if record is None:
        record = EmailTemplateRecord(key=template.key)
        session.add(record)
    record.label = template.label.strip()
    record.subject = template.subject
    record.body = template.body
    record.updated_at = now
    record.updated_by = actor
    session.flush()
    logger.info("saved email template %s by %s", template.key, actor)
    return _template(record)


def delete_template(session: Session, key: str, actor: str | None) -> None:
    """Delete the template stored under key, or raise TemplateError when there is none."""
    record = session.get(EmailTemplateRecord, key)
    if record is None:
        raise TemplateError(f"email template {key!r} not found; it may have been deleted in another window")
    session.delete(record)
    session.flush()
    logger.info("deleted email template %s by %s", key, actor)


def _template(record: EmailTemplateRecord) -> EmailTemplate:
    return EmailTemplate(record.key, record.label, record.subject, record.body)
