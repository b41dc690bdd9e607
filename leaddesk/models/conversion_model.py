"""A stored version of the conversion model, for databases on a server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime


class ConversionModelVersion(Base):
    """One trained conversion model, so every teammate on the server scores with the same active version.

    A database file keeps its models as files next to itself instead, and this table stays
    empty there. model contains skops bytes, never a pickle, because anyone with write access to
    the table could plant them (see leaddesk.services.predictive.serialization).
    """

    __tablename__ = "conversion_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The training report: outcome field, excluded fields, validation figures and more.
    details: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    model: Mapped[bytes] = mapped_column(LargeBinary)
    # At most one row is active, because the store changes this flag only under a table lock.
    active: Mapped[bool] = mapped_column(Boolean, default=False)
