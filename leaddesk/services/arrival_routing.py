"""Route new leads that arrive without an owner, and log each assignment with its reason.

Leads typed in go through route_new_lead. Imported leads go through route_new_leads in
bulk, which writes owners and timeline entries as Core rows. Both run only when the
playbook has routing rules and [routing] assign_new_leads is on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead, Rep
from leaddesk.models.base import new_uuid
from leaddesk.services.bulk_evaluation import CHUNK_LEADS, lead_views
from leaddesk.services.playbook import Playbook
from leaddesk.services.routing import ASSIGNMENT_KIND, OPEN_STAGES, RoutingDecision, route_lead, route_leads

logger = logging.getLogger(__name__)

ACTOR = "playbook"


def assignment_summary(rep_name: str, decision: RoutingDecision) -> str:
    """Describe an arrival assignment for the timeline: the rep, the rule and the reasons that led there."""
    summary = f"Assigned on arrival to {rep_name} by routing rule {decision.rule!r} ({decision.strategy})"
    if decision.reasons:
        summary += ": " + "; ".join(decision.reasons)
    return summary


def route_new_lead(session: Session, lead: Lead, playbook: Playbook, now: datetime) -> RoutingDecision | None:
    """Assign a lead that just arrived without an owner, logging the choice; return None when routing is off."""
    if not playbook.routes_new_leads or lead.owner_id is not None:
        return None
    decision = route_lead(session, lead, playbook, now)
    if decision.rep is None:
        logger.info("new lead %s stays unassigned: %s", lead.id, "; ".join(decision.reasons))
        return decision
    lead.owner_id = decision.rep.id
    lead.owner = decision.rep
    summary = assignment_summary(decision.rep.name, decision)
    session.add(Activity(lead_id=lead.id, kind=ASSIGNMENT_KIND, occurred_at=now, summary=summary, actor=ACTOR))
    logger.info("new lead %s assigned to %s by rule %r", lead.id, decision.rep.name, decision.rule)
    return decision


def route_new_leads(session: Session, lead_ids: Sequence[uuid.UUID], playbook: Playbook, now: datetime) -> int:
    """Assign the open, unowned leads among lead_ids in the given order, and return how many got a rep.

    Owners are written with one executemany UPDATE and the timeline entries with one
    executemany INSERT per chunk, so Lead.row_version stays as the import left it.
    """
    if not playbook.routes_new_leads or not lead_ids:
        return 0
    owners = {rep_id: SimpleNamespace(name=name) for rep_id, name in session.execute(select(Rep.id, Rep.name))}
    assigned = 0
    for start in range(0, len(lead_ids), CHUNK_LEADS):
        chunk = lead_ids[start : start + CHUNK_LEADS]
        order = {lead_id: index for index, lead_id in enumerate(chunk)}
        views = [view for view in lead_views(session, chunk, owners) if view.owner_id is None and view.stage in OPEN_STAGES]
        views.sort(key=lambda view: order[view.id])
        decisions = route_leads(session, views, playbook, now)
        updates, entries = [], []
        for view, decision in zip(views, decisions):
            if decision.rep is None:
                continue
            updates.append({"lead_key": view.id, "owner": decision.rep.id})
            entries.append(
                {
                    "id": new_uuid(),
                    "lead_id": view.id,
                    "kind": ASSIGNMENT_KIND,
                    "occurred_at": now,
                    "summary": assignment_summary(decision.rep.name, decision),
                    "actor": ACTOR,
                    "created_at": now,
                }
            )
        if updates:
            leads = Lead.__table__
            statement = update(leads).where(leads.c.id == bindparam("lead_key")).values(owner_id=bindparam("owner"))
            session.connection().execute(statement, updates)
            session.connection().execute(insert(Activity.__table__), entries)
        assigned += len(updates)
        unassigned = len(views) - len(updates)
        if unassigned:
            logger.info("%d new leads stay unassigned because no routing rule found an available rep", unassigned)
    logger.info("routed %d new leads on arrival", assigned)
    return assigned
