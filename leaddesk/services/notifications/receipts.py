"""Delete the records of what a user was shown once no check can return those events again.

A check queries the events after the user's watermark (the instant of their last check), and
for date-only follow-ups held back to their reminder time, after the watermark minus
MAX_REMINDER_DELAY. An event shown at notified_at fell due at or before it, so a record
with notified_at earlier than both bounds can never block a duplicate, and is only dead
weight: one catch-up over thousands of leads adds two records per lead and user.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from leaddesk.models import NotificationReceipt
from leaddesk.services.follow_up_state import MAX_REMINDER_DELAY
from leaddesk.services.scheduler import last_checked

logger = logging.getLogger(__name__)

# Records are kept this long beyond what the checks need, so a clock set back by up to a
# week still finds them.
KEEP_EXTRA = timedelta(days=7)
# The reminder timer prunes at start and then at most this often.
PRUNE_INTERVAL = timedelta(days=1)


def prune_receipts(session: Session, user: str) -> int:
    """Delete the user's records that no check can need again; return how many were deleted."""
    watermark = last_checked(session, user)
    if watermark is None:
        return 0
    cutoff = prune_cutoff(watermark)
    result = session.execute(
        delete(NotificationReceipt).where(
            NotificationReceipt.recipient == user, NotificationReceipt.notified_at < cutoff
        )
    )
    session.flush()
    deleted = result.rowcount or 0
    if deleted:
        logger.info("deleted %d notification record(s) of %s shown before %s", deleted, user, cutoff.isoformat())
    return deleted


def prune_cutoff(watermark: datetime) -> datetime:
    """Return the instant before which a record of a user with this watermark is not needed."""
    return watermark - MAX_REMINDER_DELAY - KEEP_EXTRA
