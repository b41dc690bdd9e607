"""The possible-duplicates line that `leaddesk import` prints after an import."""

from __future__ import annotations

import logging
from pathlib import Path

from leaddesk.services.database import Database
from leaddesk.services.dedup.review import build_review_queue, leads_of_import
from leaddesk.services.dedup.settings import DedupSettingsError
from leaddesk.services.importing import ImportReport

logger = logging.getLogger(__name__)


def count_import_duplicates(database_path: Path, report: ImportReport) -> int | None:
    """Scan the leads the import created or changed against all leads, and return the number of groups.

    Returns None for a dry run or an import that stored nothing. Groups merged automatically
    (when auto-merge is on) are not counted. A scan failure is logged and returns None,
    because the import itself succeeded.
    """
    if report.dry_run or not report.batch_id or not (report.created or report.updated):
        return None
    database = Database.open(database_path)
    try:
        with database.session() as session:
            queue = build_review_queue(session, lead_ids=leads_of_import(session, report.batch_id))
    except DedupSettingsError as error:
        logger.warning("duplicate scan after import %s failed: %s", report.batch_id, error)
        return None
    finally:
        database.dispose()
    return len(queue.groups)


def format_duplicates_line(count: int | None, batch_id: str | None) -> str:
    """Return "N possible duplicates found - review with: ..." or "" when there are none."""
    if not count or not batch_id:
        return ""
    noun = "possible duplicate" if count == 1 else "possible duplicates"
    return f"{count} {noun} found - review with: leaddesk dedupe --import-batch {batch_id[:8]}\n"
