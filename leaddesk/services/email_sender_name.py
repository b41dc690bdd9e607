"""Choose the name that signs an email and shows in its From header.

The OS login name (such as "t2") means nothing to a lead, so it is never used. The order is:
the "Your name" of the user's SMTP account, then the rep that the user's notification
settings name, then the rep whose email is the SMTP From address. Without any of these the
name is empty, so the From header carries the bare address.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import Rep
from leaddesk.services.notifications.preferences import load_preferences
from leaddesk.services.smtp_account import SmtpAccount


def resolve_sender_name(session: Session, user: str, account: SmtpAccount | None) -> str:
    """Return the user's name for signatures and the From header, or "" when none is set."""
    if account is not None and account.display_name.strip():
        return account.display_name.strip()

    rep_name = load_preferences(session, user, "UTC").rep_name
    if rep_name and rep_name.strip():
        return rep_name.strip()

    if account is not None and account.from_address.strip():
        address = account.from_address.strip().lower()
        matched = session.scalars(
            select(Rep.name).where(func.lower(Rep.email) == address, Rep.active.is_(True)).limit(1)
        ).first()
        if matched:
            return matched
    return ""
