"""A record that one user was shown one due event, so no window shows it to them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, utc_now


class NotificationReceipt(Base):
    """One (event, recipient) pair. The primary key lets only one window claim it."""

    __tablename__ = "notification_receipts"

    # "follow_up:<id>:<due instant>", "sla_warning:<lead id>:<instant>" or "sla_breach:...".
    event_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200), primary_key=True)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
