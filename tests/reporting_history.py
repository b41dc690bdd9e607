"""A small fixed lead history whose dashboard figures the reporting tests check by hand.

Team timezone UTC, business hours Monday to Friday 09:00-18:00 (the shipped playbook).
2026-03-06 is a Friday and 2026-03-09 a Monday. The playbook listener is off, so each
lead's qualification and score are exactly the values written here.
"""

from __future__ import annotations

from datetime import datetime, timezone

from leaddesk.models import Activity, FollowUp, Lead, LeadEvaluation, Rep
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.playbook import set_team_timezone

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


def _stage_change(lead: Lead, when: datetime, before: str, after: str) -> Activity:
    return Activity(lead_id=lead.id, kind="stage_change", occurred_at=when, summary=f"Stage changed from {before} to {after}")


def build_history(database) -> dict[str, Lead]:
    """Write leads A-F and return them by letter.

    A: contacted 20 business minutes after arriving Friday 17:50, so after its 09:05 deadline.
    B: contacted one minute before its deadline, then qualified and won.
    C: contacted within the deadline, then lost. D: never contacted, deadline passed.
    E: deadline still ahead. F: historical, moved from new straight to won.
    """
    with database.session() as session:
        session.info[SKIP_KEY] = True
        set_team_timezone(session, "UTC")
        ana = Rep(name="Ana")
        ben = Rep(name="Ben")
        session.add_all([ana, ben])
        session.flush()
        leads = {
            "A": Lead(full_name="Ann Able", email="ann@able.example", company="Able", owner_id=ana.id,
                      segment="mid_market_form", source="web form", stage="contacted",
                      received_at=at(6, 17, 50), response_due_at=at(9, 9, 5), response_warn_at=at(9, 9, 1),
                      first_contacted_at=at(9, 9, 10)),
            "B": Lead(full_name="Bo Bright", email="bo@bright.example", phone="+1 555 010 2030", company="Bright",
                      title="CTO", employee_count=1500, owner_id=ana.id, segment="enterprise_demo",
                      source="demo request", stage="won", received_at=at(9, 10, 0), response_due_at=at(9, 10, 5),
                      response_warn_at=at(9, 10, 3), first_contacted_at=at(9, 10, 4)),
            "C": Lead(full_name="Cy Cole", owner_id=ben.id, segment="general", source="web", stage="lost",
                      received_at=at(2, 10, 0), response_due_at=at(2, 18, 0), response_warn_at=at(2, 16, 0),
                      first_contacted_at=at(2, 11, 0)),
            "D": Lead(full_name="Di Dunn", owner_id=ben.id, segment="general", source=None, stage="new",
                      received_at=at(10, 9, 0), response_due_at=at(10, 18, 0), response_warn_at=at(10, 15, 45),
                      next_follow_up_at=at(11, 8, 0)),
            "E": Lead(full_name="Ed East", segment="general", source="web", stage="new",
                      received_at=at(11, 11, 0), response_due_at=at(11, 18, 0), response_warn_at=at(11, 16, 15),
                      next_follow_up_at=at(12, 9, 0)),
            "F": Lead(full_name="Fay Fox", owner_id=ben.id, segment="general", source="referral", stage="won",
                      received_at=at(2, 9, 0)),
        }
        session.add_all(leads.values())
        session.flush()
        scores = {"A": 15, "B": 95, "C": 40, "D": 0, "E": 100, "F": 72}
        qualifications = {"B": "sql"}
        for letter, lead in leads.items():
            session.add(LeadEvaluation(lead_id=lead.id, score_total=scores[letter],
                                       qualification=qualifications.get(letter),
                                       qualification_reasons=[], score_parts=[]))
        session.add_all([
            _stage_change(leads["B"], at(10, 10, 0), "contacted", "qualified"),
            _stage_change(leads["B"], at(11, 10, 0), "qualified", "won"),
            _stage_change(leads["C"], at(2, 11, 0), "new", "contacted"),
            _stage_change(leads["C"], at(4, 11, 0), "contacted", "lost"),
            _stage_change(leads["F"], at(5, 9, 0), "new", "won"),
            Activity(lead_id=leads["A"].id, kind="note", occurred_at=at(9, 9, 30), summary="Stage changed soon"),
            FollowUp(lead_id=leads["D"].id, due_at=at(11, 8, 0)),
            FollowUp(lead_id=leads["E"].id, due_at=at(12, 9, 0)),
            FollowUp(lead_id=leads["A"].id, due_at=at(10, 9, 0), completed_at=at(10, 9, 30)),
        ])
    return leads
