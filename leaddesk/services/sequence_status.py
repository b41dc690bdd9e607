"""A lead's sequence enrolments as the window shows them: sequence, status, current step and next due time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from leaddesk.models import SequenceEnrollment
from leaddesk.services.sequences import Channel, Sequence, load_catalog

# Active and paused enrolments first, because those are the ones the user can act on.
STATUS_ORDER = {"active": 0, "paused": 1, "finished": 2, "stopped": 3}


@dataclass(frozen=True)
class EnrollmentView:
    """One enrolment with its step described. step_number counts from 1; 0 means the sequence left the playbook."""

    id: uuid.UUID
    sequence_key: str
    label: str
    status: str
    reason: str
    step_number: int
    step_count: int
    channel: Channel | None
    template: str | None
    step_note: str
    next_step_at: datetime | None

    @property
    def can_pause(self) -> bool:
        return self.status == "active"

    @property
    def can_resume(self) -> bool:
        return self.status == "paused" and 0 < self.step_number <= self.step_count

    @property
    def can_stop(self) -> bool:
        return self.status in ("active", "paused")

    def step_text(self) -> str:
        """Return "step 2 of 5: call", or why no step is next."""
        if self.status in ("finished", "stopped"):
            return self.status
        if self.channel is None:
            return "the sequence is no longer in the playbook"
        text = f"step {self.step_number} of {self.step_count}: {self.channel.value}"
        if self.template:
            text += f" ({self.template})"
        return text


def lead_enrollments(session: Session, lead_id: uuid.UUID, catalog: tuple[Sequence, ...] | None = None) -> list[EnrollmentView]:
    """Return the lead's enrolments, active and paused first, newest first within a status."""
    if catalog is None:
        catalog = load_catalog(session)
    by_key = {sequence.key: sequence for sequence in catalog}
    order = case(STATUS_ORDER, value=SequenceEnrollment.status, else_=len(STATUS_ORDER))
    rows = session.scalars(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.lead_id == lead_id)
        .order_by(order, SequenceEnrollment.enrolled_at.desc())
    )
    views = []
    for enrollment in rows:
        sequence = by_key.get(enrollment.sequence_key)
        step = None
        if sequence is not None and enrollment.step_index < len(sequence.steps):
            step = sequence.steps[enrollment.step_index]
        views.append(
            EnrollmentView(
                id=enrollment.id,
                sequence_key=enrollment.sequence_key,
                label=sequence.label if sequence else enrollment.sequence_key,
                status=enrollment.status,
                reason=enrollment.status_reason,
                step_number=enrollment.step_index + 1 if sequence else 0,
                step_count=len(sequence.steps) if sequence else 0,
                channel=step.channel if step else None,
                template=step.template if step else None,
                step_note=step.note if step else "",
                next_step_at=enrollment.next_step_at,
            )
        )
    return views


def due_email_template(session: Session, lead_id: uuid.UUID) -> str | None:
    """Return the template of the lead's latest sequence step that became a follow-up, when it is an email step.

    The email dialog preselects it, so pressing m for a sequence's email step offers that step's template.
    """
    catalog = {sequence.key: sequence for sequence in load_catalog(session)}
    enrollments = session.scalars(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.lead_id == lead_id, SequenceEnrollment.status.in_(("active", "finished")))
        .order_by(SequenceEnrollment.updated_at.desc())
    )
    for enrollment in enrollments:
        sequence = catalog.get(enrollment.sequence_key)
        index = enrollment.step_index - 1
        if sequence is None or not 0 <= index < len(sequence.steps):
            continue
        step = sequence.steps[index]
        if step.channel is Channel.EMAIL and step.template:
            return step.template
    return None
