"""Revision 0005: derived enrichment columns added to a database that has leads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect, select

from leaddesk.models import Lead
from leaddesk.services import database as database_module
from leaddesk.services.database import Database
from schema_revisions import downgrade_to, upgrade_to

DERIVED_COLUMNS = {
    "derived_domain",
    "is_free_mail",
    "derived_country",
    "derived_country_code",
    "derived_region",
    "derived_timezone",
    "seniority",
    "seniority_rank",
    "department",
    "completeness",
    "derived_version",
    "derived_at",
}


def test_upgrade_from_0004_keeps_leads(db_path: Path) -> None:
    upgrade_to(db_path, "0004")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO leads (id, first_name, last_name, email, phone, company, title, segment, stage, score, "
            "custom_fields, secondary_values, match_phone_unparsed, received_at, created_at, updated_at, "
            "row_version) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Ada', 'Ng', 'ada@acme.com', '+44 20 7946 0000', "
            "'Acme Ltd', 'VP Sales', 'general', 'new', 0, '{}', '{}', 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
        )

    opened = Database.open(db_path)
    try:
        columns = {column["name"] for column in inspect(opened.engine).get_columns("leads")}
        indexes = {index["name"] for index in inspect(opened.engine).get_indexes("leads")}
        with opened.session() as session:
            lead = session.scalars(select(Lead)).one()
            title, seniority, version = lead.title, lead.seniority, lead.derived_version
    finally:
        opened.dispose()

    assert DERIVED_COLUMNS <= columns
    assert {"ix_leads_seniority_rank", "ix_leads_completeness", "ix_leads_derived_version"} <= indexes
    assert title == "VP Sales"
    assert seniority is None
    assert version is None


def test_downgrade_to_0004_drops_derived(db_path: Path) -> None:
    Database.open(db_path).dispose()
    downgrade_to(db_path, "0004")
    engine = database_module.create_sqlite_engine(db_path)
    columns = {column["name"] for column in inspect(engine).get_columns("leads")}
    engine.dispose()

    assert not DERIVED_COLUMNS & columns
    assert "match_email" in columns
