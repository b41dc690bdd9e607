"""The review queue: duplicate groups from a full or per-lead scan, with lead labels and auto-merges."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import ImportChange, Lead
from leaddesk.services.dedup.merge import MergeError, MergeResult, merge_leads
from leaddesk.services.dedup import scan
from leaddesk.services.dedup.scan import DuplicateGroup, scan_duplicates
from leaddesk.services.dedup.settings import load_auto_merge_enabled, load_thresholds

logger = logging.getLogger(__name__)

# Progress of a scan as (done, total) in units the scan chooses.
ScanProgress = Callable[[int, int], None]

# The actor recorded on merges that a scan made without a person choosing them.
AUTO_MERGE_ACTOR = "auto-merge"


class ScanCancelled(Exception):
    """The user cancelled a running duplicate scan. Nothing was merged."""


class CancelFlag(threading.Event):
    """A cancel event that is also the cancel check scan_duplicates polls: calling it returns whether it is set."""

    def __call__(self) -> bool:
        return self.is_set()


@dataclass(frozen=True)
class LeadLabel:
    """The name, company and contacts of one lead in the review queue."""

    lead_id: uuid.UUID
    name: str
    company: str | None
    email: str | None
    phone: str | None
    received_at: datetime | None = None

    def describe(self) -> str:
        """Return "NAME at COMPANY", or the name alone for a lead without a company."""
        return f"{self.name} at {self.company}" if self.company else self.name


@dataclass(frozen=True)
class ReviewQueue:
    """Groups left for review, most confident first, and the merges the scan made by itself.

    lead_ids is the set of leads the scan was limited to, or None for a full scan.
    """

    groups: tuple[DuplicateGroup, ...]
    labels: Mapping[uuid.UUID, LeadLabel]
    auto_merged: tuple[MergeResult, ...] = ()
    lead_ids: tuple[uuid.UUID, ...] | None = None


def run_scan(
    session: Session,
    *,
    lead_ids: Iterable[uuid.UUID] | None = None,
    progress: ScanProgress | None = None,
    cancel: CancelFlag | None = None,
) -> list[DuplicateGroup]:
    """Scan for duplicate groups, limited to groups with one of lead_ids when given.

    Raises ScanCancelled when cancel is set before or during the scan. The match keys that
    the scan refreshed before the cancel stay in the session, which the caller rolls back.
    """
    _check(cancel)
    try:
        return scan_duplicates(session, lead_ids=lead_ids, progress=progress, cancel=cancel)
    except scan.ScanCancelled as error:
        raise ScanCancelled() from error


def build_review_queue(
    session: Session,
    *,
    lead_ids: Sequence[uuid.UUID] | None = None,
    progress: ScanProgress | None = None,
    cancel: CancelFlag | None = None,
    auto_merge: bool | None = None,
    now: datetime | None = None,
) -> ReviewQueue:
    """Scan, merge the auto-merge groups when that is on, and return what is left to review.

    auto_merge None follows the stored setting, which is off by default.
    """
    groups = run_scan(session, lead_ids=lead_ids, progress=progress, cancel=cancel)
    enabled = load_auto_merge_enabled(session) if auto_merge is None else auto_merge

    merged: list[MergeResult] = []
    if enabled:
        threshold = load_thresholds(session).auto_merge
        merged = auto_merge_groups(session, [group for group in groups if group.auto_merge], now=now)
        done = {lead_id for result in merged for lead_id in (result.survivor_id, *result.merged_ids)}
        groups = [group for group in groups if not done.intersection(group.lead_ids)]
        logger.info("auto-merged %d groups at or above %.2f", len(merged), threshold)

    shown = {lead_id for group in groups for lead_id in group.lead_ids}
    return ReviewQueue(
        groups=tuple(groups),
        labels=lead_labels(session, shown),
        auto_merged=tuple(merged),
        lead_ids=tuple(lead_ids) if lead_ids is not None else None,
    )


def auto_merge_groups(session: Session, groups: Iterable[DuplicateGroup], *, now: datetime | None = None) -> list[MergeResult]:
    """Merge each group into its earliest received lead with the "complete" preset, and return the merges.

    Each merge is recorded like a manual one, so undo reverses it. A group with a lead that
    is already merged or deleted is skipped and logged.
    """
    results = []
    for group in groups:
        leads = [session.get(Lead, lead_id) for lead_id in group.lead_ids]
        if any(lead is None or lead.deleted_at is not None for lead in leads):
            logger.warning("auto-merge skipped group %s: a lead is not found or already merged", [str(i) for i in group.lead_ids])
            continue
        # The earliest lead keeps its id, so links to the first contact with the prospect stay valid.
        survivor = min(leads, key=lambda lead: (lead.received_at, str(lead.id)))
        others = [lead.id for lead in leads if lead.id != survivor.id]
        try:
            with session.begin_nested():
                results.append(merge_leads(session, survivor.id, others, preset="complete", actor=AUTO_MERGE_ACTOR, now=now))
        except MergeError as error:
            logger.warning("auto-merge of group %s failed: %s", [str(i) for i in group.lead_ids], error)
    return results


def lead_labels(session: Session, lead_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, LeadLabel]:
    ids = list(set(lead_ids))
    labels = {}
    for start in range(0, len(ids), 500):
        for lead in session.scalars(select(Lead).where(Lead.id.in_(ids[start : start + 500]))):
            labels[lead.id] = LeadLabel(lead.id, lead.display_name, lead.company, lead.email, lead.phone, lead.received_at)
    return labels


def leads_of_import(session: Session, batch_id: uuid.UUID | str) -> list[uuid.UUID]:
    """Return the leads an import batch created or changed."""
    batch = batch_id if isinstance(batch_id, uuid.UUID) else uuid.UUID(str(batch_id))
    created = session.scalars(select(Lead.id).where(Lead.import_batch_id == batch, Lead.deleted_at.is_(None)))
    changed = session.scalars(select(ImportChange.lead_id).where(ImportChange.batch_id == batch).distinct())
    return sorted(set(created) | set(changed))


def _check(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ScanCancelled()
