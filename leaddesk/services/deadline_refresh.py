"""Response deadlines of waiting leads, recomputed when a new playbook changes their SLA.

A lead's deadline is computed when it arrives. A lead still waiting for its first contact
(stage "new", not contacted, not deleted) gets a new deadline from the new playbook when
the response budget or clock of its segment, or the team calendar, changed. Contacted leads
and leads in later stages keep what they had, because their SLA is already decided.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.playbook import Playbook, SegmentRule
from leaddesk.services.sla import compute_response_clock

logger = logging.getLogger(__name__)


def changed_sla_segments(old: Playbook, new: Playbook) -> list[str]:
    """Return the segment keys of new whose deadline computation differs from old's."""
    calendar_changed = old.calendar != new.calendar
    return [rule.key for rule in new.segments if calendar_changed or _sla_of(old.segment(rule.key)) != _sla_of(rule)]


def recompute_waiting_deadlines(session: Session, old: Playbook, new: Playbook) -> int:
    """Recompute the deadlines of waiting leads whose segment's SLA changed; return how many moved."""
    keys = changed_sla_segments(old, new)
    if not keys:
        return 0
    statement = (
        select(Lead)
        .where(
            Lead.stage == "new",
            Lead.first_contacted_at.is_(None),
            Lead.deleted_at.is_(None),
            Lead.response_due_at.is_not(None),
            Lead.segment.in_(keys),
        )
    )
    moved = 0
    for lead in session.scalars(statement).all():
        clock = compute_response_clock(new.segment(lead.segment), lead.received_at, new)
        if clock.due_at != lead.response_due_at or clock.warn_at != lead.response_warn_at:
            lead.response_due_at = clock.due_at
            lead.response_warn_at = clock.warn_at
            moved += 1
    session.flush()
    logger.info("recomputed waiting lead deadlines for segments %s: %d moved", ", ".join(keys), moved)
    return moved


def _sla_of(rule: SegmentRule) -> tuple:
    return rule.key, rule.budget_kind, rule.clock, rule.budget
