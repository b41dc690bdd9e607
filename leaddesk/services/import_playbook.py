"""Apply the playbook to an import's leads after the import committed: route, then qualify and score.

An import writes Core rows, which do not trigger the ORM evaluation listener. The
post-import job (post_import_jobs) routes and evaluates them step by step after the
derived-value refresh, which must run first because conditions read derived fields such
as seniority and free_mail. apply_after_import does the same for a whole batch in one
transaction; the tests and bench/post_import_bench.py compare the job with it.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import ImportChange, Lead, utc_now
from leaddesk.services.arrival_routing import route_new_leads
from leaddesk.services.bulk_evaluation import evaluate_in_bulk
from leaddesk.services.database import Database
from leaddesk.services.playbook import load_playbook

logger = logging.getLogger(__name__)


def apply_after_import(session: Session, batch_id: uuid.UUID, now: datetime, historical: bool = False) -> tuple[int, int]:
    """Route the batch's new unowned leads, evaluate every lead it created or changed, and return both counts.

    A historical import stores past leads without response clocks, so its leads are
    evaluated but never routed.
    """
    playbook = load_playbook(session)
    created = list(session.scalars(select(Lead.id).where(Lead.import_batch_id == batch_id).order_by(Lead.received_at, Lead.id)))
    changed = set(session.scalars(select(ImportChange.lead_id).where(ImportChange.batch_id == batch_id)))
    routed = 0 if historical else route_new_leads(session, created, playbook, now)
    evaluated = evaluate_in_bulk(session, [*created, *(changed - set(created))], now, playbook)
    return routed, evaluated


def apply_after_import_commit(database: Database, report: Any, now: datetime | None = None) -> None:
    """Run apply_after_import in a transaction of its own after the import committed.

    report is the ImportReport. Dry runs and failed imports have no batch_id and are
    skipped. Any error is logged and added to report.warnings instead of raised, because
    the imported leads are already stored.
    """
    if report.dry_run or not report.batch_id:
        return
    started = time.perf_counter()
    try:
        with database.session() as session:
            routed, evaluated = apply_after_import(session, uuid.UUID(report.batch_id), now or utc_now(), report.historical)
    except Exception as error:  # noqa: BLE001 - routing and scores are derived, and the import already committed
        logger.exception("applying the playbook after import batch %s failed", report.batch_id)
        report.warnings.append(
            f"the import is stored, but routing and scoring its leads failed: {error}. "
            "Run 'leaddesk evaluate' to score them, or edit a lead to score it now"
        )
        return
    logger.info(
        "import batch %s: routed %d and evaluated %d leads in %.2f s",
        report.batch_id, routed, evaluated, time.perf_counter() - started,
    )
