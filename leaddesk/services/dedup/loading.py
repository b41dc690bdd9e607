"""Read the values the scorer compares for many leads at once, as LeadKeys keyed by stored id.

Rows come from the DBAPI cursor as plain tuples, because building ORM objects or typed
rows for 100,000 leads costs more than scoring them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection

from sqlalchemy.engine import Connection

from leaddesk.services.driver_sql import driver_cursor
from leaddesk.services.dedup.normalize import fold_text, given_names, is_free_mail
from leaddesk.services.dedup.scoring import LeadKeys, split_custom_fields

logger = logging.getLogger(__name__)

# SQLite before 3.32 allows at most 999 bound parameters, so id lists go in chunks below that.
ID_CHUNK = 500

_SELECT_LIVE = (
    "SELECT id, match_email, match_phone, match_phone_unparsed, match_first_name, match_last_name, "
    "match_company, company, match_domain, city, custom_fields FROM leads WHERE deleted_at IS NULL"
)


def fetch_all(connection: Connection, statement: str, parameters: tuple = ()) -> list[tuple]:
    """Run one SQL statement on the connection's DBAPI cursor, in its transaction, and return all rows."""
    cursor = driver_cursor(connection)
    try:
        cursor.execute(statement, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def load_lead_keys(connection: Connection, lead_ids: Collection[str] | None = None) -> dict[str, LeadKeys]:
    """Return the LeadKeys of live leads (all, or those of lead_ids, given as stored hex ids) by stored id."""
    if lead_ids is None:
        return {row[0]: _to_keys(row) for row in fetch_all(connection, _SELECT_LIVE)}

    found: dict[str, LeadKeys] = {}
    ordered = sorted(lead_ids)
    for start in range(0, len(ordered), ID_CHUNK):
        chunk = ordered[start : start + ID_CHUNK]
        statement = f"{_SELECT_LIVE} AND id IN ({', '.join('?' * len(chunk))})"
        for row in fetch_all(connection, statement, tuple(chunk)):
            found[row[0]] = _to_keys(row)
    return found


def _to_keys(row: tuple) -> LeadKeys:
    stored_id, email, phone, unparsed, first, last, company, company_label, domain, city, custom_raw = row
    custom: dict[str, str] = {}
    identifiers: dict[str, str] = {}
    if custom_raw and custom_raw != "{}":
        custom, identifiers = split_custom_fields(_parse_custom(custom_raw, stored_id))
    email_domain = email.rpartition("@")[2] if email else None
    return LeadKeys(
        id=uuid.UUID(hex=stored_id),
        email=email,
        phone=phone,
        phone_unparsed=bool(unparsed),
        first_name=first,
        last_name=last,
        company=company,
        company_label=company_label,
        domain=domain,
        city=fold_text(city) or None,
        custom=custom,
        identifiers=identifiers,
        given_names=given_names(first or ""),
        email_domain=email_domain,
        free_mail=is_free_mail(email_domain),
    )


def _parse_custom(raw: str, stored_id: str) -> dict:
    try:
        parsed = json.loads(raw)
    except ValueError:
        logger.warning("lead %s has custom fields that are not valid JSON; the scan ignores them", stored_id)
        return {}
    return parsed if isinstance(parsed, dict) else {}
