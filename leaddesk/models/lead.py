"""A lead: a person or company that may buy, and the clock on answering them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from leaddesk.lead_fields import COMPANY_AND_PLACE_FIELDS, MIN_PHONE_MATCH_DIGITS, NAME_FIELDS, normalize_phone
from leaddesk.models.base import Base, UTCDateTime, new_uuid, utc_now

if TYPE_CHECKING:
    from leaddesk.models.activity import Activity
    from leaddesk.models.follow_up import FollowUp
    from leaddesk.models.rep import Rep

STAGES = ("new", "contacted", "qualified", "won", "lost", "disqualified")
# Stages that end a lead's pipeline: its response deadline and its sequences no longer run.
CLOSED_STAGES = ("won", "lost", "disqualified")

# The field names and the phone key live in leaddesk.lead_fields; importers of this module still find them here.
__all__ = ["CLOSED_STAGES", "COMPANY_AND_PLACE_FIELDS", "MIN_PHONE_MATCH_DIGITS", "NAME_FIELDS", "STAGES", "Lead", "normalize_phone"]


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_email_normalized", "email_normalized"),
        Index("ix_leads_external_id", "external_id"),
        Index("ix_leads_phone_normalized", "phone_normalized"),
        Index("ix_leads_response_due_at", "response_due_at"),
        Index("ix_leads_response_warn_at", "response_warn_at"),
        Index("ix_leads_received_at", "received_at"),
        Index("ix_leads_seniority_rank", "seniority_rank"),
        Index("ix_leads_completeness", "completeness"),
        Index("ix_leads_derived_version", "derived_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # Record id in the system the lead came from (CRM record id, lead number), for re-imports.
    external_id: Mapped[str | None] = mapped_column(String(200))

    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    full_name: Mapped[str | None] = mapped_column(String(400))
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(100))
    # The phone's digits (see normalize_phone), kept in step with phone, for matching imported rows.
    phone_normalized: Mapped[str | None] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    domain: Mapped[str | None] = mapped_column(String(300))
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(200))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str] = mapped_column(String(100), default="general")
    stage: Mapped[str] = mapped_column(String(40), default="new")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reps.id", ondelete="SET NULL"), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    # Columns of the imported file that map to no field above, keyed by their header.
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Both are None for leads imported as history, which have no response clock.
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The instant three quarters of the response budget are used, from which the lead shows amber.
    response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set with deleted_at when a merge folded this lead into another one.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    # E-mails and phones of merged leads that lost to this lead's own: {"emails": [...], "phones": [...]}.
    secondary_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Match keys for the duplicate scan, computed by leaddesk.services.dedup.normalize.
    match_email: Mapped[str | None] = mapped_column(String(320))
    # E.164, or the typed digits when match_phone_unparsed is set.
    match_phone: Mapped[str | None] = mapped_column(String(100))
    match_phone_unparsed: Mapped[bool] = mapped_column(Boolean, default=False)
    match_first_name: Mapped[str | None] = mapped_column(String(200))
    match_last_name: Mapped[str | None] = mapped_column(String(200))
    match_name_key: Mapped[str | None] = mapped_column(String(40))
    match_name_key_swapped: Mapped[str | None] = mapped_column(String(40))
    match_company: Mapped[str | None] = mapped_column(String(300))
    match_domain: Mapped[str | None] = mapped_column(String(300))
    # Digest of the source values the match keys and lead_match_keys rows were computed from;
    # None until computed. The duplicate scan recomputes the keys of a lead whose digest differs.
    match_keys_hash: Mapped[str | None] = mapped_column(String(64))

    # Offline enrichment, computed by leaddesk.services.derived.refresh_derived. These
    # never overwrite the typed columns. A typed domain, country or region wins over its
    # derived_* twin, which shows only while the typed one is empty.

    # The registered domain of a work e-mail; None for free-mail addresses.
    derived_domain: Mapped[str | None] = mapped_column(String(300))
    # None when the lead has no e-mail with a domain.
    is_free_mail: Mapped[bool | None] = mapped_column(Boolean)
    # English country name, its ISO 3166 code, area and IANA timezone, from the phone number.
    derived_country: Mapped[str | None] = mapped_column(String(200))
    derived_country_code: Mapped[str | None] = mapped_column(String(2))
    derived_region: Mapped[str | None] = mapped_column(String(200))
    derived_timezone: Mapped[str | None] = mapped_column(String(64))
    # From the title: a key of enrichment.seniority.SENIORITY_LEVELS and its rank (5 = C-level).
    seniority: Mapped[str | None] = mapped_column(String(20))
    seniority_rank: Mapped[int | None] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(String(40))
    # Percentage 0..100 of weighted fields filled; see enrichment.completeness.COMPLETENESS_WEIGHTS.
    completeness: Mapped[int | None] = mapped_column(Integer)
    # The enrichment.DERIVED_VERSION the values above were computed with; None means never.
    derived_version: Mapped[int | None] = mapped_column(Integer)
    derived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Rep | None] = relationship()
    activities: Mapped[list[Activity]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Activity.occurred_at"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="FollowUp.due_at"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @validates("phone")
    def _normalize_phone(self, _key: str, phone: str | None) -> str | None:
        # Bulk imports write Core rows and set phone_normalized themselves.
        self.phone_normalized = normalize_phone(phone)
        return phone

    @property
    def display_name(self) -> str:
        """Return the best human-readable name: full name, then first + last, then email, company or phone."""
        if self.full_name:
            return self.full_name
        joined = " ".join(part for part in (self.first_name, self.last_name) if part)
        return joined or self.email or self.company or self.phone or "(no name)"
