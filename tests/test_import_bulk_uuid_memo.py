"""BulkInsert remembers converted foreign-key ids, which repeat, but not primary-key ids."""

from __future__ import annotations

import pytest

from leaddesk.models import Lead
from leaddesk.services.importing.bulk import BulkInsert, _Memo
from leaddesk.services.importing.store import NEW_LEAD_COLUMNS


@pytest.mark.sqlite_only("psycopg binds UUIDs itself, so the Uuid type has no bind processor to remember")
def test_owner_id_conversions_memoized(database):
    with database.session() as session:
        bulk = BulkInsert(session, Lead.__table__, NEW_LEAD_COLUMNS)

        assert isinstance(bulk._converters["owner_id"], _Memo)
        assert isinstance(bulk._converters["import_batch_id"], _Memo)


def test_primary_key_conversions_not_memoized(database):
    with database.session() as session:
        bulk = BulkInsert(session, Lead.__table__, NEW_LEAD_COLUMNS)

        assert not isinstance(bulk._converters.get("id"), _Memo)
        assert not isinstance(bulk._converters.get("custom_fields"), _Memo)
