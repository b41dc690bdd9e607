"""One field of an existing lead that an import changed, with its value before and after."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base


class ImportChange(Base):
    """The undo record of one field that one import batch changed on a lead it did not create.

    field is a lead column name, or "custom:<key>" for a custom field. before and after are
    JSON values: text, numbers, ids as text, or null for an empty field or a missing custom
    key. When one import changes the same field twice, both changes are kept in id order,
    and undo walks them backwards.
    """

    __tablename__ = "import_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(Text)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
