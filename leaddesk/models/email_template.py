"""An email template that the user wrote or edited, kept in the database so every window shares it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, utc_now


class EmailTemplateRecord(Base):
    """One template. Sequences in the playbook refer to it by key, and the window shows its label."""

    __tablename__ = "email_templates"

    # Lowercase letters, digits and underscores; fixed once created, because sequences refer to it.
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    # Subject and body may contain {first_name}-style placeholders.
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by: Mapped[str | None] = mapped_column(String(200))
