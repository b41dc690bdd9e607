"""The Qt side of the scheduler: one single-shot timer for the next due event and a wall-clock watch.

The timer is armed for scheduler.check()'s next wake and re-armed after every check, so
nothing polls every second. The OS resume signal (logind on Linux, WM_POWERBROADCAST on
Windows), a periodic wall-clock check (every WALL_CLOCK_CHECK_MS) and the application
becoming active again catch sleep, clock changes and timezone changes, and trigger a
check that shows what fell due meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.services import escalation_schedule, scheduler
from leaddesk.services.clock_watch import ClockWatch
from leaddesk.services.notifications.notifier import Notification, Notifier
from leaddesk.models import Rep
from leaddesk.services.notifications.receipts import PRUNE_INTERVAL, prune_receipts
from leaddesk.services.notifications.preferences import NotifyPreferences, load_preferences, save_preferences
from leaddesk.services.playbook import load_playbook
from leaddesk.services.user_timezone import current_system_timezone
from leaddesk.ui.reminder_settings_dialog import ReminderSettingsDialog
from leaddesk.ui.resume_watch import ResumeWatch
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

WALL_CLOCK_CHECK_MS = 60_000
# Maximum delay of one arm. A timer due in weeks is re-armed after this, which also caps
# how long a missed wake (a clock that jumped backwards) can delay a reminder.
MAX_ARM = timedelta(hours=1)
# Delay of the next check when a check returns a wake that is not in the future.
PAST_WAKE_RETRY = timedelta(seconds=30)


class ReminderTimer(QObject):
    """Run scheduler checks on the write lane and post their notifications through notifier."""

    # Emitted after each check with its scheduler.CheckResult.
    checked = Signal(object)
    # Emitted with each Notification that was posted.
    notified = Signal(object)
    # Emitted with how many notification records a prune deleted.
    pruned = Signal(int)
    # Emitted with the new IANA name when the wall-clock check detects a change of the user's timezone.
    zone_changed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        notifier: Notifier,
        user: str,
        clock: Callable[[], datetime],
        zone_name: Callable[[], str] = current_system_timezone,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
        resume_bus: str | None = "SYSTEM",
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.notifier = notifier
        self.user = user
        self.clock = clock
        self.zone_name = zone_name
        self.next_wake: datetime | None = None
        self.settings_dialog: ReminderSettingsDialog | None = None
        self._checking = False
        self._check_again = False
        self._past_wake_logged = False
        self._monotonic = monotonic
        self._pruned_at = monotonic()
        self.watch = ClockWatch(clock, zone_name, monotonic)

        self.wake_timer = QTimer(self)
        self.wake_timer.setSingleShot(True)
        # A coarse timer may fire 5% of its interval late (3 minutes on a one-hour arm), which
        # would make an on-time reminder look like a catch-up.
        self.wake_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.wake_timer.timeout.connect(self.check_now)

        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WALL_CLOCK_CHECK_MS)
        self.watch_timer.timeout.connect(self.watch_clock)

        # resume_bus is the D-Bus address logind signals on; None turns the OS resume signal off.
        self.resume_watch = ResumeWatch(resume_bus, self)
        self.resume_watch.resumed.connect(self.on_resumed)

        application = QGuiApplication.instance()
        if isinstance(application, QGuiApplication):
            # Qt has no portable resume signal; becoming active again is the closest it offers.
            application.applicationStateChanged.connect(self._on_application_state)

    def start(self) -> None:
        self.watch_timer.start()
        source = self.resume_watch.start()
        logger.info("OS resume signal: %s", source)
        self.check_now()
        self.prune_receipts()

    def prune_receipts(self) -> None:
        """Delete the user's notification records that no check needs any more, on the write lane."""
        self._pruned_at = self._monotonic()
        user = self.user
        self.runner.write(
            lambda session: prune_receipts(session, user),
            on_success=self.pruned.emit,
            on_failure=lambda error: logger.warning("pruning notification records of %s failed: %s", user, error),
            description="prune notification records",
        )

    def stop(self) -> None:
        self.wake_timer.stop()
        self.watch_timer.stop()
        self.resume_watch.stop()

    def on_resumed(self) -> None:
        """Catch up at once after the OS reports a resume, without waiting for the wall-clock check."""
        # Observing now keeps the next wall-clock check from reporting the same sleep again.
        jump = self.watch.observe()
        slept = jump.jump if jump is not None else "an unknown time"
        logger.info("the OS reported a resume after %s asleep; checking reminders", slept)
        self.check_now()

    def watch_clock(self) -> None:
        """Check at once when the wall clock jumped or the timezone changed since the last look."""
        if self._monotonic() - self._pruned_at >= PRUNE_INTERVAL.total_seconds():
            self.prune_receipts()
        jump = self.watch.observe()
        if jump is None:
            return
        if jump.zone_changed:
            logger.info("timezone changed from %s to %s; checking reminders", jump.old_zone, jump.new_zone)
            self.zone_changed.emit(jump.new_zone)
        else:
            logger.info("wall clock jumped by %s (sleep or clock change); checking reminders", jump.jump)
        self.check_now()

    def check_now(self) -> None:
        """Show what is due and re-arm the timer. Data changes call this too."""
        if self._checking:
            # One check at a time; a change during a check gets one more check after it.
            self._check_again = True
            return
        self._checking = True
        now = self.clock()
        user = self.user
        zone_name = self.zone_name()

        def work(session: Session) -> scheduler.CheckResult | None:
            playbook = load_playbook(session)
            # Due escalation steps run first, so this check already shows them. Each task runs
            # one bounded chunk. None requests another task, which queues behind the writes
            # that arrived meanwhile (post-import steps, undos).
            chunk = escalation_schedule.run_due_escalation_chunk(session, playbook, now)
            if chunk.more_due:
                return None
            preferences = load_preferences(session, user, zone_name)
            result = scheduler.check(session, preferences, now, playbook.calendar)
            return escalation_schedule.with_escalation_wake(result, chunk.next_at)

        self.runner.write(
            work,
            on_success=lambda result: self._on_checked(result, now),
            on_failure=self._on_check_failed,
            description="check reminders",
        )

    def _on_checked(self, result: scheduler.CheckResult | None, now: datetime) -> None:
        self._checking = False
        if result is None:
            # More escalation steps are due: run the next chunk as a new task at the end of the write lane.
            self._check_again = False
            self.check_now()
            return
        if result.notification is not None:
            self._post(result.notification)
        self._arm(result.next_wake, now)
        self.checked.emit(result)
        if self._check_again:
            self._check_again = False
            self.check_now()

    def _on_check_failed(self, error: Exception) -> None:
        self._checking = False
        # A busy database (a long import) is retried at the next wall-clock check.
        logger.warning("reminder check failed: %s", error)
        self._arm(None, self.clock())

    def _post(self, notification: Notification) -> None:
        if self.notifier.post(notification):
            self.notified.emit(notification)
        else:
            logger.warning("no notifier could show %r", notification.title)

    def _arm(self, next_wake: datetime | None, now: datetime) -> None:
        self.next_wake = next_wake
        delay = scheduler.arm_delay(next_wake, now, MAX_ARM)
        if next_wake is not None and next_wake <= now:
            # A check claims everything due by now, so a wake at or before now would only
            # repeat the same check in a loop.
            if not self._past_wake_logged:
                logger.warning("next wake %s is not after the check at %s; checking again in %s", next_wake, now, PAST_WAKE_RETRY)
                self._past_wake_logged = True
            delay = PAST_WAKE_RETRY
        else:
            self._past_wake_logged = False
        self.wake_timer.start(int(delay.total_seconds() * 1000))

    def open_settings(self, parent: QWidget) -> None:
        """Show the reminder settings; saving them re-checks with the new settings."""
        user, zone_name = self.user, self.zone_name()

        def load(session: Session) -> tuple[NotifyPreferences, list[str]]:
            names = list(session.scalars(select(Rep.name).where(Rep.active.is_(True)).order_by(Rep.name)))
            return load_preferences(session, user, zone_name), names

        self.runner.read(load, on_success=lambda loaded: self._show_settings(parent, *loaded), description="load reminder settings")

    def _show_settings(self, parent: QWidget, current: NotifyPreferences, rep_names: list[str]) -> None:
        dialog = ReminderSettingsDialog(current, rep_names, parent)
        self.settings_dialog = dialog

        def save() -> None:
            chosen = dialog.preferences()
            self.runner.write(
                lambda session: save_preferences(session, chosen),
                on_success=lambda _result: self.check_now(),
                description="save reminder settings",
            )

        dialog.accepted.connect(save)
        dialog.open()

    def _on_application_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.watch_clock()
