"""Re-evaluate leads against the playbook whenever an ORM flush adds or changes them or their activities.

The listener runs in before_flush, so the LeadEvaluation rows it writes commit or roll back
with the change that caused them. Bulk imports write Core rows and are not seen here, so
their leads are evaluated after the import commits, by the post-import job (post_import_jobs).
"""

from __future__ import annotations

import logging
from sqlalchemy import event
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead, LeadEvaluation, utc_now
from leaddesk.models.base import new_uuid

logger = logging.getLogger(__name__)

# session.info key that turns the listener off for one session, such as a bulk maintenance job.
SKIP_KEY = "skip_playbook_evaluation"


def _changed_leads(session: Session) -> dict[int, tuple[Lead, list[Activity]]]:
    """Return the changed leads by id(), each with its activities that are new in this session."""
    leads: dict[int, tuple[Lead, list[Activity]]] = {}
    for instance in [*session.new, *session.dirty]:
        if isinstance(instance, Lead) and instance.deleted_at is None and instance not in session.deleted:
            leads.setdefault(id(instance), (instance, []))
        elif isinstance(instance, Activity) and instance.lead_id is not None:
            lead = session.get(Lead, instance.lead_id)
            if lead is not None and lead.deleted_at is None and lead not in session.deleted:
                entry = leads.setdefault(id(lead), (lead, []))
                if instance in session.new:
                    entry[1].append(instance)
    return leads


@event.listens_for(Session, "before_flush")
def _evaluate_changed_leads(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(SKIP_KEY):
        return
    if not any(isinstance(instance, (Lead, Activity)) for instance in [*session.new, *session.dirty]):
        return
    # Imported here because the playbook package imports this module while it loads.
    from leaddesk.services import evaluation
    from leaddesk.services.playbook.store import load_playbook

    with session.no_autoflush:
        leads = _changed_leads(session)
        if not leads:
            return
        playbook = load_playbook(session)
        now = utc_now()
        for lead, pending in leads.values():
            if lead.id is None:
                # The column default would set it at insert time; the evaluation row needs it now.
                lead.id = new_uuid()
            try:
                evaluation.evaluate_lead(session, lead, playbook, now, pending)
            except Exception:
                # Evaluation is derived data, so a failing rule is logged and the lead is still saved.
                logger.exception("evaluating lead %s against the playbook failed; its stored evaluation is stale", lead.id)
                stale = session.get(LeadEvaluation, lead.id)
                if stale is not None and stale in session.new:
                    session.expunge(stale)
