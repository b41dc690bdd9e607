"""Leads of imports whose post-import job has not finished, which escalation leaves alone.

The post-import job routes an import's new leads at the import's time. An escalation
step that reassigned such a lead before the job reached it would pick another owner
than the job does, so the window and `leaddesk jobs` would disagree on owners. The
escalation schedule therefore defers these leads until their job is done.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, true
from sqlalchemy.orm import Session

from leaddesk.models import Lead
from leaddesk.services.post_import_jobs import pending_jobs


def pending_batch_ids(session: Session) -> list[uuid.UUID]:
    """Return the import batches whose post-import job is queued and not finished."""
    return [job.batch_id for job in pending_jobs(session) if not job.finished]


def released_condition(batch_ids: list[uuid.UUID]) -> ColumnElement[bool]:
    """Return the condition that a lead belongs to none of batch_ids."""
    if not batch_ids:
        return true()
    return or_(Lead.import_batch_id.is_(None), Lead.import_batch_id.not_in(batch_ids))
