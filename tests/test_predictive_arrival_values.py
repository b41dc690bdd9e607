"""Training rows roll hand edits and team sync changes back to the values a lead arrived with."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from leaddesk.models import ImportBatch, ImportChange, Lead, SyncChange
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.lead_actions import edit_lead
from leaddesk.services.predictive.arrival_values import parse_edit_summary
from leaddesk.services.predictive.dataset import load_lead_rows
from leaddesk.services.sync.hlc import encode

ARRIVAL = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
LONG_TITLE = "Head of " + "very " * 20 + "important things"


def add_lead(database, **fields) -> Lead:
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = Lead(full_name="Ida Ince", segment="general", stage="new", received_at=ARRIVAL, custom_fields={},
                    **fields)
        session.add(lead)
    return lead


def training_row(database, lead_id) -> dict:
    with database.session() as session:
        rows = load_lead_rows(session, lead_ids=[lead_id])
    return rows.rows[0]


def test_hand_edit_rolled_back(database):
    lead = add_lead(database, title="CTO", source="web form", employee_count=40, city="Lyon")
    with database.session() as session:
        edit_lead(session, lead.id, {"title": "VP Sales", "employee_count": "5000"}, "ana", ARRIVAL + timedelta(days=3))
        edit_lead(session, lead.id, {"title": "CEO", "source": "referral"}, "ben", ARRIVAL + timedelta(days=9))

    row = training_row(database, lead.id)

    assert row["title"] == "CTO"
    assert row["employee_count"] == 40
    assert row["source"] == "web form"
    # Never edited, so the current value is the arrival value.
    assert row["city"] == "Lyon"


def test_hand_edit_of_blank_field(database):
    lead = add_lead(database, source=None)
    with database.session() as session:
        edit_lead(session, lead.id, {"source": "trade show"}, "ana", ARRIVAL + timedelta(days=1))

    assert training_row(database, lead.id)["source"] is None


def test_cut_edit_value_becomes_missing(database):
    lead = add_lead(database, title=LONG_TITLE)
    with database.session() as session:
        edit_lead(session, lead.id, {"title": "Buyer"}, "ana", ARRIVAL + timedelta(days=1))

    # The timeline keeps only the first characters of the old title, so it is unknown.
    assert training_row(database, lead.id)["title"] is None


def test_earliest_change_wins_across_sources(database):
    lead = add_lead(database, source="web")
    with database.session() as session:
        session.info[SKIP_KEY] = True
        edit_lead(session, lead.id, {"source": "partner"}, "ana", ARRIVAL + timedelta(days=5))
        batch = ImportBatch(file_name="crm.csv", sha256="1" * 64, started_at=ARRIVAL + timedelta(days=8))
        session.add(batch)
        session.flush()
        session.add(ImportChange(batch_id=batch.id, lead_id=lead.id, field="source", before="partner", after="event"))
        session.get(Lead, lead.id).source = "event"

    assert training_row(database, lead.id)["source"] == "web"


def sync_change(lead_id, at: datetime, field: str, value, old) -> SyncChange:
    return SyncChange(change_id=f"{field}{at.timestamp():.0f}"[:32], device_id="d2", person="Cy",
                      hlc=encode(int(at.timestamp() * 1000), 0), entity="lead", row_id=str(lead_id), field=field,
                      value_json=json.dumps(value), old_json=json.dumps(old), exported=True)


def test_sync_change_rolled_back(database):
    lead = add_lead(database, industry="Retail")
    created = ARRIVAL + timedelta(minutes=5)
    edited = ARRIVAL + timedelta(days=2)
    with database.session() as session:
        # The creation changes of a lead carry no earlier value and are not edits.
        session.add(sync_change(lead.id, created, "industry", "Retail", None))
        session.add(sync_change(lead.id, created, "custom_fields", {"Tier": "B"}, None))
        session.add(sync_change(lead.id, edited, "industry", "Software", "Retail"))
        session.add(sync_change(lead.id, edited, "custom_fields", {"Tier": "A", "Rating": "Hot"}, {"Tier": "B"}))
        stored = session.get(Lead, lead.id)
        stored.industry = "Software"
        stored.custom_fields = {"Tier": "A", "Rating": "Hot"}

    row = training_row(database, lead.id)

    assert row["industry"] == "Retail"
    assert row["custom:Tier"] == "B"
    assert row["custom:Rating"] is None


def test_parse_edit_summary_cases():
    cases = [
        ("Changed title 'CTO' to 'CEO'", {"title": "CTO"}),
        ("Changed source (blank) to 'web'; city 'Paris' to (blank)", {"source": None, "city": "Paris"}),
        ("Changed company \"O'Neil; Sons\" to 'Acme'", {"company": "O'Neil; Sons"}),
        ("Changed employee_count '250' to '300'", {"employee_count": 250}),
        ("Changed title 'Head of very very…' to 'CEO'", {"title": None}),
        ("Changed my mind about the demo", None),
        ("Called back", None),
    ]
    for summary, expected in cases:
        assert parse_edit_summary(summary) == expected, summary


def test_derived_fields_use_arrival_title(database):
    lead = add_lead(database, title="Marketing Intern", email="ida@gmail.com")
    with database.session() as session:
        edit_lead(session, lead.id, {"title": "CEO", "email": "ida@acme-tools.com"}, "ana", ARRIVAL + timedelta(days=4))
    with database.session() as session:
        current = session.get(Lead, lead.id)
        assert (current.seniority, current.department, current.is_free_mail) == ("c_level", "Executive", False)

    row = training_row(database, lead.id)

    # Recomputed from the arrival title and e-mail, not from the current CEO title.
    assert row["title"] == "Marketing Intern"
    assert row["seniority"] == "ic"
    assert row["department"] == "Marketing"
    assert row["is_free_mail"] is True


def test_derived_fields_of_unedited_lead_kept(database):
    lead = add_lead(database, title="CEO", seniority="c_level", department="management")

    row = training_row(database, lead.id)

    assert row["seniority"] == "c_level"
    assert row["department"] == "management"


def test_segment_uses_arrival_fields(database):
    lead = add_lead(database, source="web form", employee_count=40)
    with database.session() as session:
        edit_lead(session, lead.id, {"source": "demo request", "employee_count": "5000"}, "ana",
                  ARRIVAL + timedelta(days=2))
        # Re-evaluating the lead moves it to the segment of its new values.
        session.get(Lead, lead.id).segment = "enterprise_demo"

    row = training_row(database, lead.id)

    # At arrival the lead had neither a demo source nor 1,000 employees.
    assert row["segment"] != "enterprise_demo"
