"""Tables of team sync: this device's identity, the change log, merged field state and conflicts.

They live in each device's own SQLite file, never in the synced folder. The synced
folder holds only the immutable segment files that leaddesk.services.sync writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, utc_now


class SyncIdentity(Base):
    """This device in a team: who uses it, where the team folder is, and its clock."""

    __tablename__ = "sync_identity"

    # Always 1: a database belongs to at most one team.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    device_id: Mapped[str] = mapped_column(String(32))
    device_name: Mapped[str] = mapped_column(String(200))
    person: Mapped[str] = mapped_column(String(200))
    # Absolute path of the team bundle folder; None until the device creates or joins a team.
    bundle_path: Mapped[str | None] = mapped_column(Text)
    # Hybrid logical clock: physical milliseconds since the epoch and the logical counter.
    hlc_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hlc_counter: Mapped[int] = mapped_column(Integer, default=0)
    next_segment_seq: Mapped[int] = mapped_column(Integer, default=1)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncChange(Base):
    """One field change of one row, made on this device or received from another one."""

    __tablename__ = "sync_changes"
    __table_args__ = (
        Index("ix_sync_changes_row", "entity", "row_id"),
        Index("ix_sync_changes_exported", "exported"),
    )

    change_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    person: Mapped[str] = mapped_column(String(200))
    # Encoded hybrid logical clock (see sync.hlc.encode); string order is clock order.
    hlc: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(20))
    row_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    value_json: Mapped[str] = mapped_column(Text)
    old_json: Mapped[str] = mapped_column(Text)
    # Only for deletes: the highest clock of each device that the deleting device had applied.
    seen_json: Mapped[str | None] = mapped_column(Text)
    # False for a local change not yet written into a segment file.
    exported: Mapped[bool] = mapped_column(Boolean, default=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class SyncRowState(Base):
    """The merged state of one synced row: each field's winning change, and what the local row holds."""

    __tablename__ = "sync_row_state"

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # {field: [encoded value, hlc, device_id, change_id]} of the winning change per field.
    winners_json: Mapped[str] = mapped_column(Text)
    # {field: encoded value} last written to or read from the local row. It is "null" before the
    # row was first seen, and "removed" after it was deleted outright on this device.
    local_json: Mapped[str] = mapped_column(Text)


class SyncConflict(Base):
    """A conflict that a merge resolved: two devices set one field, or one deleted a row another edited."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_row", "entity", "row_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "same_field" or "delete_edit".
    kind: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(20))
    row_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    winner_change_id: Mapped[str] = mapped_column(String(32))
    loser_change_id: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Set when a sync pass has reported it, so `leaddesk sync` prints each conflict once.
    reported: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncFile(Base):
    """A file of the team folder already applied, so a pass reads it again only when it changes."""

    __tablename__ = "sync_files"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)


class SyncDevice(Base):
    """Another device of the team, as far as this device has applied its segments."""

    __tablename__ = "sync_devices"

    device_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person: Mapped[str] = mapped_column(String(200))
    # Segments are applied in sequence order, so every segment up to this one is applied.
    applied_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The highest clock among the applied changes of the device ("" before the first).
    max_hlc: Mapped[str] = mapped_column(String(32), default="")
