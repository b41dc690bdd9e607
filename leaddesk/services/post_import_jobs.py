"""The work after an import commits, as a resumable job: enrichment, match keys, routing, scores.

run_import stores one job per import batch as a settings row in the import's own
transaction, so the job exists exactly when the batch does. A job walks its leads in
steps of STEP_LEADS, and each step commits the leads' derived values, owners and
evaluations together with the job's new position. A crash or quit therefore loses at most
the step that was running, and the next run (the window at start, `leaddesk jobs`, or
the next `leaddesk import`) continues after the last committed step.

Phases, in this order:

- enrich: derived values of the leads the batch created, in storage order, so that the
  rows of one step share table pages. In routing order each step's rows are spread over
  the whole table, and every step wrote most of its pages again. When nothing is routed
  (a historical import, or a playbook that does not route new leads), each step
  evaluates its leads too, and the created phase is skipped.
- created: the same leads in (received_at, id) order, the order in which routing hands
  them out. Routing (not for historical imports), then evaluation. A lead of the step
  whose derived values are still missing or stale gets them first, so a job that skipped
  the enrich phase (one queued by an older LeadDesk) gives the same results.
- changed: the existing leads the batch updated, in id order. Derived values, then
  evaluation.
- stale: any other lead whose derived values are missing or from an older
  enrichment.DERIVED_VERSION, so that leads stored before enrichment existed get them.

The created, changed and stale phases walk their leads with a keyset cursor, so that leads
deleted meanwhile shift nothing.

Routing and evaluation use the import's time, not the time the step runs, so a job that
runs later gives the owners and scores that the import would have given at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leaddesk.models import ImportBatch, ImportChange, Lead, Setting, utc_now
from leaddesk.services.arrival_routing import route_new_leads
from leaddesk.services.bulk_evaluation import CHUNK_LEADS, evaluate_in_bulk
from leaddesk.services.database import Database
from leaddesk.services.derived import refresh_stored_ids
from leaddesk.services.driver_sql import stored_id_text, stored_instant_text
from leaddesk.services.enrichment import DERIVED_VERSION
from leaddesk.services.playbook import Playbook, load_playbook
from leaddesk.services.write_requests import wait_for_write_requests

logger = logging.getLogger(__name__)

# Settings key of a job: this prefix and the batch id as 32 hex digits.
JOB_KEY_PREFIX = "post_import_job:"

# Leads per step and transaction. A multiple of bulk_evaluation.CHUNK_LEADS, so that routing
# sees the same chunks as one pass over all leads. About one to two seconds per step.
STEP_LEADS = 5 * CHUNK_LEADS

PHASES = ("enrich", "created", "changed", "stale", "done")

# (fraction done, message), as the import's progress callback takes them.
ProgressCallback = Callable[[float, str], None]

_LEADS = Lead.__table__
_CHANGES = ImportChange.__table__
_STALE_CONDITION = or_(_LEADS.c.derived_version.is_(None), _LEADS.c.derived_version != DERIVED_VERSION)


def _unenriched_ids(session: Session, batch_id: uuid.UUID) -> list[str]:
    """Return up to STEP_LEADS stored ids of the batch's created leads that have no derived values yet.

    The query needs no cursor, because each step gives its leads derived values and the next
    step's query no longer finds them. It needs no ORDER BY either, because SQLite reads
    ix_leads_derived_version, whose NULL entries are in rowid order, so a step's leads are
    neighbours in the table.

    NOTE: each step also reads past the older leads that lack derived values, such as leads
    stored before enrichment existed, until a stale phase gives them derived values.
    """
    statement = (
        select(stored_id_text(_LEADS.c.id))
        .where(_LEADS.c.derived_version.is_(None), _LEADS.c.import_batch_id == batch_id)
        .limit(STEP_LEADS)
    )
    return list(session.scalars(statement))


def _created_ids(session: Session, batch_id: uuid.UUID, cursor: list[str]) -> list[tuple[str, str, int | None]]:
    """Return the next (stored id, stored received_at, derived_version) of the batch's created leads after cursor.

    The order is (received_at, id), the routing order. Ids come as stored text, because
    SQLAlchemy's Uuid result processing took about 0.2 s more per 100,000 leads than the
    caller's uuid.UUID(hex=...) on the text.

    received_at is compared as stored, not as a bound datetime, because an import writes it
    without the ".000000" that binding a datetime adds, and leads at the cursor's own instant
    would otherwise be skipped.
    """
    received = stored_instant_text(_LEADS.c.received_at)
    statement = select(stored_id_text(_LEADS.c.id), received, _LEADS.c.derived_version)
    statement = statement.where(_LEADS.c.import_batch_id == batch_id)
    if cursor:
        after_time, after_id = cursor[0], uuid.UUID(cursor[1])
        # The ">=" lets SQLite seek in ix_leads_received_at to the cursor. With the OR alone it
        # scanned the index from its start on every step (0.44 s against 0.06 s on 100,000 leads).
        statement = statement.where(received >= after_time, or_(received > after_time, _LEADS.c.id > after_id))
    statement = statement.order_by(_LEADS.c.received_at, _LEADS.c.id).limit(STEP_LEADS)
    # all() fetches in one call; iterating the result fetched one row per call.
    return [tuple(row) for row in session.execute(statement).all()]


def _changed_ids(session: Session, batch_id: uuid.UUID, cursor: list[str]) -> list[uuid.UUID]:
    """Return the next ids after cursor of existing leads that the batch updated."""
    statement = (
        select(_CHANGES.c.lead_id)
        .distinct()
        .join(_LEADS, _LEADS.c.id == _CHANGES.c.lead_id)
        .where(_CHANGES.c.batch_id == batch_id)
        .where(or_(_LEADS.c.import_batch_id.is_(None), _LEADS.c.import_batch_id != batch_id))
    )
    if cursor:
        statement = statement.where(_CHANGES.c.lead_id > uuid.UUID(cursor[0]))
    return list(session.scalars(statement.order_by(_CHANGES.c.lead_id).limit(STEP_LEADS)))


def _stale_ids(session: Session, cursor: list[str]) -> list[uuid.UUID]:
    """Return the next ids after cursor of leads whose derived values are missing or stale."""
    statement = select(_LEADS.c.id).where(_STALE_CONDITION)
    if cursor:
        statement = statement.where(_LEADS.c.id > uuid.UUID(cursor[0]))
    return list(session.scalars(statement.order_by(_LEADS.c.id).limit(STEP_LEADS)))


# Taking the write lock first makes a second process wait for this step to commit instead
# of computing the same step and failing when it writes.
_LOCK_JOB = text("UPDATE settings SET value = value WHERE key = :key")


@dataclass(frozen=True)
class PostImportJob:
    """A batch's post-import work and how far it got; stored as JSON in a settings row."""

    batch_id: uuid.UUID
    imported_at: datetime
    historical: bool
    queued_at: datetime
    phase: str = PHASES[0]
    # The last (received_at as stored, id in hex) done in the created phase, or the last id in the others.
    cursor: list[str] = field(default_factory=list)
    # Leads finished: routed where routing applies, and evaluated.
    done: int = 0
    # Leads to process, counted when the first step runs; None before that.
    total: int | None = None
    # Created leads that the enrich phase gave derived values, and the number it started with.
    enriched: int = 0
    enrich_total: int = 0
    # Whether enrich steps evaluate their leads as well, which replaces the created phase.
    # Set at the first step when nothing is routed and every created lead lacks derived values.
    scores_in_enrich: bool = False
    routed: int = 0
    evaluated: int = 0
    # The message of the last failed step, kept until a step succeeds.
    error: str | None = None
    # Whether the job stopped early because its import was undone or deleted.
    dropped: bool = False

    @property
    def key(self) -> str:
        return JOB_KEY_PREFIX + self.batch_id.hex

    @property
    def finished(self) -> bool:
        return self.phase == "done"

    @property
    def remaining(self) -> int | None:
        """Return the leads still to route and score, or None before the first step counted them."""
        return None if self.total is None else max(self.total - self.done, 0)

    @property
    def unenriched(self) -> int:
        """Return the created leads that the enrich phase has yet to give derived values.

        It is 0 when the enrich phase scores its leads too, because remaining counts them then.
        """
        if self.phase != "enrich" or self.scores_in_enrich:
            return 0
        return max(self.enrich_total - self.enriched, 0)

    def describe_remaining(self) -> str:
        """Return the work left for messages, such as "40,000 leads to enrich, then 100,000 to route and score"."""
        if self.remaining is None:
            return "not started"
        if self.unenriched:
            work = "score" if self.historical else "route and score"
            return f"{self.unenriched:,} leads to enrich, then {self.remaining:,} to {work}"
        return f"{self.remaining:,} leads to go"

    def to_json(self) -> str:
        return json.dumps(
            {
                "batch_id": self.batch_id.hex,
                "imported_at": self.imported_at.isoformat(),
                "historical": self.historical,
                "queued_at": self.queued_at.isoformat(),
                "phase": self.phase,
                "cursor": self.cursor,
                "done": self.done,
                "total": self.total,
                "routed": self.routed,
                "evaluated": self.evaluated,
                "enriched": self.enriched,
                "enrich_total": self.enrich_total,
                "scores_in_enrich": self.scores_in_enrich,
                "error": self.error,
                "dropped": self.dropped,
            }
        )

    @classmethod
    def from_json(cls, value: str) -> PostImportJob:
        data = json.loads(value)
        return cls(
            batch_id=uuid.UUID(data["batch_id"]),
            imported_at=datetime.fromisoformat(data["imported_at"]),
            historical=bool(data["historical"]),
            queued_at=datetime.fromisoformat(data["queued_at"]),
            phase=data["phase"],
            cursor=list(data.get("cursor") or []),
            done=int(data.get("done", 0)),
            total=data.get("total"),
            routed=int(data.get("routed", 0)),
            evaluated=int(data.get("evaluated", 0)),
            enriched=int(data.get("enriched", 0)),
            enrich_total=int(data.get("enrich_total", 0)),
            scores_in_enrich=bool(data.get("scores_in_enrich", False)),
            error=data.get("error"),
            dropped=bool(data.get("dropped", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the job as JSON-ready values, for `leaddesk jobs --json`."""
        return {
            **json.loads(self.to_json()),
            "batch_id": str(self.batch_id),
            "remaining": self.remaining,
            "unenriched": self.unenriched,
        }


@dataclass
class JobRun:
    """The outcome of PostImportRunner.run_pending: finished jobs, and failed jobs with their errors."""

    finished: list[PostImportJob] = field(default_factory=list)
    failed: list[tuple[PostImportJob, Exception]] = field(default_factory=list)

    @property
    def leads(self) -> int:
        """Return the leads of the jobs that ran to their end, without those of dropped jobs."""
        return sum(job.done for job in self.finished if not job.dropped)


class JobPaused(Exception):
    """The cancel event was set between two steps; the job stays queued and resumes at its next run."""


def queue_post_import_job(session: Session, batch_id: uuid.UUID, imported_at: datetime, historical: bool) -> PostImportJob:
    """Add the post-import job of a batch to the session, to commit with the import itself."""
    job = PostImportJob(batch_id=batch_id, imported_at=imported_at, historical=historical, queued_at=utc_now())
    session.merge(Setting(key=job.key, value=job.to_json()))
    logger.info("queued the post-import job of batch %s", batch_id)
    return job


def pending_jobs(session: Session) -> list[PostImportJob]:
    """Return the queued jobs, oldest import first."""
    rows = session.scalars(select(Setting).where(Setting.key.startswith(JOB_KEY_PREFIX, autoescape=True)))
    jobs = []
    for setting in rows:
        try:
            jobs.append(PostImportJob.from_json(setting.value))
        except (ValueError, KeyError, TypeError) as error:
            logger.error("ignoring the unreadable post-import job %s: %s", setting.key, error)
    return sorted(jobs, key=lambda job: (job.queued_at, job.batch_id.hex))


def pending_job(session: Session, batch_id: uuid.UUID) -> PostImportJob | None:
    setting = session.get(Setting, JOB_KEY_PREFIX + batch_id.hex)
    return None if setting is None else PostImportJob.from_json(setting.value)


def progress_message(leads: int, fraction: float) -> str:
    """Return the status line of running jobs, such as "Enriching and scoring 100,000 imported leads: 42%"."""
    noun = "lead" if leads == 1 else "leads"
    return f"Enriching and scoring {leads:,} imported {noun}: {fraction * 100:.0f}%"


class PostImportRunner:
    """Runs queued jobs one step at a time, keeping per-job caches between steps.

    The window submits one step per write-lane task, so other writes run between steps.
    The CLI calls run_pending. Each step opens, commits and closes its own session.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._memo: dict[tuple, Any] = {}
        self._memo_playbook: Playbook | None = None
        self._memo_job: uuid.UUID | None = None

    def step(self, batch_id: uuid.UUID) -> PostImportJob | None:
        """Process the next STEP_LEADS leads of a job in one transaction; return the job, or None when it is gone.

        A failing step is rolled back, its error is stored on the job and logged, and the
        exception is raised again, so a caller can stop instead of retrying at once.
        """
        # A waiting writer, such as `leaddesk imports undo`, gets the file between two steps.
        wait_for_write_requests(self.database.path if self.database.is_sqlite else None)
        try:
            with self.database.session() as session:
                return self._step(session, batch_id)
        except Exception as error:
            logger.exception("post-import job of batch %s failed; it stays queued", batch_id)
            self._record_error(batch_id, error)
            raise

    def run_pending(self, progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> JobRun:
        """Run every queued job to its end, oldest first, and return the finished and the failed ones.

        progress gets (fraction over all jobs, message) after each step. Setting cancel
        stops between two steps and raises JobPaused; done steps stay committed. A job whose
        step fails keeps its error and stays queued, and the next job runs.
        """
        result = JobRun()
        with self.database.session() as session:
            jobs = pending_jobs(session)
        latest = {job.batch_id: job for job in jobs}
        for job in jobs:
            current: PostImportJob | None = job
            while current is not None and not current.finished:
                if cancel is not None and cancel.is_set():
                    logger.info("post-import work paused at batch %s, %d leads done", current.batch_id, current.done)
                    raise JobPaused(f"paused in batch {current.batch_id} with {current.describe_remaining()}")
                try:
                    current = self.step(job.batch_id)
                except Exception as error:  # noqa: BLE001 - step() logged it and stored it on the job
                    result.failed.append((latest[job.batch_id], error))
                    break
                if current is not None:
                    latest[job.batch_id] = current
                    if progress is not None:
                        leads, fraction = overall_progress(list(latest.values()))
                        progress(fraction, progress_message(leads, fraction))
            else:
                if current is not None:
                    result.finished.append(current)
        return result

    def _step(self, session: Session, batch_id: uuid.UUID) -> PostImportJob | None:
        key = JOB_KEY_PREFIX + batch_id.hex
        session.execute(_LOCK_JOB, {"key": key})
        setting = session.get(Setting, key)
        if setting is None:
            return None
        job = PostImportJob.from_json(setting.value)
        if job.finished:
            session.delete(setting)
            return job

        batch = session.get(ImportBatch, batch_id)
        if batch is None or batch.undone_at is not None:
            logger.info("dropping the post-import job of batch %s: the import was undone or deleted", batch_id)
            session.delete(setting)
            return replace(job, phase="done", dropped=True)

        started = time.perf_counter()
        playbook = load_playbook(session)
        if job.total is None:
            total, created, unenriched = _count_leads(session, batch_id)
            # A job queued by an older LeadDesk starts in the created phase and has no enrich work.
            enrich_total = unenriched if job.phase == "enrich" else 0
            scores_in_enrich = job.phase == "enrich" and unenriched == created and not _routes(job, playbook)
            job = replace(job, total=total, enrich_total=enrich_total, scores_in_enrich=scores_in_enrich)
        if self._memo_playbook is not playbook or self._memo_job != batch_id:
            # Results reused for equal inputs hold for one playbook and one evaluation time.
            self._memo = {}
            self._memo_playbook, self._memo_job = playbook, batch_id

        job = self._advance(session, job, playbook)
        job = replace(job, error=None)
        if job.finished:
            session.delete(setting)
            logger.info(
                "post-import job of batch %s finished: %d leads, %d routed, %d evaluated",
                batch_id, job.done, job.routed, job.evaluated,
            )
        else:
            setting.value = job.to_json()
        logger.debug("post-import step of batch %s: %s, %d done in %.2f s", batch_id, job.phase, job.done, time.perf_counter() - started)
        return job

    def _advance(self, session: Session, job: PostImportJob, playbook: Playbook) -> PostImportJob:
        """Process one step of the job's current phase, moving to the next phase when it is empty."""
        batch_id = job.batch_id
        while not job.finished:
            if job.phase == "enrich":
                if job.scores_in_enrich and _routes(job, playbook):
                    # Routing was turned on meanwhile, so the created phase routes and evaluates every created lead.
                    job = _stop_scoring_in_enrich(job)
                hex_ids = _unenriched_ids(session, batch_id)
                if not hex_ids:
                    if job.scores_in_enrich and job.enriched < job.enrich_total:
                        # Some created leads got derived values elsewhere, by an edit, so no step here evaluated them.
                        job = _stop_scoring_in_enrich(job)
                    # An enrich phase that evaluated every created lead leaves nothing for the created phase.
                    job = _next_phase(_next_phase(job)) if job.scores_in_enrich else _next_phase(job)
                    continue
                refresh_stored_ids(session, hex_ids)
                job = replace(job, enriched=job.enriched + len(hex_ids))
                if job.scores_in_enrich:
                    lead_ids = [uuid.UUID(hex=lead_hex) for lead_hex in hex_ids]
                    evaluated = evaluate_in_bulk(session, lead_ids, job.imported_at, playbook, memo=self._memo)
                    job = replace(job, done=job.done + len(hex_ids), evaluated=job.evaluated + evaluated)
                return job
            if job.phase == "created":
                rows = _created_ids(session, batch_id, job.cursor)
                if not rows:
                    job = _next_phase(job)
                    continue
                lead_ids = [uuid.UUID(hex=lead_hex) for lead_hex, _received, _version in rows]
                unenriched = [lead_hex for lead_hex, _received, version in rows if version != DERIVED_VERSION]
                if unenriched:
                    refresh_stored_ids(session, unenriched)
                routed = 0 if job.historical else route_new_leads(session, lead_ids, playbook, job.imported_at)
                evaluated = evaluate_in_bulk(session, lead_ids, job.imported_at, playbook, memo=self._memo)
                last_hex, last_received, _version = rows[-1]
                return replace(
                    job, cursor=[last_received, last_hex], done=job.done + len(rows),
                    routed=job.routed + routed, evaluated=job.evaluated + evaluated,
                )
            if job.phase == "changed":
                lead_ids = _changed_ids(session, batch_id, job.cursor)
                if not lead_ids:
                    job = _next_phase(job)
                    continue
                refresh_stored_ids(session, [lead_id.hex for lead_id in lead_ids])
                evaluated = evaluate_in_bulk(session, lead_ids, job.imported_at, playbook, memo=self._memo)
                return replace(job, cursor=[lead_ids[-1].hex], done=job.done + len(lead_ids), evaluated=job.evaluated + evaluated)
            # The stale phase.
            lead_ids = _stale_ids(session, job.cursor)
            if not lead_ids:
                return _next_phase(job)
            refresh_stored_ids(session, [lead_id.hex for lead_id in lead_ids])
            return replace(job, cursor=[lead_ids[-1].hex], done=job.done + len(lead_ids))
        return job

    def _record_error(self, batch_id: uuid.UUID, error: Exception) -> None:
        try:
            with self.database.session() as session:
                setting = session.get(Setting, JOB_KEY_PREFIX + batch_id.hex)
                if setting is not None:
                    job = PostImportJob.from_json(setting.value)
                    setting.value = replace(job, error=str(error) or type(error).__name__).to_json()
        except SQLAlchemyError:
            logger.exception("could not store the error of the post-import job of batch %s", batch_id)


def run_post_import_jobs(
    database: Database, progress: ProgressCallback | None = None, cancel: threading.Event | None = None
) -> JobRun:
    """Run every queued post-import job to its end; see PostImportRunner.run_pending."""
    return PostImportRunner(database).run_pending(progress, cancel)


def overall_progress(jobs: list[PostImportJob]) -> tuple[int, float]:
    """Return the leads of all jobs and the fraction of the work done.

    The work is one unit per lead of each job's total and one per lead of its enrich phase.
    A job not yet counted adds nothing.
    """
    total = sum(job.total or 0 for job in jobs)
    units = total + sum(job.enrich_total for job in jobs)
    done = sum(min(job.done, job.total or 0) + min(job.enriched, job.enrich_total) for job in jobs)
    return total, (done / units if units else 0.0)


def _routes(job: PostImportJob, playbook: Playbook) -> bool:
    """Return whether the job routes its created leads.

    It does not for a historical import, nor while the playbook does not route new leads.
    """
    return not job.historical and playbook.routes_new_leads


def _stop_scoring_in_enrich(job: PostImportJob) -> PostImportJob:
    """Leave the created phase to evaluate every created lead, and drop the counts of leads evaluated so far."""
    return replace(job, scores_in_enrich=False, done=0, evaluated=0)


def _next_phase(job: PostImportJob) -> PostImportJob:
    return replace(job, phase=PHASES[PHASES.index(job.phase) + 1], cursor=[])


def _count_leads(session: Session, batch_id: uuid.UUID) -> tuple[int, int, int]:
    """Count the leads of the phases after enrich, the created leads, and those without derived values.

    Leads stale and changed at once count twice in the first number.
    """
    created = select(func.count()).select_from(_LEADS).where(_LEADS.c.import_batch_id == batch_id)
    changed = (
        select(func.count(distinct(_CHANGES.c.lead_id)))
        .join(_LEADS, _LEADS.c.id == _CHANGES.c.lead_id)
        .where(_CHANGES.c.batch_id == batch_id)
        .where(or_(_LEADS.c.import_batch_id.is_(None), _LEADS.c.import_batch_id != batch_id))
    )
    stale_others = (
        select(func.count())
        .select_from(_LEADS)
        .where(_STALE_CONDITION)
        .where(or_(_LEADS.c.import_batch_id.is_(None), _LEADS.c.import_batch_id != batch_id))
    )
    unenriched = (
        select(func.count())
        .select_from(_LEADS)
        .where(_LEADS.c.derived_version.is_(None), _LEADS.c.import_batch_id == batch_id)
    )
    created_count, changed_count, stale_count, unenriched_count = (
        session.scalar(statement) or 0 for statement in (created, changed, stale_others, unenriched)
    )
    return created_count + changed_count + stale_count, created_count, unenriched_count
