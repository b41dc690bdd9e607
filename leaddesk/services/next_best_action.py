"""Next-best-action for a lead: which channel, when and with which template, each with its reasons.

The suggestion follows, in order: a closed stage (nothing to do), a due sequence step, an
open response deadline (first touch), then the channel that reached similar leads (same
segment) best. The time is inside the lead's local waking hours, and calls only fall in
their local calling hours on weekdays. The one exception is an email sent at night to
meet an open response deadline that no call or waking-hours slot can meet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, ActivityKind, Lead, SequenceEnrollment
from leaddesk.models.lead import CLOSED_STAGES
from leaddesk.services.lead_timezone import lead_zone
from leaddesk.services.local_time import resolve_wall_time
from leaddesk.services.sequences import Channel, load_catalog

# The lead's local day in which any outreach may be planned.
WAKING_START = time(8, 0)
WAKING_END = time(20, 0)
# Calls go only to these local hours, Monday to Friday.
CALL_START = time(9, 0)
CALL_END = time(18, 0)
# A channel's success rate counts only with at least this many similar leads contacted on it.
MIN_SAMPLE = 5
# Call outcomes and activity kinds that count as having reached the lead.
REACHED_OUTCOMES = ("connected", "meeting_booked")
REACHED_KINDS = (ActivityKind.REPLY.value, ActivityKind.MEETING.value)
# A sequence step due within this time is the next action.
STEP_HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class Suggestion:
    lead_id: uuid.UUID
    # None when nothing should be done (closed stage).
    channel: Channel | None
    at: datetime | None
    template_key: str | None
    lead_zone: str
    reasons: tuple[str, ...]


def suggest(session: Session, lead_id: uuid.UUID, now: datetime, team_zone: str | None = None) -> Suggestion:
    """Return the next-best-action for the lead at now.

    team_zone is used when the lead's zone is unknown or uncertain. None means the active
    playbook's [calendar] timezone, which itself defaults to the team timezone setting.
    """
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise ValueError(f"lead {lead_id} not found; it may have been deleted, so refresh the inbox")
    if team_zone is None:
        team_zone = playbook_zone(session)
    zone = lead_zone(lead, team_zone)
    reasons = [f"The lead's timezone is {zone.name} ({zone.source})."]
    if lead.stage in CLOSED_STAGES:
        reasons.append(f"The lead is {lead.stage}, so no outreach is suggested.")
        return Suggestion(lead.id, None, None, None, zone.name, tuple(reasons))

    channel, template_key = _choose_channel(session, lead, now, reasons)
    if channel is Channel.CALL and not lead.phone:
        reasons.append("A call would fit, but the lead has no phone number, so email instead.")
        channel, template_key = Channel.EMAIL, template_key or "follow_up"
    at = next_allowed_time(now, ZoneInfo(zone.name), channel)
    deadline_choice = _meet_deadline(lead, now, ZoneInfo(zone.name), channel, at)
    if deadline_choice is not None:
        channel, at, reason = deadline_choice
        template_key = template_key or "first_touch"
        reasons.append(reason)
        return Suggestion(lead.id, channel, at, template_key, zone.name, tuple(reasons))
    local = at.astimezone(ZoneInfo(zone.name))
    if at > now:
        reasons.append(f"It is {now.astimezone(ZoneInfo(zone.name)):%a %H:%M} for the lead, so wait until {local:%a %H:%M} their time.")
    else:
        reasons.append(f"It is {local:%H:%M} for the lead, inside their {_window_name(channel)}.")
    return Suggestion(lead.id, channel, at, template_key, zone.name, tuple(reasons))


def _meet_deadline(
    lead: Lead, now: datetime, zone: ZoneInfo, channel: Channel, at: datetime
) -> tuple[Channel, datetime, str] | None:
    """Return an email that meets an open response deadline the planned action would miss, or None.

    The email goes at the start of the lead's waking hours when that is before the deadline,
    else now: an email waits in the inbox, so unlike a call it does not disturb at night.
    """
    due = lead.response_due_at
    if lead.first_contacted_at is not None or due is None or now >= due or at <= due:
        return None
    planned = f"A {channel.value} at {at.astimezone(zone):%a %H:%M} their time would miss the response deadline"
    deadline = f"{due.astimezone(zone):%a %H:%M}"
    email_at = next_allowed_time(now, zone, Channel.EMAIL)
    if email_at <= due:
        local = email_at.astimezone(zone)
        return Channel.EMAIL, email_at, f"{planned} ({deadline}), so email at {local:%a %H:%M}, which meets it."
    local_now = now.astimezone(zone)
    return (
        Channel.EMAIL,
        now.astimezone(timezone.utc),
        f"{planned} ({deadline}), so email now ({local_now:%a %H:%M} their time): an email waits in the inbox "
        "and does not disturb, unlike a call.",
    )


def playbook_zone(session: Session) -> str:
    """Return the timezone of the active playbook's team calendar."""
    # Imported here because the playbook package imports sequences, which this module imports.
    from leaddesk.services.playbook import load_playbook

    return load_playbook(session).calendar.timezone_name


def _choose_channel(session: Session, lead: Lead, now: datetime, reasons: list[str]) -> tuple[Channel, str | None]:
    enrollment = session.scalar(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.lead_id == lead.id, SequenceEnrollment.status == "active")
        .order_by(SequenceEnrollment.next_step_at)
        .limit(1)
    )
    if enrollment is not None and enrollment.next_step_at is not None and enrollment.next_step_at <= now + STEP_HORIZON:
        sequence = next((item for item in load_catalog(session) if item.key == enrollment.sequence_key), None)
        if sequence is not None and enrollment.step_index < len(sequence.steps):
            step = sequence.steps[enrollment.step_index]
            reasons.append(
                f"Step {enrollment.step_index + 1} of {len(sequence.steps)} of {sequence.label!r} is due: {step.channel.value}."
            )
            if step.channel is not Channel.EMAIL:
                return step.channel, None
            return step.channel, step.template or "follow_up"

    if lead.first_contacted_at is None and lead.response_due_at is not None:
        if now >= lead.response_due_at:
            since = _duration(now - lead.response_due_at)
            reasons.append(f"The response deadline passed {since} ago and nobody has contacted the lead.")
        else:
            left = _duration(lead.response_due_at - now)
            reasons.append(f"The response deadline is in {left} and nobody has contacted the lead.")
        if lead.phone:
            reasons.append("A first call answers fastest; the lead has a phone number.")
            return Channel.CALL, None
        reasons.append("The lead has no phone number, so the first touch is an email.")
        return Channel.EMAIL, "first_touch"

    rates = channel_rates(session, lead.segment)
    measured = {channel: rate for channel, rate in rates.items() if rate[1] >= MIN_SAMPLE}
    if measured:
        best = max(measured, key=lambda channel: measured[channel][0] / measured[channel][1])
        parts = [f"{channel.value}s reached {hits} of {total}" for channel, (hits, total) in measured.items()]
        reasons.append(f"In segment {lead.segment!r}, " + "; ".join(parts) + f" similar leads, so {best.value}.")
        return best, "follow_up" if best is Channel.EMAIL else None
    reasons.append(f"Fewer than {MIN_SAMPLE} similar leads per channel to compare, so email, which needs no slot.")
    return Channel.EMAIL, "follow_up"


def channel_rates(session: Session, segment: str) -> dict[Channel, tuple[int, int]]:
    """Return (leads reached, leads contacted) per channel among leads of the segment.

    A lead counts for each channel used on it, and as reached when it has a connected or
    meeting-booked call, a reply or a meeting.
    """
    reached_ids = (
        select(Activity.lead_id)
        .where((Activity.kind.in_(REACHED_KINDS)) | (Activity.outcome.in_(REACHED_OUTCOMES)))
        .distinct()
    )
    rates = {}
    for channel, kind in ((Channel.CALL, ActivityKind.CALL.value), (Channel.EMAIL, ActivityKind.EMAIL.value)):
        contacted = (
            select(Activity.lead_id)
            .join(Lead, Lead.id == Activity.lead_id)
            .where(Activity.kind == kind, Lead.segment == segment, Lead.deleted_at.is_(None))
            .distinct()
            .subquery()
        )
        total = session.scalar(select(func.count()).select_from(contacted)) or 0
        hits = session.scalar(
            select(func.count()).select_from(contacted).where(contacted.c.lead_id.in_(reached_ids))
        ) or 0
        rates[channel] = (hits, total)
    return rates


def next_allowed_time(now: datetime, zone: ZoneInfo, channel: Channel) -> datetime:
    """Return now if it is inside the channel's local window, else the start of the next window (UTC)."""
    start, end, weekdays_only = (CALL_START, CALL_END, True) if channel is Channel.CALL else (WAKING_START, WAKING_END, False)
    local = now.astimezone(zone)
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if weekdays_only and candidate_day.weekday() >= 5:
            continue
        window_start = resolve_wall_time(datetime.combine(candidate_day, start), zone)
        window_end = resolve_wall_time(datetime.combine(candidate_day, end), zone)
        if now < window_start:
            return window_start
        if now < window_end:
            return now.astimezone(timezone.utc)
    # Unreachable: any eight consecutive days contain a weekday with a window after now.
    raise RuntimeError(f"no {channel.value} window within eight days of {now.isoformat()} in {zone.key}")


def _duration(delta: timedelta) -> str:
    """Return "12 min", "13 h 54 min" or "2 d 3 h", with the two largest units."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _window_name(channel: Channel) -> str:
    return "calling hours" if channel is Channel.CALL else "waking hours"
