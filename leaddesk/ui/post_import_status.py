"""The post-import job in the window: runs it off the GUI thread with its progress in the status bar.

Each step of a job (post_import_jobs.STEP_LEADS leads, one transaction) is a task of its
own on the runner's write lane, so the user's edits run between steps instead of waiting
for the whole job. Pause stops after the running step; Resume, the next import or the next
start of the window continues where it stopped.
"""

from __future__ import annotations

import logging
import uuid

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton, QWidget

from leaddesk.services.post_import_jobs import PostImportJob, PostImportRunner, overall_progress, pending_jobs
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

OBJECT_NAME = "postImportStatus"


class PostImportStatus(QWidget):
    """A label, a progress bar and a Pause/Resume button for the queued post-import jobs."""

    # Emitted with the fraction done (0 to 1) after each step.
    progressed = Signal(float)
    # Emitted when no job is left, so the inbox can show the new owners and scores.
    finished = Signal()
    # Emitted when a pause took effect after the running step.
    paused = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(OBJECT_NAME)
        self.runner = runner
        self.jobs = PostImportRunner(runner.database)
        self.running = False
        self._pause_requested = False
        # The latest state of each job of this run, for the overall fraction.
        self._latest: dict[uuid.UUID, PostImportJob] = {}
        self._queue: list[uuid.UUID] = []

        self.label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.setTextVisible(False)
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.pause_button.setToolTip(self.tr("Stop after the current step; the work resumes later where it stopped."))
        self.pause_button.clicked.connect(self._on_pause_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.pause_button)
        self.hide()

    def start(self) -> None:
        """Run every queued job, oldest first; a call while jobs run adds the newly queued ones."""
        self._pause_requested = False
        if self.running:
            self.runner.read(pending_jobs, on_success=self._add_jobs, description=self.tr("list the post-import work"))
            return
        self.running = True
        self.runner.read(pending_jobs, on_success=self._begin, on_failure=self._on_failed, description=self.tr("list the post-import work"))

    def pause(self) -> None:
        """Stop after the step that is running; the jobs stay queued."""
        if self.running:
            self._pause_requested = True
            self.pause_button.setEnabled(False)
            self.label.setText(self.tr("Pausing after the current step..."))

    def fraction(self) -> float:
        return overall_progress(list(self._latest.values()))[1]

    def _closed(self) -> bool:
        # A read or a step can end after the dialog or window that held this widget closed.
        # The jobs then stay queued for the next start.
        return not (shiboken6.isValid(self) and shiboken6.isValid(self.pause_button))

    def _begin(self, jobs: list[PostImportJob]) -> None:
        if self._closed():
            return
        self._latest = {job.batch_id: job for job in jobs}
        self._queue = [job.batch_id for job in jobs]
        if not self._queue:
            self.running = False
            self.hide()
            return
        self.pause_button.setText(self.tr("Pause"))
        self.pause_button.setEnabled(True)
        self._show_progress()
        self.show()
        self._next_step()

    def _add_jobs(self, jobs: list[PostImportJob]) -> None:
        if self._closed():
            return
        for job in jobs:
            if job.batch_id not in self._latest:
                self._latest[job.batch_id] = job
                self._queue.append(job.batch_id)
        self._show_progress()

    def _next_step(self) -> None:
        if self._pause_requested:
            self._stop_paused()
            return
        if not self._queue:
            self._finish()
            return
        batch_id = self._queue[0]
        jobs = self.jobs
        self.runner.job(
            lambda _database: jobs.step(batch_id),
            on_success=lambda job: self._on_step(batch_id, job),
            on_failure=self._on_failed,
            description=self.tr("enrich and score the imported leads"),
        )

    def _on_step(self, batch_id: uuid.UUID, job: PostImportJob | None) -> None:
        if self._closed():
            return
        if job is None or job.finished:
            self._queue.remove(batch_id)
        if job is not None:
            self._latest[batch_id] = job
        self._show_progress()
        self._next_step()

    def _show_progress(self) -> None:
        leads, fraction = overall_progress(list(self._latest.values()))
        if leads:
            self.label.setText(
                self.tr("Enriching and scoring {count} imported leads: {percent}%").format(
                    count=f"{leads:,}", percent=f"{fraction * 100:.0f}"
                )
            )
        else:
            self.label.setText(self.tr("Enriching and scoring the imported leads..."))
        self.progress_bar.setValue(round(fraction * 1000))
        self.progressed.emit(fraction)

    def _stop_paused(self) -> None:
        self.running = False
        remaining = sum(job.remaining or 0 for job in self._latest.values() if not job.finished)
        unenriched = sum(job.unenriched for job in self._latest.values() if not job.finished)
        if unenriched:
            self.label.setText(
                self.tr("Paused: {enrich} imported leads still to enrich, then {count} to route and score.").format(
                    enrich=f"{unenriched:,}", count=f"{remaining:,}"
                )
            )
        else:
            self.label.setText(
                self.tr("Paused: {count} imported leads still to enrich and score.").format(count=f"{remaining:,}")
            )
        self.pause_button.setText(self.tr("Resume"))
        self.pause_button.setEnabled(True)
        logger.info("post-import work paused by the user with %d leads to go", remaining)
        self.paused.emit()

    def _finish(self) -> None:
        self.running = False
        self.hide()
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(self.tr("The imported leads are enriched, routed and scored."), 8000)
        self.finished.emit()

    def _on_failed(self, error: Exception) -> None:
        # The job keeps its error and stays queued; Resume tries the failed step again.
        if self._closed():
            logger.warning("post-import work failed after its status widget closed: %s", error)
            return
        self.running = False
        self.label.setText(self.tr("Enriching and scoring the imported leads failed: {error}").format(error=error))
        self.pause_button.setText(self.tr("Retry"))
        self.pause_button.setEnabled(True)
        self.show()

    def _on_pause_clicked(self) -> None:
        if self.running:
            self.pause()
        else:
            self.start()


def post_import_status(window: QMainWindow, runner: TaskRunner) -> PostImportStatus:
    """Return the window's post-import status widget, adding it to the status bar the first time.

    Its finished signal refreshes the window when the window has a refresh() method.
    """
    found = window.findChild(PostImportStatus, OBJECT_NAME)
    if found is not None:
        return found
    status = PostImportStatus(runner, window)
    window.statusBar().addPermanentWidget(status)
    refresh = getattr(window, "refresh", None)
    if callable(refresh):
        status.finished.connect(refresh)
    return status
