"""One run of the importer over one file."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    file_name: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    historical: Mapped[bool] = mapped_column(Boolean, default=False)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    # Header -> lead field, as the user confirmed it; custom columns map to "custom:<header>".
    column_mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_by: Mapped[str | None] = mapped_column(String(200))
    # ImportPolicy.to_dict() of the run; None for batches from before policies existed, which updated matches.
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when the batch was undone; an undone batch cannot be undone again.
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
