"""One blocking key of a lead for the duplicate scan, which compares the leads that share a key."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base


class LeadMatchKey(Base):
    """A key such as "l:annlee" or "n:turner|william", computed by leaddesk.services.dedup.blocking_keys.

    The table has no rowid on SQLite, so a key is written to two B-trees, not three. The (key, lead_id) index lets the scan read each block of leads sharing a key in key order
    without touching the table.
    """

    __tablename__ = "lead_match_keys"
    __table_args__ = (Index("ix_lead_match_keys_key_lead_id", "key", "lead_id"), {"sqlite_with_rowid": False})

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
