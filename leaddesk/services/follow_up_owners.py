"""Follow-up owners: the choices of the follow-up dialog and the hand-over when a lead changes owner.

A follow-up's owner is the rep its reminder goes to. A follow-up without an owner belongs
to the lead's current owner, as the reminder scheduler reads it. When a lead moves to
another rep, its open follow-ups that the previous lead owner held (or that had no owner)
move with it. Open follow-ups given to some other rep keep that rep, and done ones keep
the owner they were done under.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from leaddesk.models import FollowUp, Lead, Rep

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OwnerChoice:
    rep_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class OwnerChoices:
    """The reps a follow-up can go to, and the one the dialog preselects (None when no rep fits)."""

    reps: tuple[OwnerChoice, ...]
    default_rep_id: uuid.UUID | None
    # The user's own rep, as rep_for_user finds it.
    my_rep_id: uuid.UUID | None


def rep_for_user(session: Session, user: str | None, rep_name: str | None = None) -> Rep | None:
    """Return the rep named rep_name (the user's reminder setting), else the rep named like user, ignoring case."""
    for name in (rep_name, user):
        if not name:
            continue
        rep = session.scalar(select(Rep).where(func.lower(Rep.name) == name.strip().lower()))
        if rep is not None:
            return rep
    return None


def owner_choices(session: Session, lead_id: uuid.UUID, user: str | None, rep_name: str | None = None) -> OwnerChoices:
    """Return the active reps, plus the lead's owner when inactive, with the lead's owner or else the user preselected."""
    lead = session.get(Lead, lead_id)
    lead_owner_id = lead.owner_id if lead is not None else None
    reps = session.scalars(select(Rep).where(or_(Rep.active.is_(True), Rep.id == lead_owner_id)).order_by(Rep.name))
    choices = tuple(OwnerChoice(rep.id, rep.name) for rep in reps)
    me = rep_for_user(session, user, rep_name)
    my_rep_id = me.id if me is not None else None
    return OwnerChoices(choices, lead_owner_id or my_rep_id, my_rep_id)


def hand_over_follow_ups(
    session: Session, lead_id: uuid.UUID, previous_owner_id: uuid.UUID | None, new_owner_id: uuid.UUID | None
) -> int:
    """Give the lead's open follow-ups of previous_owner_id (and those without owner) to new_owner_id.

    Returns how many follow-ups moved. Call it when the lead's owner changes.
    """
    if previous_owner_id == new_owner_id:
        return 0
    held_by_previous = FollowUp.owner_id.is_(None)
    if previous_owner_id is not None:
        held_by_previous = or_(held_by_previous, FollowUp.owner_id == previous_owner_id)
    statement = (
        update(FollowUp)
        .where(FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None), held_by_previous)
        .values(owner_id=new_owner_id)
        .execution_options(synchronize_session="fetch")
    )
    moved = session.execute(statement).rowcount or 0
    if moved:
        logger.info(
            "lead %s: %d open follow-up(s) handed over from %s to %s", lead_id, moved, previous_owner_id, new_owner_id
        )
    return moved


def owned_by(rep_ids: ColumnElement) -> ColumnElement[bool]:
    """Return the SQL condition that a follow-up belongs to one of rep_ids (a scalar subquery or list).

    A follow-up without an owner belongs to its lead's owner, so the statement must join Lead.
    """
    return or_(FollowUp.owner_id.in_(rep_ids), and_(FollowUp.owner_id.is_(None), Lead.owner_id.in_(rep_ids)))
