"""Qualification (MQL/SQL) and scoring against playbook conditions, with their reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.models import Activity, Lead, LeadEvaluation
from leaddesk.services.database import Database
from leaddesk.services.evaluation import evaluate_lead, set_score_override
from leaddesk.services.lead_facts import LeadFacts, company_size_band
from leaddesk.services.playbook import parse_playbook, shipped_playbook, shipped_playbook_text
from leaddesk.services.playbook.conditions import parse_condition
from leaddesk.services.playbook.issues import IssueCollector
from leaddesk.services.qualification import qualify
from leaddesk.services.scoring import decayed_points, score_lead


@pytest.fixture
def database(any_database):
    """Run every test of this module on SQLite and on PostgreSQL."""
    return any_database


NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)


def _lead(**values) -> Lead:
    defaults = dict(
        email="ana@acme.com", title="VP Sales", employee_count=800, industry="SaaS", company="Acme",
        source="Website", segment="general", stage="new", custom_fields={}, received_at=NOW - timedelta(days=1),
    )
    defaults.update(values)
    lead = Lead(**defaults)
    lead.activities = []
    return lead


def _activity(lead: Lead, kind: str, days_ago: float, summary: str = "") -> None:
    lead.activities.append(Activity(kind=kind, summary=summary, occurred_at=NOW - timedelta(days=days_ago)))


def _check(condition: dict, lead: Lead, playbook=None):
    issues = IssueCollector()
    parsed = parse_condition(condition, "when", issues)
    assert issues.issues == []
    return parsed.evaluate(LeadFacts(lead, playbook or shipped_playbook(), NOW))


OPERATOR_CASES = [
    # (condition, lead values, expected passed, expected reason)
    ({"field": "employees", "at_least": 500}, {"employee_count": 320}, False, "employees 320 < 500"),
    ({"field": "employees", "at_least": 500}, {"employee_count": 500}, True, "employees 500 >= 500"),
    ({"field": "employees", "at_most": 100}, {"employee_count": 101}, False, "employees 101 > 100"),
    ({"field": "employees", "greater_than": 100}, {"employee_count": 100}, False, "employees 100 <= 100"),
    ({"field": "employees", "less_than": 100}, {"employee_count": 99}, True, "employees 99 < 100"),
    ({"field": "employees", "at_least": 500}, {"employee_count": None}, False, "employees unknown (needs >= 500)"),
    ({"field": "industry", "equals": "saas"}, {}, True, "industry SaaS = saas"),
    ({"field": "industry", "not_equals": "SaaS"}, {}, False, "industry SaaS = SaaS"),
    ({"field": "industry", "in": ["SaaS", "Fintech"]}, {"industry": "Retail"}, False, "industry Retail not in [SaaS, Fintech]"),
    ({"field": "industry", "in": ["SaaS", "Fintech"]}, {"industry": "fintech"}, True, "industry fintech in [SaaS, Fintech]"),
    ({"field": "source", "contains": ["demo"]}, {"source": "Demo request"}, True, "source 'Demo request' contains 'demo'"),
    ({"field": "source", "contains": ["demo"]}, {}, False, "source 'Website' contains none of [demo]"),
    ({"field": "free_mail", "is": False}, {"email": "ana@gmail.com"}, False, "free mail: yes"),
    ({"field": "free_mail", "is": False}, {}, True, "free mail: no"),
    ({"field": "free_mail", "is": False}, {"email": None}, False, "free mail unknown (needs no)"),
    ({"field": "free_mail", "is": True}, {"email": None}, False, "free mail unknown (needs yes)"),
    ({"field": "region", "is_set": True}, {}, False, "region is empty"),
    ({"field": "seniority", "at_least": "director"}, {}, True, "seniority vp at least director"),
    ({"field": "seniority", "at_least": "director"}, {"title": "Account Manager"}, False, "seniority manager below director"),
    ({"field": "seniority", "at_least": "director"}, {"title": None}, False, "seniority unknown (needs at least director)"),
    ({"field": "company_size_band", "equals": "501-1000"}, {}, True, "company size band 501-1000 = 501-1000"),
    ({"field": "custom.Plan", "equals": "Pro"}, {"custom_fields": {"Plan": "Pro"}}, True, "custom.Plan Pro = Pro"),
]


@pytest.mark.parametrize("condition, values, passed, reason", OPERATOR_CASES, ids=[case[3] for case in OPERATOR_CASES])
def test_condition_operators(condition, values, passed, reason) -> None:
    outcome = _check(condition, _lead(**values))

    assert outcome.reason == reason
    assert outcome.passed is passed


def test_activity_within_window() -> None:
    lead = _lead()
    _activity(lead, "note", 9, "Pricing viewed")
    _activity(lead, "pricing_viewed", 2)
    condition = {"activity": ["demo requested", "pricing viewed"], "within": "7d"}

    outcome = _check(condition, lead)

    assert outcome.passed
    assert outcome.reason == "activity 'demo requested' or 'pricing viewed' within 7 days: 1, latest 2d ago"


def test_unflushed_activity_counts_as_now() -> None:
    lead = _lead()
    lead.activities.append(Activity(kind="pricing_viewed", summary=""))
    condition = {"activity": ["pricing viewed"], "within": "7d"}

    outcome = _check(condition, lead)

    assert outcome.passed
    assert outcome.reason == "activity 'pricing viewed' within 7 days: 1, latest 0m ago"


def test_activity_outside_window_fails() -> None:
    lead = _lead()
    _activity(lead, "note", 9, "Pricing viewed")

    outcome = _check({"activity": "pricing viewed", "within": "7d"}, lead)

    assert not outcome.passed
    assert outcome.reason == "activity 'pricing viewed' within 7 days: 0 found"


def test_activity_min_count_and_system_kinds() -> None:
    lead = _lead()
    _activity(lead, "call", 1)
    _activity(lead, "import", 1, "call imported")

    outcome = _check({"activity": "call", "min_count": 2}, lead)

    assert not outcome.passed
    assert outcome.reason == "activity 2x 'call': 1 found"


def test_all_any_not_combinations() -> None:
    lead = _lead(employee_count=320)
    condition = {"all": [
        {"field": "employees", "at_least": 500},
        {"any": [{"field": "industry", "equals": "Retail"}, {"field": "industry", "equals": "SaaS"}]},
        {"not": {"field": "existing_customer", "is": True}},
    ]}

    outcome = _check(condition, lead)

    assert not outcome.passed
    assert outcome.reason == "all of 3: 1 failed"
    assert [part.passed for part in outcome.parts] == [False, True, True]
    assert outcome.parts[2].reason == "not (existing customer: no)"
    assert outcome.lines()[1] == "  [FAIL] employees 320 < 500"


def test_existing_customer_by_domain_and_company() -> None:
    text = shipped_playbook_text().replace("domains = []", 'domains = ["acme.com"]').replace("companies = []", 'companies = ["Globex"]')
    playbook = parse_playbook(text)

    by_domain = _check({"field": "existing_customer", "is": True}, _lead(), playbook)
    by_company = _check({"field": "existing_customer", "is": True}, _lead(email="x@gmail.com", company="GLOBEX"), playbook)
    neither = _check({"field": "existing_customer", "is": True}, _lead(email="x@initech.com", company="Initech"), playbook)

    assert by_domain.passed
    assert by_company.passed
    assert not neither.passed


def test_qualify_sql_beats_mql() -> None:
    lead = _lead()
    _activity(lead, "note", 1, "Demo requested via chat")

    result = qualify(lead, shipped_playbook(), NOW)

    assert result.stage == "sql"
    assert [item.outcome.passed for item in result.results] == [True, True]


def test_qualify_explains_failed_sql() -> None:
    lead = _lead(employee_count=320)

    result = qualify(lead, shipped_playbook(), NOW)

    assert result.stage == "mql"
    sql_lines = result.results[1].outcome.lines()
    assert "  [FAIL] employees 320 < 500" in sql_lines
    assert "qualification: MQL" == result.describe()[0]


def test_qualify_existing_customer_not_qualified() -> None:
    text = shipped_playbook_text().replace("domains = []", 'domains = ["acme.com"]')

    result = qualify(_lead(), parse_playbook(text), NOW)

    assert result.stage is None


def test_no_email_not_company_email() -> None:
    lead = _lead(email=None, employee_count=800)

    score = score_lead(lead, shipped_playbook(), NOW)
    result = qualify(lead, shipped_playbook(), NOW)

    points = {part.label: part.points for part in score.parts}
    assert points["Company e-mail"] == 0
    assert score.fit == 35
    assert result.stage is None
    assert "  [FAIL] free mail unknown (needs no)" in result.results[0].outcome.lines()


def test_company_size_bands() -> None:
    assert company_size_band(None) is None
    assert company_size_band(10) == "1-10"
    assert company_size_band(11) == "11-50"
    assert company_size_band(1000) == "501-1000"
    assert company_size_band(20000) == "10001+"


def test_decay_halves_each_half_life() -> None:
    assert decayed_points(20, 0, 14) == 20
    assert decayed_points(20, 14, 14) == 10
    assert decayed_points(20, 28, 14) == 5
    assert decayed_points(20, -1, 14) == 20


def test_score_parts_caps_and_grade() -> None:
    lead = _lead()
    _activity(lead, "meeting", 0)
    _activity(lead, "note", 14, "pricing viewed")
    _activity(lead, "call", 28)

    score = score_lead(lead, shipped_playbook(), NOW)

    # Fit 20 + 15 + 10 = 45 (cap 50). Engagement 25 + 15/2 + 5/4 = 33.75, rounded to 34.
    assert (score.fit, score.engagement, score.total, score.grade) == (45, 34, 79, "A")
    assert [(part.label, round(part.points, 2)) for part in score.parts] == [
        ("Director or above", 20), ("500+ employees", 15), ("Company e-mail", 10),
        ("Demo requested", 25), ("Pricing viewed", 7.5), ("Call or e-mail", 1.25),
    ]


def test_engagement_cap_applies() -> None:
    lead = _lead(title=None, employee_count=10, email="x@gmail.com")
    for _ in range(3):
        _activity(lead, "meeting", 0)

    score = score_lead(lead, shipped_playbook(), NOW)

    assert (score.fit, score.engagement, score.grade) == (0, 50, "B")
    assert score.parts[-1].reason == "engagement points capped at 50"
    assert score.parts[-1].points == -25


def test_override_is_logged_and_clearable(database: Database) -> None:
    with database.session() as session:
        lead = _lead()
        session.add(lead)
        session.flush()
        playbook = shipped_playbook()
        evaluate_lead(session, lead, playbook, NOW)
        computed = session.get(LeadEvaluation, lead.id).score_total

        set_score_override(session, lead, 95, "met at the conference", NOW, actor="dana")
        overridden = session.get(LeadEvaluation, lead.id)
        assert (overridden.score_total, overridden.grade) == (95, "A")

        set_score_override(session, lead, None, "", NOW, actor="dana")
        cleared = session.get(LeadEvaluation, lead.id)
        assert cleared.score_total == computed
        assert cleared.score_override is None
        summaries = [activity.summary for activity in session.query(Activity).filter_by(lead_id=lead.id, kind="score_override").order_by(Activity.created_at)]
    assert summaries == [
        "Score set to 95 by hand (was computed): met at the conference",
        "Score override 95 cleared",
    ]


def test_evaluation_records_speed_to_lead(database: Database) -> None:
    received = datetime(2026, 12, 11, 16, 30, tzinfo=timezone.utc)
    with database.session() as session:
        lead = _lead(received_at=received, first_contacted_at=received + timedelta(days=2, hours=17))
        session.add(lead)
        session.flush()
        playbook = parse_playbook(shipped_playbook_text(), default_timezone="UTC")
        evaluate_lead(session, lead, playbook, NOW)
        evaluation = session.get(LeadEvaluation, lead.id)

        assert evaluation.speed_to_lead_seconds == (2 * 24 + 17) * 3600
        # Friday 16:30-18:00 and Monday 09:00-09:30 UTC.
        assert evaluation.speed_to_lead_business_seconds == 2 * 3600
