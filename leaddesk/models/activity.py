"""An entry on a lead's timeline."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now


class ActivityKind(str, enum.Enum):
    """The kind of a timeline entry. CONTACTED, CALL and EMAIL count as a contact attempt."""

    CONTACTED = "contacted"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    STAGE_CHANGE = "stage_change"
    FOLLOW_UP_SET = "follow_up_set"
    IMPORT = "import"
    IMPORT_UNDONE = "import_undone"
    MERGE = "merge"
    MERGE_UNDONE = "merge_undone"
    FOLLOW_UP_DONE = "follow_up_done"
    FOLLOW_UP_SNOOZED = "follow_up_snoozed"
    # The lead wrote back; it pauses the lead's sequences.
    REPLY = "reply"
    SEQUENCE = "sequence"


class CallOutcome(str, enum.Enum):
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    MEETING_BOOKED = "meeting_booked"


# Kinds whose first entry records first contact and stops the response clock.
CONTACT_KINDS = frozenset({ActivityKind.CONTACTED.value, ActivityKind.CALL.value, ActivityKind.EMAIL.value})


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    summary: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str | None] = mapped_column(String(200))
    # A CallOutcome value for calls, None for other kinds.
    outcome: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
