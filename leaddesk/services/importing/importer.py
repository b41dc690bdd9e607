"""The import pipeline: read a file, convert its rows, and store the leads in one transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import ImportBatch, Lead, utc_now
from leaddesk.services.database import Database
from leaddesk.services.importing.chunks import ConversionEnd, ConvertedChunk, TrailingFooter
from leaddesk.services.importing.collection import fewer_collections
from leaddesk.services.importing.columns import ColumnChoice, choose_columns
from leaddesk.services.importing.date_order import DateOrderChanged, date_warnings, order_changed, sample_evidence
from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.errors import ImportCancelled, ImportFileError
from leaddesk.services.importing.mapping import plan_warnings
from leaddesk.services.importing.policy import ImportPolicy
from leaddesk.services.importing.preview import read_sample
from leaddesk.services.importing.reader import open_table
from leaddesk.services.importing.rejected import RejectedRowsFile, RejectedTarget, annotation_width, as_rejected_target
from leaddesk.services.importing.report import ImportPlan, ImportReport, PlannedRow, RejectedRow, RowAction
from leaddesk.services.importing.rows import IDENTIFYING_FIELDS, LeadDraft
from leaddesk.services.importing.saved_mappings import record_use, save_mapping
from leaddesk.services.importing.store import ChunkResult, LeadWriter
from leaddesk.services.importing.table import Table
from leaddesk.services.importing.worker import ConversionJob, ConversionWorker, convert_here
from leaddesk.services.playbook import load_playbook
from leaddesk.services.post_import_jobs import queue_post_import_job

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]

# Rows converted and written per bulk lookup and executemany.
CHUNK_ROWS = 1000

# At most one progress call per this many seconds, apart from the first and the last.
PROGRESS_INTERVAL_SECONDS = 0.1

# Rows read from the file to recognize LinkedIn URL columns when suggesting a mapping.
MAPPING_SAMPLE_ROWS = 20

# Footer lines named in the warning about them; the report lists every one.
FOOTERS_LISTED = 5

# New leads older than this on arrival suggest a list that should be imported as history.
OLD_LEAD_AGE = timedelta(days=30)


@dataclass(frozen=True)
class _Options:
    mapping: Mapping[str, str] | None
    policy: ImportPolicy
    historical: bool
    dry_run: bool
    now: datetime
    actor: str | None
    encoding: str | None
    header_row: int | None
    sheet: str | None
    fill_merged: bool
    log_activities: bool
    remember_mapping: bool
    rejected_target: RejectedTarget | None = None


def run_import(
    database: Database,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    policy: ImportPolicy | None = None,
    historical: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    fill_merged: bool = False,
    log_activities: bool = True,
    remember_mapping: bool = True,
    rejected_target: RejectedTarget | Path | str | None = None,
) -> ImportReport:
    """Import the leads of a CSV or workbook file in one transaction, recorded as an ImportBatch.

    mapping sends headers to lead fields or "custom:<key>"; headers it leaves out are kept
    as custom fields. With mapping None, a file LeadDesk exported is read column for
    column, and other files use the mapping saved for their header row, else the suggested one.
    A mapping passed in is saved for the header row unless dry_run or not remember_mapping.
    Rows match existing leads by normalized e-mail, then external id, then phone digits,
    then identity (names, company, phone, LinkedIn URL), and policy decides whether a match
    is updated, skipped or ignored (see ImportPolicy). Every field an update changes is
    recorded with its value before, for undo_import. historical leads get no response
    deadline. dry_run does everything and rolls it back. now (timezone-aware) is the import
    time and the received_at of rows without a date. progress gets (fraction, message) at
    most about ten times a second. Setting cancel rolls everything back and raises
    ImportCancelled. fill_merged copies the value of each merged cell range of a workbook
    into every cell of the range, as preview_file shows it. log_activities adds one "import"
    activity per created lead. Rejected rows are written to rejected_target as they arrive
    (see RejectedRowsFile). With None they are only counted, and the report keeps the first.

    Raises ImportFileError for a file that cannot be read or a rejected_target that cannot be
    written, and MappingError for a bad mapping.
    """
    options = _options(
        mapping, policy, historical, dry_run, now, actor, encoding, header_row, sheet, fill_merged,
        log_activities, remember_mapping,
    )
    options = replace(options, rejected_target=as_rejected_target(rejected_target))
    return _run(database, Path(path), options, progress, cancel, outcomes=None)


def plan_import(
    database: Database,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    policy: ImportPolicy | None = None,
    historical: bool = False,
    now: datetime | None = None,
    actor: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    fill_merged: bool = False,
    rejected_target: RejectedTarget | Path | str | None = None,
) -> ImportPlan:
    """Work out what run_import would do with each row, without storing anything.

    The whole import runs in a transaction that is rolled back, so the plan reads exactly
    the leads the import would read. Arguments are those of run_import. The plan lists every row
    in file order: created, updated (which lead, matched how, which fields), skipped (why)
    or rejected (why), and which rows repeat an earlier row's lead.
    """
    options = _options(
        mapping, policy, historical, True, now, actor, encoding, header_row, sheet, fill_merged, True, False
    )
    options = replace(options, rejected_target=as_rejected_target(rejected_target))
    outcomes: list[PlannedRow] = []
    report = _run(database, Path(path), options, progress, cancel, outcomes=outcomes)
    outcomes.sort(key=lambda planned: planned.row)
    return ImportPlan(report=report, rows=outcomes)


def _options(
    mapping, policy, historical, dry_run, now, actor, encoding, header_row, sheet, fill_merged,
    log_activities, remember_mapping,
) -> _Options:
    now = now or utc_now()
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no timezone; pass an aware datetime such as utc_now()")
    return _Options(
        mapping=mapping,
        policy=policy or ImportPolicy(),
        historical=historical,
        dry_run=dry_run,
        now=now,
        actor=actor,
        encoding=encoding,
        header_row=header_row,
        sheet=sheet,
        fill_merged=fill_merged,
        log_activities=log_activities,
        remember_mapping=remember_mapping,
    )


def _run(
    database: Database,
    path: Path,
    options: _Options,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    *,
    outcomes: list[PlannedRow] | None,
) -> ImportReport:
    try:
        return _run_once(database, path, options, progress, cancel, outcomes=outcomes, evidence=None)
    except DateOrderChanged as changed:
        logger.info(
            "%s: the whole date column gives another day/month order than its first rows, so it is imported again",
            path.name,
        )
        if outcomes is not None:
            outcomes.clear()
        return _run_once(database, path, options, progress, cancel, outcomes=outcomes, evidence=changed.evidence)


def _run_once(
    database: Database,
    path: Path,
    options: _Options,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    *,
    outcomes: list[PlannedRow] | None,
    evidence: dict[int, DayMonthEvidence] | None,
) -> ImportReport:
    """Run the import once; with evidence None, the date order comes from a sample and may raise DateOrderChanged."""
    clock_start = time.perf_counter()
    reporter = _ProgressReporter(progress)
    reporter.send(0.0, f"reading {path.name}", force=True)
    # A worker for a large text file imports its modules while this process opens and samples the file.
    worker = ConversionWorker.start_for(path)
    try:
        run = _ImportRun(database, path, options, reporter, cancel, outcomes, evidence)
        with fewer_collections():
            report = _open_and_import(run, worker)
    finally:
        if worker is not None:
            worker.close()
    report.seconds = round(time.perf_counter() - clock_start, 3)
    reporter.send(1.0, _summary(report), force=True)
    logger.info(
        "imported %s: %d created, %d updated, %d skipped, %d rejected in %.1f s (batch %s)",
        path.name, report.created, report.updated, report.skipped, report.rejected, report.seconds, report.batch_id,
    )
    return report


@dataclass(frozen=True)
class _ImportRun:
    """The inputs of one import pass, handed from opening the file to writing its rows."""

    database: Database
    path: Path
    options: _Options
    reporter: _ProgressReporter
    cancel: threading.Event | None
    outcomes: list[PlannedRow] | None
    # None samples the date order from the file, which may raise DateOrderChanged.
    evidence: dict[int, DayMonthEvidence] | None


def _open_and_import(run: _ImportRun, worker: ConversionWorker | None) -> ImportReport:
    """Open the file as a table, then import it; return the report without its time."""
    path, options = run.path, run.options
    table = open_table(
        path,
        encoding=options.encoding,
        header_row=options.header_row,
        sheet=options.sheet,
        fill_merged=options.fill_merged,
        # The row stream finds the repairs while the rows are converted, so the file is read once.
        scan=False,
    )
    width = len(table.headers) - annotation_width(table.headers)
    headers = list(table.headers[:width])
    report = ImportReport(
        path=str(path),
        sha256=table.sha256,
        encoding=table.encoding,
        mapping={},
        dry_run=options.dry_run,
        historical=options.historical,
        delimiter=table.delimiter,
        header_row=table.header_row,
        sheet=table.sheet,
        activities_logged=options.log_activities,
        warnings=list(table.warnings),
        headers=headers,
        policy=options.policy.to_dict(),
    )
    if width < len(table.headers):
        report.warnings.append(
            "the last two columns, row and reason, come from a rejected-rows file and are not imported"
        )
    logger.info(
        "importing %s (sha256 %s, dry run %s, historical %s, %s)",
        path, table.sha256[:12], options.dry_run, options.historical, options.policy.describe(),
    )

    if worker is not None and not worker.reads(table):
        worker.close()
        worker = None
    # The file of rejected rows is put in place only after the transaction has committed.
    with RejectedRowsFile(options.rejected_target, report) as rejected_rows:
        _import_table(run, table, width, report, worker, rejected_rows)
    return report


def _import_table(
    run: _ImportRun,
    table: Table,
    width: int,
    report: ImportReport,
    worker: ConversionWorker | None,
    rejected_rows: RejectedRowsFile,
) -> None:
    """Choose the columns, then convert and write every row in one transaction, which commits at the end."""
    database, path, options, outcomes, evidence = run.database, run.path, run.options, run.outcomes, run.evidence
    with database.session() as session:
        choice = choose_columns(session, report.headers, options.mapping, read_sample(table, MAPPING_SAMPLE_ROWS))
        _apply_choice(report, choice)
        _require_identifying_column(path, choice)
        sampled = evidence is None
        if evidence is None:
            evidence = sample_evidence(table, choice.plan)
        date_warnings_at = len(report.warnings)
        playbook = load_playbook(session)
        _warn_if_imported_before(session, table.sha256, report)
        batch = ImportBatch(
            file_name=str(path.resolve()),
            sha256=table.sha256,
            started_at=options.now,
            historical=options.historical,
            column_mapping=dict(choice.plan.mapping),
            imported_by=options.actor,
            policy=options.policy.to_dict(),
        )
        session.add(batch)
        session.flush()

        job = ConversionJob(
            open_rows=table.open_rows,
            plan=choice.plan,
            zone=playbook.calendar.zone,
            today=options.now.astimezone(playbook.calendar.zone).date(),
            evidence=evidence,
            segment_keys=frozenset(rule.key for rule in playbook.segments),
            chunk_rows=CHUNK_ROWS,
            trim_to=width if width < len(table.headers) else None,
        )
        writer = LeadWriter(
            session,
            batch_id=batch.id,
            now=options.now,
            actor=options.actor,
            playbook=playbook,
            historical=options.historical,
            log_activities=options.log_activities,
            source_label=path.name,
            policy=options.policy,
            outcomes=outcomes,
        )
        end: list[ConversionEnd] = []
        chunks = worker.chunks(job, end) if worker is not None else convert_here(job, end)
        with closing(chunks):
            _import_rows(chunks, writer, report, rejected_rows, run.reporter, run.cancel, outcomes)
        rejected_rows.close()
        seen_evidence = end[0].seen_evidence
        _skip_footers(report, end[0].footers, outcomes)
        if not options.dry_run:
            # A dry run rolls back, which restores any index the writer dropped.
            writer.finish()
        report.warnings.extend(stage_notes(writer))
        report.warnings.extend(end[0].label_warnings)
        _check_cancel(run.cancel)
        if sampled and order_changed(evidence, seen_evidence):
            raise DateOrderChanged(seen_evidence)
        report.warnings[date_warnings_at:date_warnings_at] = date_warnings(table.headers, seen_evidence)
        if table.repair_warnings_at is not None:
            # report.warnings begins with a copy of table.warnings, where these belong.
            at = table.repair_warnings_at
            report.warnings[at:at] = end[0].repair_warnings or []
        _finish_batch(session, batch, report, options, path, choice)
        if report.batch_id:
            # Derived values, match keys, routing and scores run after the summary as a resumable
            # job (post_import_jobs), queued in this transaction so that it commits with the batch.
            queue_post_import_job(session, batch.id, options.now, options.historical)


def _apply_choice(report: ImportReport, choice: ColumnChoice) -> None:
    report.mapping = dict(choice.plan.mapping)
    report.mapping_source = choice.source
    report.saved_mapping_at = choice.saved_at
    report.warnings.extend(choice.notes)
    report.warnings.extend(plan_warnings(choice.plan))


def _require_identifying_column(path: Path, choice: ColumnChoice) -> None:
    """Raise ImportFileError when no column maps to a field that identifies a lead (IDENTIFYING_FIELDS)."""
    if choice.plan.columns_by_field.keys().isdisjoint(IDENTIFYING_FIELDS):
        raise ImportFileError(
            f"{path.name}: no column maps to a name, e-mail, phone, company or external id, so nothing was "
            "imported; map a column to one of them with --map HEADER=FIELD, or choose a file of leads"
        )


def _finish_batch(
    session: Session, batch: ImportBatch, report: ImportReport, options: _Options, path: Path, choice: ColumnChoice
) -> None:
    batch.created_count = report.created
    batch.updated_count = report.updated
    batch.skipped_count = report.skipped
    batch.rejected_count = report.rejected
    batch.finished_at = utc_now()
    if report.rows_read == report.empty_rows:
        report.warnings.append(f"{path.name}: the file has a header but no data rows, so nothing was imported")
    if not options.historical:
        _warn_if_old_list(session, batch.id, options.now, report)

    if options.dry_run:
        session.rollback()
        return
    if options.mapping is not None and options.remember_mapping and choice.source == "explicit":
        save_mapping(session, report.headers, choice.plan.mapping, now=options.now, source_name=path.name)
    elif choice.source == "saved":
        record_use(session, report.headers)
    session.flush()
    report.batch_id = str(batch.id)


def _import_rows(
    chunks: Iterable[ConvertedChunk],
    writer: LeadWriter,
    report: ImportReport,
    rejected_rows: RejectedRowsFile,
    reporter: _ProgressReporter,
    cancel: threading.Event | None,
    outcomes: list[PlannedRow] | None,
) -> None:
    """Record each chunk's rejected and empty rows, and write its drafts."""
    for chunk in chunks:
        report.rows_read += chunk.rows_read
        for rejected in chunk.rejected:
            _reject(rejected_rows, rejected, outcomes)
        report.skipped += len(chunk.empty_rows)
        report.empty_rows += len(chunk.empty_rows)
        if outcomes is not None:
            outcomes.extend(
                PlannedRow(row=number, action=RowAction.SKIP, reason="the row is empty") for number in chunk.empty_rows
            )
        # A chunk of rejected rows alone is checked and reported too, so that a file of bad rows can be cancelled.
        _check_cancel(cancel)
        if chunk.drafts:
            first_outcome = len(outcomes) if outcomes is not None else 0
            _add_counts(report, writer.write(chunk.drafts))
            if outcomes is not None:
                _add_chosen_values(outcomes[first_outcome:], chunk.drafts)
        reporter.send(chunk.fraction, f"{report.rows_read:,} rows read")


def _add_chosen_values(planned_rows: list[PlannedRow], drafts: list[LeadDraft]) -> None:
    """Copy each draft's phone and e-mail to the planned rows of its row number."""
    by_row = {draft.row: draft.fields for draft in drafts}
    for planned in planned_rows:
        fields = by_row.get(planned.row)
        if fields is not None:
            planned.phone = fields.get("phone") or ""
            planned.email = fields.get("email") or ""


def _skip_footers(report: ImportReport, footers: list[TrailingFooter], outcomes: list[PlannedRow] | None) -> None:
    """Count the footer lines under the last data row as skipped, and name them in a warning."""
    if not footers:
        return
    reason = "the row is a footer or note line under the data, not a lead"
    for footer in footers:
        report.skipped += 1
        report.footer_rows.append(RejectedRow(row=footer.row, column="", value=footer.value, reason=reason))
        if outcomes is not None:
            outcomes.append(PlannedRow(row=footer.row, action=RowAction.SKIP, reason=reason, value=footer.value))
    listed = ", ".join(f"row {row.row} {row.value!r}" for row in report.footer_rows[:FOOTERS_LISTED])
    more = f" and {len(report.footer_rows) - FOOTERS_LISTED} more" if len(report.footer_rows) > FOOTERS_LISTED else ""
    report.warnings.append(
        f"{_lines(len(footers))} under the data read as a report footer or note, not leads, and "
        f"{'was' if len(footers) == 1 else 'were'} skipped: {listed}{more}"
    )


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count} lines"


def _reject(rejected_rows: RejectedRowsFile, rejected: RejectedRow, outcomes: list[PlannedRow] | None) -> None:
    rejected_rows.add(rejected)
    if outcomes is not None:
        outcomes.append(
            PlannedRow(
                row=rejected.row,
                action=RowAction.REJECT,
                reason=rejected.reason,
                column=rejected.column,
                value=rejected.value,
            )
        )


def _warn_if_imported_before(session: Session, sha256: str, report: ImportReport) -> None:
    query = (
        select(ImportBatch.started_at)
        .where(ImportBatch.sha256 == sha256)
        .where(ImportBatch.finished_at.is_not(None))
        .where(ImportBatch.undone_at.is_(None))
        .order_by(ImportBatch.started_at.desc())
        .limit(1)
    )
    previous = session.execute(query).scalar_one_or_none()
    if previous is not None:
        report.warnings.append(
            f"this file was imported before, on {previous:%Y-%m-%d %H:%M} UTC; "
            "rows that match existing leads are updated or skipped, not added again"
        )


def _warn_if_old_list(session: Session, batch_id, now: datetime, report: ImportReport) -> None:
    """Suggest a historical import when most new leads arrived long ago and are already overdue."""
    if report.created == 0:
        return
    session.flush()
    cutoff = now - OLD_LEAD_AGE
    old = session.scalar(
        select(func.count())
        .select_from(Lead)
        .where(Lead.import_batch_id == batch_id, Lead.received_at < cutoff, Lead.response_due_at < now)
    )
    if old and old * 2 > report.created:
        report.warnings.append(
            f"{old} of {report.created} new leads arrived more than {OLD_LEAD_AGE.days} days ago and are "
            "overdue at once; to import an old list without response clocks, import it again as history "
            "(--historical, or the history checkbox in the import dialog)"
        )


def stage_notes(writer: LeadWriter) -> list[str]:
    """Return the notes on stages that the import set or kept on leads past "new"."""
    notes = []
    closed = len(writer.stage_closed_ids)
    if closed:
        notes.append(f"stage set to won, lost or disqualified on {_leads(closed, 'was', 'were')} past new")
    kept = len(writer.stage_kept_ids)
    if kept:
        notes.append(
            f"stage kept on {_leads(kept, 'is', 'are')} past new; an import changes the stage of such a lead "
            "only to won, lost or disqualified, so change other stages in LeadDesk"
        )
    return notes


def _leads(count: int, singular_verb: str, plural_verb: str) -> str:
    return f"1 lead that {singular_verb}" if count == 1 else f"{count} leads that {plural_verb}"


def _add_counts(report: ImportReport, result: ChunkResult) -> None:
    report.created += result.created
    report.updated += result.updated
    report.skipped += result.skipped
    report.duplicates += result.duplicates
    if result.matched_deleted:
        logger.info("%d rows match deleted leads and were skipped", result.matched_deleted)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        logger.info("import cancelled; rolling back")
        raise ImportCancelled("the import was cancelled; nothing was stored")


def _summary(report: ImportReport) -> str:
    return (
        f"{report.created} created, {report.updated} updated, "
        f"{report.skipped} skipped, {report.rejected} rejected"
    )


class _ProgressReporter:
    """A throttle in front of the caller's progress callback.

    Calls closer together than PROGRESS_INTERVAL_SECONDS are dropped, except forced ones
    such as the first and the last.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._last = float("-inf")

    def send(self, fraction: float, message: str, *, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        self._callback(min(max(fraction, 0.0), 1.0), message)
