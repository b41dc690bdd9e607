"""Values that so many live leads share that their agreement is no evidence of who a lead is.

A postcode typed into a customer-number column, a default "000000", or "Webinar" in a
lead-source column agrees between thousands of unrelated leads. The scan leaves such values
out of the comparison. They are counted over all live leads of the database, so an
incremental scan, which loads only the leads near the ones it checks, and the hint while
a lead is typed judge a value as the full scan does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable

from sqlalchemy.engine import Connection

from leaddesk.services.dedup.blocking_keys import IDENTIFIER_PREFIX
from leaddesk.services.dedup.loading import fetch_all
from leaddesk.services.dedup.normalize import fold_text

# An identifier value that more leads than this share is no identifier, and a custom text
# value that more leads share is no evidence. Copies of one lead rarely number more than a few.
COMMON_IDENTIFIER_LEADS = 10
COMMON_VALUE_LEADS = 10

_COMMON_IDENTIFIERS = (
    "SELECT keys.key FROM lead_match_keys AS keys JOIN leads ON leads.id = keys.lead_id "
    "WHERE {prefix_match} AND leads.deleted_at IS NULL GROUP BY keys.key HAVING count(*) > ?"
)
# On SQLite, whose text order is binary, identifier keys run from "x:" up to "x;" (the next
# character after ":"), a range that the (key, lead_id) index reads. PostgreSQL may order
# text by locale, which can sort punctuation differently, so there the keys match by LIKE.
_SQLITE_PREFIX_MATCH = "keys.key >= ? AND keys.key < ?"
_PREFIX_MATCH = "keys.key LIKE ?"
_LIVE_CUSTOM_FIELDS = "SELECT custom_fields FROM leads WHERE deleted_at IS NULL AND custom_fields IS NOT NULL"


def common_identifier_keys(connection: Connection) -> set[str]:
    """Return the identifier blocking keys ("x:field|digits") shared by more than COMMON_IDENTIFIER_LEADS live leads.

    On SQLite this is one range read of the (key, lead_id) index, so its cost grows with
    the identifier keys stored, not with all keys.
    """
    if connection.dialect.name == "sqlite":
        upper = IDENTIFIER_PREFIX[:-1] + chr(ord(IDENTIFIER_PREFIX[-1]) + 1)
        statement = _COMMON_IDENTIFIERS.format(prefix_match=_SQLITE_PREFIX_MATCH)
        parameters: tuple = (IDENTIFIER_PREFIX, upper, COMMON_IDENTIFIER_LEADS)
    else:
        statement = _COMMON_IDENTIFIERS.format(prefix_match=_PREFIX_MATCH)
        parameters = (f"{IDENTIFIER_PREFIX}%", COMMON_IDENTIFIER_LEADS)
    return {key for (key,) in fetch_all(connection, statement, parameters)}


def common_custom_values(connection: Connection, field_names: Collection[str]) -> set[tuple[str, str]]:
    """Return the (field name, folded value) pairs of field_names shared by more than COMMON_VALUE_LEADS live leads.

    Values are folded by fold_text, as the scorer compares them, so "Webinar" and
    "webinar " count as one value. Reads the custom fields of every live lead once.
    """
    names = set(field_names)
    if not names:
        return set()
    items = []
    for (raw,) in fetch_all(connection, _LIVE_CUSTOM_FIELDS):
        if not raw or raw == "{}":
            continue
        fields = _parse_object(raw)
        for name in names.intersection(fields):
            value = fields[name]
            if value is not None:
                items.append((name, fold_text(str(value))))
    return count_common_values(items)


def count_common_values(items: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Return the (field name, folded value) items that occur more than COMMON_VALUE_LEADS times.

    A full scan loads every live lead, so counting their values in memory gives the same
    result as common_custom_values without a second pass over the table.
    """
    counts = Counter(items)
    return {item for item, count in counts.items() if count > COMMON_VALUE_LEADS}


def _parse_object(raw: str) -> dict:
    try:
        parsed = json.loads(raw)
    except ValueError:
        # loading.load_lead_keys logs these leads by id when it loads them.
        return {}
    return parsed if isinstance(parsed, dict) else {}
