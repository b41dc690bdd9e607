"""A column mapping the user confirmed, kept for the next file with the same header row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, utc_now


class SavedMapping(Base):
    """The mapping of one source format, keyed by the fingerprint of its header row.

    headers is the header row as it was when the mapping was saved. mapping is a list of
    [header, target] pairs in column order, where target is a lead field or "custom:<key>".
    """

    __tablename__ = "saved_mappings"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    headers: Mapped[list[str]] = mapped_column(JSON)
    mapping: Mapped[list[list[str]]] = mapped_column(JSON)
    source_name: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Imports that saved or used this mapping.
    use_count: Mapped[int] = mapped_column(Integer, default=0)
