"""Database work off the GUI thread, with callbacks on the GUI thread.

Reads run on a small pool. Writes and long jobs (imports) share one single-thread pool,
the write lane, so two writes of one window never race for SQLite's write lock. Each read or write
gets its own session, opened and closed inside the worker; callbacks receive plain values.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy.orm import Session

from leaddesk.services.database import Database, DatabaseError
from leaddesk.services.lead_actions import LeadActionError

logger = logging.getLogger(__name__)

T = TypeVar("T")

SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[Exception], None]

READ_THREADS = 2

# Errors whose message is written for the user. Any other error is a bug and gets a traceback in the log.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (LeadActionError, DatabaseError, ValueError, OSError)


@dataclass
class _Pending:
    on_success: SuccessCallback | None
    on_failure: FailureCallback | None
    description: str


class _Task(QRunnable):
    def __init__(self, task_id: int, work: Callable[[], Any], runner: TaskRunner) -> None:
        super().__init__()
        self._task_id = task_id
        self._work = work
        self._runner = runner

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:  # noqa: BLE001 - every failure is delivered to the GUI thread
            self._deliver(False, error)
            return
        self._deliver(True, result)

    def _deliver(self, ok: bool, payload: Any) -> None:
        try:
            self._runner.finished.emit(self._task_id, ok, payload)
        except RuntimeError:
            # The runner was deleted while this task ran, as when the program quits without
            # closing its window, so no callback remains to receive the result.
            logger.debug("task %d finished after its runner was deleted", self._task_id)


class ProgressRelay(QObject):
    """Carries (fraction, message) progress from a worker thread to the GUI thread through a queued signal."""

    progressed = Signal(float, str)


class TaskRunner(QObject):
    """Run database work off the GUI thread and call back on the GUI thread.

    With synchronous=True the work runs inline and callbacks fire before the call returns,
    for tests of code that takes a runner.
    """

    # Emitted from worker threads; the queued connection delivers it on the runner's thread.
    finished = Signal(int, bool, object)

    def __init__(self, database: Database, parent: QObject | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.database = database
        self.synchronous = synchronous
        self.error_parent: QWidget | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._shut_down = False

        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(READ_THREADS)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)

        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def read(
        self,
        work: Callable[[Session], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureCallback | None = None,
        description: str = "read",
    ) -> None:
        """Run work(session) on the read pool, in a session of its own."""
        self._submit(self._reads, self._in_session(work), on_success, on_failure, description)

    def write(
        self,
        work: Callable[[Session], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureCallback | None = None,
        description: str = "write",
    ) -> None:
        """Run work(session) on the write lane. The session commits if work returns."""
        self._submit(self._writes, self._in_session(work), on_success, on_failure, description)

    def job(
        self,
        work: Callable[[Database], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureCallback | None = None,
        description: str = "job",
    ) -> None:
        """Run work(database) on the write lane, for jobs that open their own sessions."""
        self._submit(self._writes, lambda: work(self.database), on_success, on_failure, description)

    def read_job(
        self,
        work: Callable[[Database], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureCallback | None = None,
        description: str = "read",
    ) -> None:
        """Run work(database) on the read pool, for reads that open their own sessions."""
        self._submit(self._reads, lambda: work(self.database), on_success, on_failure, description)

    def run_in_background(
        self,
        work: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureCallback | None = None,
        description: str = "task",
    ) -> None:
        """Run work() on the read pool, for work that reads files but not the database."""
        self._submit(self._reads, work, on_success, on_failure, description)

    def pending_count(self) -> int:
        return len(self._pending)

    def shut_down(self) -> None:
        """Drop work submitted from now on, wait for running work and deliver its results."""
        self._shut_down = True
        self.wait()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until both pools are idle, then deliver the results that are still queued."""
        done = self._reads.waitForDone(timeout_ms) and self._writes.waitForDone(timeout_ms)
        QCoreApplication.sendPostedEvents(self)
        return done

    def _in_session(self, work: Callable[[Session], T]) -> Callable[[], T]:
        def run_in_session() -> T:
            with self.database.session() as session:
                return work(session)

        return run_in_session

    def _submit(
        self,
        pool: QThreadPool,
        work: Callable[[], Any],
        on_success: SuccessCallback | None,
        on_failure: FailureCallback | None,
        description: str,
    ) -> None:
        if self._shut_down:
            logger.debug("dropped %s submitted after shut-down", description)
            return
        task_id = next(self._ids)
        self._pending[task_id] = _Pending(on_success, on_failure, description)
        if self.synchronous:
            try:
                result = work()
            except Exception as error:  # noqa: BLE001 - same contract as the threaded path
                self._deliver(task_id, False, error)
                return
            self._deliver(task_id, True, result)
            return
        pool.start(_Task(task_id, work, self))

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, ok: bool, payload: object) -> None:
        pending = self._pending.pop(task_id, None)
        if pending is None:
            return
        if ok:
            if pending.on_success is not None:
                pending.on_success(payload)
            return

        error = payload if isinstance(payload, Exception) else RuntimeError(str(payload))
        if isinstance(error, EXPECTED_ERRORS):
            logger.warning("%s failed: %s", pending.description, error)
        else:
            logger.error("%s failed", pending.description, exc_info=error)
        if pending.on_failure is not None:
            pending.on_failure(error)
        else:
            show_error(self.error_parent, pending.description, error)


def show_error(parent: QWidget | None, description: str, error: Exception) -> QMessageBox:
    """Show a non-blocking error box for a failed task and return it."""
    if isinstance(error, EXPECTED_ERRORS):
        text = str(error)
    else:
        text = QCoreApplication.translate(
            "TaskRunner", "Unexpected error: {error}. The log file has the details."
        ).format(error=error)
    box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("TaskRunner", "LeadDesk"), "", parent=parent)
    box.setText(QCoreApplication.translate("TaskRunner", "Could not {action}.").format(action=description))
    box.setInformativeText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
