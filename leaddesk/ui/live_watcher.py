"""Deliver PostgreSQL's live lead-change notifications to the GUI thread, batched over a short pause."""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QObject, QTimer, Signal

from leaddesk.services.database import Database
from leaddesk.services.live_changes import LeadChangeListener, LeadChangeNotice, install_change_trigger
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Notifications arriving within this pause are handed to the window as one batch, so an
# import of many statements causes one refresh.
BATCH_MS = 300


class LiveChangeBatch:
    """The leads changed by the notifications of one batch, and whether that list is complete."""

    def __init__(self) -> None:
        self.lead_ids: list[uuid.UUID] = []
        self.people: set[str] = set()
        self.count = 0
        self.complete = True

    def add(self, notice: LeadChangeNotice) -> None:
        for lead_id in notice.lead_ids:
            if lead_id not in self.lead_ids:
                self.lead_ids.append(lead_id)
        self.people.update(notice.people)
        self.count += notice.count
        self.complete = self.complete and notice.complete


class LiveChangesWatcher(QObject):
    """Installs the NOTIFY trigger on the write lane, then listens on a thread of its own.

    Emits changed with a LiveChangeBatch on the GUI thread, and unavailable with the reason
    when the trigger cannot be created or the connection fails.
    """

    # Emitted from the listener thread; the queued connection carries it to the GUI thread.
    _received = Signal(object)
    _connection_failed = Signal(str)
    changed = Signal(object)
    unavailable = Signal(str)
    # Emitted once the listener is running.
    started = Signal()

    def __init__(self, runner: TaskRunner, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.database = database
        self.listener: LeadChangeListener | None = None
        # Set by stop(), so a trigger install that finishes after it starts no listener.
        self._stopped = False
        self._batch = LiveChangeBatch()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self._deliver)
        self._received.connect(self._on_received)
        self._connection_failed.connect(self.unavailable)

    def start(self) -> None:
        self.runner.job(
            lambda database: install_change_trigger(database.engine),
            on_success=lambda _result: self._listen(),
            on_failure=lambda error: self.unavailable.emit(str(error)),
            description="install the live-change trigger",
        )

    def _listen(self) -> None:
        if self._stopped:
            return
        self.listener = LeadChangeListener.for_engine(self.database.engine, self._emit_received, self._emit_failed)
        self.listener.start()
        self.started.emit()

    def _emit_received(self, notice: LeadChangeNotice) -> None:
        try:
            self._received.emit(notice)
        except RuntimeError:
            # The watcher was deleted while the listener thread still ran; nothing is left to update.
            logger.debug("dropped a lead change notification after the watcher was deleted")

    def _emit_failed(self, error: Exception) -> None:
        try:
            self._connection_failed.emit(str(error))
        except RuntimeError:
            logger.debug("dropped a listener error after the watcher was deleted: %s", error)

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self.listener is not None:
            self.listener.stop()

    def _on_received(self, notice: LeadChangeNotice) -> None:
        self._batch.add(notice)
        if not self._timer.isActive():
            self._timer.start()

    def _deliver(self) -> None:
        batch, self._batch = self._batch, LiveChangeBatch()
        logger.info("live changes: %d lead(s) by %s", batch.count, ", ".join(sorted(batch.people)) or "unknown")
        self.changed.emit(batch)
