"""Helpers shared by the main window tests: a hand-moved clock and two leads with response deadlines."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from leaddesk.models import Lead, Rep


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def add_overdue_and_waiting(
    database, now: datetime, overdue_fields: dict[str, Any] | None = None, waiting_fields: dict[str, Any] | None = None
) -> dict[str, uuid.UUID]:
    """Add "Late Lara", owned by rep Ana Lopez and overdue at now, and "Wait Walt", due 20 minutes after now.

    Returns their ids under "overdue" and "waiting". The optional dicts set further Lead columns.
    """
    with database.session() as session:
        rep = Rep(name="Ana Lopez")
        session.add(rep)
        session.flush()
        overdue = Lead(
            full_name="Late Lara",
            owner_id=rep.id,
            received_at=now - timedelta(hours=2),
            response_due_at=now - timedelta(minutes=30),
            response_warn_at=now - timedelta(minutes=40),
            **(overdue_fields or {}),
        )
        waiting = Lead(
            full_name="Wait Walt",
            received_at=now - timedelta(minutes=5),
            response_due_at=now + timedelta(minutes=20),
            response_warn_at=now + timedelta(minutes=10),
            **(waiting_fields or {}),
        )
        session.add_all([overdue, waiting])
        session.flush()
        return {"overdue": overdue.id, "waiting": waiting.id}
