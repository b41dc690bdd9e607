"""Saved views of the inbox ("My overdue", "SQLs this week") and how many leads each holds.

A view is a SQL condition on leads. The window keeps the inbox's priority order and
shows only the leads of the chosen view; the filter bar shows each view's count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, false, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from leaddesk.models import FollowUp, Lead, LeadEvaluation, Rep
from leaddesk.services.closed_leads import open_stage
from leaddesk.services.driver_sql import as_uuid
from leaddesk.services.follow_up_owners import owned_by
from leaddesk.services.follow_up_state import due_condition, local_today
from leaddesk.services.local_time import resolve_wall_time


@dataclass(frozen=True)
class ViewContext:
    """The inputs of a view's condition: the instant, the user's rep name and the team's zone."""

    now: datetime
    rep_name: str | None
    zone_name: str

    def week_start(self) -> datetime:
        """Return Monday 00:00 of the current week in the team's zone, as a UTC instant."""
        zone = ZoneInfo(self.zone_name)
        today = self.now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        return resolve_wall_time(datetime.combine(monday, time(0, 0)), zone)


@dataclass(frozen=True)
class SavedView:
    key: str
    label: str
    condition: Callable[[ViewContext], ColumnElement[bool]]


def _my_rep_ids(context: ViewContext):
    return select(Rep.id).where(func.lower(Rep.name) == context.rep_name.lower())


def _mine(context: ViewContext) -> ColumnElement[bool]:
    if not context.rep_name:
        return false()
    return Lead.owner_id.in_(_my_rep_ids(context))


def _overdue(context: ViewContext) -> ColumnElement[bool]:
    # A closed lead's deadline no longer runs, so it leaves this view.
    return and_(Lead.first_contacted_at.is_(None), Lead.response_due_at <= context.now, open_stage())


def _my_due_follow_ups(context: ViewContext) -> ColumnElement[bool]:
    """Return the condition for leads with a due open follow-up of the user's, as the reminders pick it.

    A follow-up is the user's when the user owns it, or when it has no owner and the user
    owns the lead. A lead with next_follow_up_at but no open follow-up rows (an old import
    or merge) counts for the lead's owner.
    """
    if not context.rep_name:
        return false()
    rep_ids = _my_rep_ids(context).scalar_subquery()
    today = local_today(context.now, context.zone_name)
    my_due = (
        select(FollowUp.lead_id)
        .join(Lead, Lead.id == FollowUp.lead_id)
        .where(due_condition(context.now, today), owned_by(rep_ids))
    )
    # A correlated NOT EXISTS probes the lead_id index only for the user's leads that are due.
    any_open = select(FollowUp.id).where(FollowUp.lead_id == Lead.id, FollowUp.completed_at.is_(None)).exists()
    without_rows = and_(_mine(context), Lead.next_follow_up_at <= context.now, ~any_open)
    return or_(Lead.id.in_(my_due), without_rows)


def _sql_this_week(context: ViewContext) -> ColumnElement[bool]:
    sql_ids = select(LeadEvaluation.lead_id).where(LeadEvaluation.qualification == "sql")
    return and_(Lead.id.in_(sql_ids), Lead.received_at >= context.week_start())


SAVED_VIEWS = (
    SavedView("my_overdue", "My overdue", lambda context: and_(_mine(context), _overdue(context))),
    SavedView(
        "my_follow_ups",
        "My due follow-ups",
        _my_due_follow_ups,
    ),
    SavedView("sqls_this_week", "SQLs this week", _sql_this_week),
    SavedView("unassigned_new", "Unassigned new leads", lambda context: and_(Lead.owner_id.is_(None), Lead.stage == "new")),
)


def find_view(key: str) -> SavedView:
    for view in SAVED_VIEWS:
        if view.key == key:
            return view
    raise ValueError(f"unknown saved view {key!r}; use one of: {', '.join(view.key for view in SAVED_VIEWS)}")


def view_lead_ids(session: Session, key: str, context: ViewContext) -> set[uuid.UUID]:
    statement = select(type_coerce(Lead.id, String)).where(Lead.deleted_at.is_(None), find_view(key).condition(context))
    return {as_uuid(value) for value in session.scalars(statement)}


def count_views(session: Session, context: ViewContext) -> dict[str, int]:
    """Return the number of leads in every saved view, keyed by view key."""
    counts = {}
    for view in SAVED_VIEWS:
        statement = select(func.count(Lead.id)).where(Lead.deleted_at.is_(None), view.condition(context))
        counts[view.key] = int(session.scalar(statement) or 0)
    return counts


def context_for(session: Session, user: str, now: datetime, zone_name: str) -> ViewContext:
    """Return the context of user's views; "mine" is the rep the user's notification settings name, else the rep named like the user."""
    from leaddesk.services.notifications.preferences import load_preferences

    rep_name = load_preferences(session, user, zone_name).rep_name or user
    return ViewContext(now=now, rep_name=rep_name, zone_name=zone_name)


def keep_view(session: Session, ids: list[uuid.UUID], key: str | None, context: ViewContext) -> list[uuid.UUID]:
    """Return the ids that are in the view, in their given order; with key None, all of them."""
    if key is None:
        return ids
    members = view_lead_ids(session, key, context)
    return [lead_id for lead_id in ids if lead_id in members]
