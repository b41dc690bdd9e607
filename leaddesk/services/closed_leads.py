"""Closed leads: won, lost or disqualified leads, which have no running response deadline.

A closed lead leaves the overdue and due-soon states of the inbox, its saved views, the
status bar and the CLI, as it already left the reminder scheduler's SLA events. Its stored
response_due_at and first_contacted_at stay as they were, so reports still count a deadline
it breached before it closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement

from leaddesk.models import Lead
from leaddesk.models.lead import CLOSED_STAGES
from leaddesk.services.sla import ResponseState, response_state


def is_closed(stage: str) -> bool:
    return stage in CLOSED_STAGES


def open_stage() -> ColumnElement[bool]:
    """Return the SQL condition that a lead is not closed."""
    return Lead.stage.not_in(CLOSED_STAGES)


def lead_response_state(
    stage: str,
    first_contacted_at: datetime | None,
    response_due_at: datetime | None,
    response_warn_at: datetime | None,
    now: datetime,
) -> ResponseState:
    """Return sla.response_state, except that a closed lead never contacted is WAITING: its deadline no longer runs."""
    if is_closed(stage) and first_contacted_at is None:
        return ResponseState.WAITING
    return response_state(first_contacted_at, response_due_at, response_warn_at, now)
