"""Revision 0004: match keys, merges and decisions added to a database that has leads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect, select

from leaddesk.models import Lead
from leaddesk.services import database as database_module
from leaddesk.services.database import Database
from leaddesk.services.dedup.normalize import refresh_match_keys
from schema_revisions import downgrade_to, upgrade_to


def test_upgrade_from_0003_keeps_leads(db_path: Path) -> None:
    upgrade_to(db_path, "0003")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, first_name, last_name, email, phone, company, segment, stage, score, "
            "custom_fields, received_at, created_at, updated_at, row_version) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Bill', 'Ng', 'bill+x@acme.com', '+1 415 555 0100', "
            "'Acme Inc', 'general', 'new', 0, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 1)"
        )

    opened = Database.open(db_path)
    try:
        tables = set(inspect(opened.engine).get_table_names())
        with opened.session() as session:
            refresh_match_keys(session)
        with opened.session() as session:
            lead = session.scalars(select(Lead)).one()
    finally:
        opened.dispose()

    assert {"merge_operations", "dedup_decisions"} <= tables
    assert lead.first_name == "Bill"
    assert lead.secondary_values == {}
    assert lead.merged_into_id is None
    assert lead.match_phone_unparsed is False
    assert lead.match_email == "bill@acme.com"
    assert lead.match_company == "acme"
    assert lead.match_phone == "+14155550100"


def test_downgrade_to_0003_drops_dedup(db_path: Path) -> None:
    Database.open(db_path).dispose()
    downgrade_to(db_path, "0003")
    engine = database_module.create_sqlite_engine(db_path)
    columns = {column["name"] for column in inspect(engine).get_columns("leads")}
    tables = set(inspect(engine).get_table_names())
    engine.dispose()

    assert "match_email" not in columns
    assert "merged_into_id" not in columns
    assert "merge_operations" not in tables
