"""Actions a rep takes on one lead: read it, mark it contacted, add notes, plan follow-ups, move its stage.

Every change sets updated_by, logs an Activity on the lead's timeline and returns a
LeadChange. Passing expected_version (the row_version the caller displayed) makes a
change to a lead that someone else edited in the meantime raise StaleLeadError. Edits
recompute the lead's derived values and match keys (leaddesk.services.derived).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leaddesk.models import (
    COMPANY_AND_PLACE_FIELDS,
    NAME_FIELDS,
    STAGES,
    Activity,
    ActivityKind,
    FollowUp,
    Lead,
    LeadEvaluation,
    Rep,
    utc_now,
)
from leaddesk.services import follow_ups, sequences
from leaddesk.services.closed_leads import lead_response_state
from leaddesk.services.follow_up_owners import hand_over_follow_ups
from leaddesk.services.routing import ASSIGNMENT_KIND
from leaddesk.services.conversion_summary import ConversionSummary, conversion_summary
from leaddesk.services.derived import refresh_derived
from leaddesk.services.playbook import load_playbook, system_timezone_name
from leaddesk.services.sla import ResponseState

logger = logging.getLogger(__name__)

# Maximum number of activities that lead_detail returns. Older ones stay in the database.
TIMELINE_LIMIT = 500

# Typed fields that edit_lead changes. A blank value clears the field.
EDITABLE_FIELDS = NAME_FIELDS + ("email", "phone") + COMPANY_AND_PLACE_FIELDS + ("employee_count", "source")

# Edited values longer than this are cut in the timeline summary.
SUMMARY_VALUE_CHARS = 60


class LeadActionError(Exception):
    """A lead action that cannot be done. The message explains why and what to do."""


class LeadNotFoundError(LeadActionError):
    """The lead does not exist or was deleted."""


class StaleLeadError(LeadActionError):
    """The lead changed since the caller read it, so the edit would overwrite someone's work."""


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    kind: str
    occurred_at: datetime
    summary: str
    actor: str | None


@dataclass(frozen=True)
class OpenFollowUp:
    """One open follow-up as the detail pane lists it and the reschedule dialog starts from."""

    id: uuid.UUID
    due_at: datetime
    note: str
    owner_name: str | None
    # The stored wall time ("2026-03-30T09:00") or date ("2026-03-30") in time_zone.
    due_local: str = ""
    time_zone: str = "UTC"
    all_day: bool = False
    recurrence: str | None = None
    owner_id: uuid.UUID | None = None
    snoozed_until: datetime | None = None
    lead_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LeadDetail:
    """Every field of one lead, its timeline (newest first) and its open follow-ups (soonest first)."""

    id: uuid.UUID
    name: str
    external_id: str | None
    first_name: str | None
    last_name: str | None
    full_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    title: str | None
    website: str | None
    domain: str | None
    linkedin_url: str | None
    city: str | None
    region: str | None
    country: str | None
    industry: str | None
    employee_count: int | None
    source: str | None
    segment: str
    segment_label: str
    stage: str
    owner_id: uuid.UUID | None
    owner_name: str | None
    score: int
    notes: str | None
    custom_fields: dict[str, Any]
    received_at: datetime
    response_due_at: datetime | None
    response_warn_at: datetime | None
    first_contacted_at: datetime | None
    next_follow_up_at: datetime | None
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    row_version: int
    timeline: tuple[TimelineEntry, ...] = ()
    follow_ups: tuple[OpenFollowUp, ...] = ()
    # Offline enrichment, shown only where the typed value is blank (see enrichment.shown).
    derived_domain: str | None = None
    is_free_mail: bool | None = None
    derived_country: str | None = None
    derived_country_code: str | None = None
    derived_region: str | None = None
    derived_timezone: str | None = None
    seniority: str | None = None
    seniority_rank: int | None = None
    department: str | None = None
    completeness: int | None = None
    derived_at: datetime | None = None
    # Probability from the active conversion model, or the reason there is none. None for an in-memory database.
    conversion: ConversionSummary | None = None
    # E-mails and phones kept beside the primary ones, such as those of merged duplicates.
    secondary_emails: tuple[str, ...] = ()
    secondary_phones: tuple[str, ...] = ()

    def state_at(self, now: datetime) -> ResponseState:
        """Return the response state at now; a closed lead is never overdue or due soon."""
        return lead_response_state(self.stage, self.first_contacted_at, self.response_due_at, self.response_warn_at, now)


@dataclass(frozen=True)
class LeadChange:
    """The result of one action: the lead fields it wrote, the new row_version and the activity it logged."""

    lead_id: uuid.UUID
    action: str
    changed_fields: frozenset[str] = field(default_factory=frozenset)
    row_version: int = 0
    activity_id: uuid.UUID | None = None


def open_follow_up(follow_up: FollowUp, owner_name: str | None) -> OpenFollowUp:
    """Copy a follow-up row into an OpenFollowUp, detached from the session."""
    return OpenFollowUp(
        id=follow_up.id,
        due_at=follow_up.due_at,
        note=follow_up.note,
        owner_name=owner_name,
        due_local=follow_up.due_local,
        time_zone=follow_up.time_zone,
        all_day=bool(follow_up.all_day),
        recurrence=follow_up.recurrence,
        owner_id=follow_up.owner_id,
        snoozed_until=follow_up.snoozed_until,
        lead_id=follow_up.lead_id,
    )


def lead_detail(session: Session, lead_id: uuid.UUID) -> LeadDetail:
    """Load one lead with its timeline and open follow-ups, or raise LeadNotFoundError."""
    lead = _get_lead(session, lead_id)
    owner_name = session.get(Rep, lead.owner_id).name if lead.owner_id else None
    labels = {rule.key: rule.label for rule in load_playbook(session).segments}

    activities = session.scalars(
        select(Activity)
        .where(Activity.lead_id == lead.id)
        .order_by(Activity.occurred_at.desc(), Activity.created_at.desc())
        .limit(TIMELINE_LIMIT)
    )
    timeline = tuple(
        TimelineEntry(a.id, a.kind, a.occurred_at, a.summary, a.actor) for a in activities
    )

    follow_up_rows = session.execute(
        select(FollowUp, Rep.name)
        .outerjoin(Rep, Rep.id == FollowUp.owner_id)
        .where(FollowUp.lead_id == lead.id, FollowUp.completed_at.is_(None))
        .order_by(FollowUp.due_at)
    )
    follow_ups = tuple(open_follow_up(f, name) for f, name in follow_up_rows)

    return LeadDetail(
        id=lead.id,
        name=lead.display_name,
        external_id=lead.external_id,
        first_name=lead.first_name,
        last_name=lead.last_name,
        full_name=lead.full_name,
        email=lead.email,
        phone=lead.phone,
        company=lead.company,
        title=lead.title,
        website=lead.website,
        domain=lead.domain,
        linkedin_url=lead.linkedin_url,
        city=lead.city,
        region=lead.region,
        country=lead.country,
        industry=lead.industry,
        employee_count=lead.employee_count,
        source=lead.source,
        segment=lead.segment,
        segment_label=labels.get(lead.segment, lead.segment),
        stage=lead.stage,
        owner_id=lead.owner_id,
        owner_name=owner_name,
        # The playbook's evaluated score, as the inbox shows it; Lead.score until the lead is evaluated.
        score=_evaluated_score(session, lead),
        notes=lead.notes,
        custom_fields=dict(lead.custom_fields or {}),
        received_at=lead.received_at,
        response_due_at=lead.response_due_at,
        response_warn_at=lead.response_warn_at,
        first_contacted_at=lead.first_contacted_at,
        next_follow_up_at=lead.next_follow_up_at,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
        updated_by=lead.updated_by,
        row_version=lead.row_version,
        timeline=timeline,
        follow_ups=follow_ups,
        derived_domain=lead.derived_domain,
        is_free_mail=lead.is_free_mail,
        derived_country=lead.derived_country,
        derived_country_code=lead.derived_country_code,
        derived_region=lead.derived_region,
        derived_timezone=lead.derived_timezone,
        seniority=lead.seniority,
        seniority_rank=lead.seniority_rank,
        department=lead.department,
        completeness=lead.completeness,
        derived_at=lead.derived_at,
        conversion=conversion_summary(session, lead.id),
        secondary_emails=tuple((lead.secondary_values or {}).get("emails", [])),
        secondary_phones=tuple((lead.secondary_values or {}).get("phones", [])),
    )


def mark_contacted(
    session: Session,
    lead_id: uuid.UUID,
    now: datetime,
    actor: str | None,
    expected_version: int | None = None,
) -> LeadChange:
    """Record a contact: the first one stops the response clock, and a new lead moves to contacted.

    Every call logs a "contacted" activity, because each contact attempt belongs on the timeline.
    """
    _require_aware(now, "now")
    lead = _get_lead(session, lead_id, expected_version)
    changed = {"updated_by"}
    if lead.first_contacted_at is None:
        lead.first_contacted_at = now
        changed.add("first_contacted_at")
    if lead.stage == "new":
        lead.stage = "contacted"
        changed.add("stage")
    lead.updated_by = actor

    summary = "First contact; response clock stopped" if "first_contacted_at" in changed else "Contacted again"
    activity = _log(session, lead, ActivityKind.CONTACTED, summary, actor, now)
    return _finish(session, lead, "mark_contacted", changed, activity)


def add_note(
    session: Session,
    lead_id: uuid.UUID,
    text: str,
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Add a note to the lead's timeline. Blank text raises LeadActionError."""
    text = text.strip()
    if not text:
        raise LeadActionError("the note is empty; type some text to add a note")
    now = _require_aware(now or utc_now(), "now")
    lead = _get_lead(session, lead_id, expected_version)
    lead.updated_by = actor

    activity = _log(session, lead, ActivityKind.NOTE, text, actor, now)
    return _finish(session, lead, "add_note", {"updated_by"}, activity)


def set_follow_up(
    session: Session,
    lead_id: uuid.UUID,
    due_at: datetime,
    note: str,
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Plan a follow-up and set lead.next_follow_up_at to the earliest open follow-up."""
    _require_aware(due_at, "due_at")
    now = _require_aware(now or utc_now(), "now")
    lead = _get_lead(session, lead_id, expected_version)

    # The wall time is kept in due_at's own IANA zone when it has one, else in this machine's zone.
    zone_name = getattr(due_at.tzinfo, "key", None) or system_timezone_name()
    follow_ups.add_follow_up(session, lead, follow_ups.local_due_for_instant(due_at, zone_name), note, now)
    lead.updated_by = actor

    summary = f"Follow-up due {due_at.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC"
    return _finish_follow_up(session, lead, "set_follow_up", summary, note.strip(), actor, now)


def plan_follow_up(
    session: Session,
    lead_id: uuid.UUID,
    plan: follow_ups.FollowUpPlan,
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Plan a follow-up from the dialog's plan (a local time or a date, a repeat rule and an owner)."""
    now = _require_aware(now or utc_now(), "now")
    lead = _get_lead(session, lead_id, expected_version)
    if plan.owner_id is not None and session.get(Rep, plan.owner_id) is None:
        raise LeadActionError(f"rep {plan.owner_id} not found; it may have been deleted, so pick another owner")
    try:
        follow_up = follow_ups.add_follow_up(
            session, lead, plan.due, plan.note, now, recurrence=plan.recurrence, owner_id=plan.owner_id
        )
    except follow_ups.FollowUpError as error:
        raise LeadActionError(str(error)) from error
    lead.updated_by = actor

    summary = f"Follow-up due {follow_ups.describe_due(follow_up)}"
    if follow_up.owner_id is not None and follow_up.owner_id != lead.owner_id:
        summary += f" for {session.get(Rep, follow_up.owner_id).name}"
    return _finish_follow_up(session, lead, "plan_follow_up", summary, follow_up.note, actor, now)


def _finish_follow_up(
    session: Session, lead: Lead, action: str, summary: str, note: str | None, actor: str | None, now: datetime
) -> LeadChange:
    """Log the follow-up on the timeline, with the note after the summary, and finish the change."""
    if note:
        summary += f": {note}"
    activity = _log(session, lead, ActivityKind.FOLLOW_UP_SET, summary, actor, now)
    return _finish(session, lead, action, {"next_follow_up_at", "updated_by"}, activity)


def change_owner(
    session: Session,
    lead_id: uuid.UUID,
    owner_id: uuid.UUID | None,
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Give the lead to another rep (None: unassigned), with the open follow-ups the previous owner held.

    Follow-ups given to some other rep keep that rep (see follow_up_owners). Giving the
    lead to its current owner changes nothing.
    """
    now = _require_aware(now or utc_now(), "now")
    lead = _get_lead(session, lead_id, expected_version)
    if lead.owner_id == owner_id:
        return LeadChange(lead_id=lead.id, action="change_owner", row_version=lead.row_version)
    new_owner = session.get(Rep, owner_id) if owner_id is not None else None
    if owner_id is not None and new_owner is None:
        raise LeadActionError(f"rep {owner_id} not found; it may have been deleted, so pick another owner")

    previous = session.get(Rep, lead.owner_id) if lead.owner_id is not None else None
    moved = hand_over_follow_ups(session, lead.id, lead.owner_id, owner_id)
    lead.owner_id = owner_id
    lead.updated_by = actor

    summary = f"Owner changed from {previous.name if previous else 'nobody'} to {new_owner.name if new_owner else 'nobody'}"
    if moved:
        summary += f"; {moved} open follow-up(s) moved along"
    activity = Activity(lead_id=lead.id, kind=ASSIGNMENT_KIND, occurred_at=now, summary=summary, actor=actor, created_at=now)
    session.add(activity)
    return _finish(session, lead, "change_owner", {"owner_id", "updated_by"}, activity)


def complete_follow_up(
    session: Session,
    follow_up_id: uuid.UUID,
    actor: str | None,
    now: datetime | None = None,
) -> LeadChange:
    """Mark a follow-up done and move lead.next_follow_up_at to the next open one."""
    now = _require_aware(now or utc_now(), "now")
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise LeadActionError(f"follow-up {follow_up_id} not found; it may have been deleted")
    lead = _get_lead(session, follow_up.lead_id)
    if follow_up.completed_at is None:
        # A repeating follow-up gets its next occurrence here.
        follow_ups.mark_done(session, follow_up, actor, now)
    lead.next_follow_up_at = _earliest_open_follow_up(session, lead.id)
    lead.updated_by = actor

    summary = "Follow-up done" + (f": {follow_up.note}" if follow_up.note else "")
    activity = _log(session, lead, ActivityKind.NOTE, summary, actor, now)
    return _finish(session, lead, "complete_follow_up", {"next_follow_up_at", "updated_by"}, activity)


def change_stage(
    session: Session,
    lead_id: uuid.UUID,
    stage: str,
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Move the lead to another stage of STAGES. Moving it to its current stage changes nothing."""
    if stage not in STAGES:
        raise LeadActionError(f"invalid stage {stage!r}; expected one of: {', '.join(STAGES)}")
    now = _require_aware(now or utc_now(), "now")
    lead = _get_lead(session, lead_id, expected_version)
    if lead.stage == stage:
        return LeadChange(lead_id=lead.id, action="change_stage", row_version=lead.row_version)

    previous = lead.stage
    lead.stage = stage
    lead.updated_by = actor

    activity = _log(session, lead, ActivityKind.STAGE_CHANGE, f"Stage changed from {previous} to {stage}", actor, now)
    # Won, lost and disqualified leads get no more automatic outreach.
    sequences.stop_for_stage(session, lead.id, stage, actor, now)
    return _finish(session, lead, "change_stage", {"stage", "updated_by"}, activity)


def edit_lead(
    session: Session,
    lead_id: uuid.UUID,
    changes: Mapping[str, Any],
    actor: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> LeadChange:
    """Set typed fields of EDITABLE_FIELDS, then recompute the lead's derived values and match keys.

    A blank value clears the field, so a derived value (country from the phone, domain
    from the e-mail) shows again in its place. Values equal to the stored ones change
    nothing and log nothing. Raises LeadActionError for an unknown field or an employee
    count that is not a whole number of at least zero.
    """
    now = _require_aware(now or utc_now(), "now")
    cleaned = {name: clean_edit_value(name, value) for name, value in changes.items()}
    lead = _get_lead(session, lead_id, expected_version)

    changed = {name: value for name, value in cleaned.items() if getattr(lead, name) != value}
    if not changed:
        return LeadChange(lead_id=lead.id, action="edit_lead", row_version=lead.row_version)

    parts = []
    for name, value in changed.items():
        parts.append(f"{name} {_summary_value(getattr(lead, name))} to {_summary_value(value)}")
        setattr(lead, name, value)
    if "email" in changed:
        lead.email_normalized = lead.email.casefold() if lead.email else None
    lead.updated_by = actor

    activity = _log(session, lead, ActivityKind.NOTE, "Changed " + "; ".join(parts), actor, now)
    result = _finish(session, lead, "edit_lead", set(changed) | {"updated_by"}, activity)
    refresh_derived(session, [lead.id], now=now)
    return result


def refresh_lead_derived(session: Session, lead_id: uuid.UUID, now: datetime | None = None) -> None:
    """Recompute a new or changed lead's derived values and match keys; call it after creating a lead."""
    refresh_derived(session, [lead_id], now=now)


def clean_edit_value(name: str, value: Any) -> Any:
    """Return value as edit_lead stores it: stripped text, None for blank, an int employee count."""
    if name not in EDITABLE_FIELDS:
        raise LeadActionError(f"the field {name!r} cannot be edited; use one of: {', '.join(EDITABLE_FIELDS)}")
    if isinstance(value, str):
        value = value.strip() or None
    if name != "employee_count" or value is None:
        return value
    try:
        count = int(str(value).replace(",", ""))
    except ValueError:
        count = -1
    if count < 0:
        raise LeadActionError(f"the employee count {value!r} is not a whole number; type digits only, such as 250")
    return count


def _summary_value(value: Any) -> str:
    if value is None:
        return "(blank)"
    text = str(value)
    if len(text) > SUMMARY_VALUE_CHARS:
        text = text[: SUMMARY_VALUE_CHARS - 1] + "…"
    return repr(text)


def _get_lead(session: Session, lead_id: uuid.UUID, expected_version: int | None = None) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise LeadNotFoundError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")
    if expected_version is not None and lead.row_version != expected_version:
        raise _stale(lead.id)
    return lead


def load_live_lead(session: Session, lead_id: uuid.UUID) -> Lead:
    """Load a lead that is not deleted, or raise LeadNotFoundError."""
    return _get_lead(session, lead_id)


def _stale(lead_id: uuid.UUID) -> StaleLeadError:
    return StaleLeadError(
        f"lead {lead_id} was changed by someone else since you opened it; reload it and try again"
    )


def _earliest_open_follow_up(session: Session, lead_id: uuid.UUID) -> datetime | None:
    statement = select(func.min(FollowUp.due_at)).where(
        FollowUp.lead_id == lead_id, FollowUp.completed_at.is_(None)
    )
    return session.scalar(statement)


def _log(
    session: Session, lead: Lead, kind: ActivityKind, summary: str, actor: str | None, now: datetime
) -> Activity:
    activity = Activity(lead_id=lead.id, kind=kind.value, occurred_at=now, summary=summary, actor=actor, created_at=now)
    session.add(activity)
    return activity


def _finish(session: Session, lead: Lead, action: str, changed: set[str], activity: Activity) -> LeadChange:
    """Flush the change, turning a concurrent edit that SQLAlchemy detects into StaleLeadError."""
    # Read the id first: after a failed flush, touching the lead's attributes raises PendingRollbackError.
    lead_id = lead.id
    try:
        session.flush()
    except StaleDataError as error:
        raise _stale(lead_id) from error
    logger.info("%s on lead %s by %s (fields: %s)", action, lead.id, lead.updated_by, ", ".join(sorted(changed)))
    return LeadChange(
        lead_id=lead.id,
        action=action,
        changed_fields=frozenset(changed),
        row_version=lead.row_version,
        activity_id=activity.id,
    )


def _require_aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"{name} {instant.isoformat()} is naive; attach a timezone")
    return instant


def _evaluated_score(session: Session, lead: Lead) -> int:
    total = session.scalar(select(LeadEvaluation.score_total).where(LeadEvaluation.lead_id == lead.id))
    return lead.score if total is None else total
