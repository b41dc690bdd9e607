"""The lead's sequences in the detail pane: each enrolment with its step, and Enroll, Pause, Resume and Stop."""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.services.sequence_status import EnrollmentView, lead_enrollments
from leaddesk.services.sequences import Sequence, load_catalog
from leaddesk.ui.labels import weekday_time
from leaddesk.ui.tasks import TaskRunner

# Pixels: about three one-line rows. More enrolments scroll.
MAX_LIST_HEIGHT = 96


def describe(view: EnrollmentView, now: datetime) -> str:
    """Return one line for an enrolment, such as "New inbound lead: step 2 of 5: call, due Mon 09:00"."""
    text = f"{view.label}: {view.step_text()}"
    if view.status == "active" and view.next_step_at is not None:
        text += ", " + QCoreApplication.translate("SequencePanel", "due {when}").format(when=weekday_time(view.next_step_at, now))
    elif view.status == "paused":
        text += " " + QCoreApplication.translate("SequencePanel", "(paused: {reason})").format(reason=view.reason or "by hand")
    elif view.reason and view.status == "stopped":
        text += f" ({view.reason})"
    return text


class SequencePanel(QGroupBox):
    """Shows one lead's enrolments and emits a request for each button; the triage controller saves them."""

    enroll_requested = Signal(object, str)
    pause_requested = Signal(object, object)
    resume_requested = Signal(object, object)
    stop_requested = Signal(object, object)
    # Emitted after the list shows freshly loaded enrolments.
    loaded = Signal()

    def __init__(self, runner: TaskRunner, clock, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Sequences"), parent)
        self.runner = runner
        self.clock = clock
        self.lead_id: uuid.UUID | None = None
        self.views: list[EnrollmentView] = []
        self.catalog: tuple[Sequence, ...] = ()
        self._generation = 0

        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.list.setMaximumHeight(MAX_LIST_HEIGHT)
        self.empty_label = QLabel(self.tr("Not in a sequence"), self)
        self.enroll_button = QToolButton(self)
        self.enroll_button.setText(self.tr("Enroll"))
        self.enroll_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.enroll_menu = QMenu(self.enroll_button)
        self.enroll_button.setMenu(self.enroll_menu)
        # The size hint leaves out the menu arrow, which then covers the end of the text.
        arrow = self.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, self.enroll_button)
        self.enroll_button.setMinimumWidth(self.enroll_button.sizeHint().width() + arrow)
        # Tool buttons size to their text, so the row fits the narrow detail pane without a scroll bar.
        self.pause_button = QToolButton(self)
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button = QToolButton(self)
        self.resume_button.setText(self.tr("Resume"))
        self.stop_button = QToolButton(self)
        self.stop_button.setText(self.tr("Stop"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.enroll_button)
        buttons.addStretch(1)
        for button in (self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)

        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.pause_button.clicked.connect(lambda: self._emit_for_selected(self.pause_requested))
        self.resume_button.clicked.connect(lambda: self._emit_for_selected(self.resume_requested))
        self.stop_button.clicked.connect(lambda: self._emit_for_selected(self.stop_requested))
        self._fill([], ())

    def load(self, lead_id: uuid.UUID | None) -> None:
        """Read the lead's enrolments and the playbook's sequences, then show them."""
        self._generation += 1
        generation = self._generation
        self.lead_id = lead_id
        if lead_id is None:
            self._fill([], ())
            return

        def read(session: Session) -> tuple[list[EnrollmentView], tuple[Sequence, ...]]:
            catalog = load_catalog(session)
            return lead_enrollments(session, lead_id, catalog), catalog

        self.runner.read(read, on_success=lambda loaded: self._on_loaded(generation, *loaded), description="load the lead's sequences")

    def _on_loaded(self, generation: int, views: list[EnrollmentView], catalog: tuple[Sequence, ...]) -> None:
        if generation != self._generation:
            return
        self._fill(views, catalog)
        self.loaded.emit()

    def _fill(self, views: list[EnrollmentView], catalog: tuple[Sequence, ...]) -> None:
        selected = self.selected()
        self.views = views
        self.catalog = catalog
        now = self.clock()
        self.list.clear()
        for view in views:
            item = QListWidgetItem(describe(view, now), self.list)
            item.setData(Qt.ItemDataRole.UserRole, view.id)
            if view.status in ("finished", "stopped"):
                item.setForeground(Qt.GlobalColor.gray)
        self.list.setVisible(bool(views))
        self.empty_label.setVisible(not views)
        rows = [view.id for view in views]
        if selected is not None and selected.id in rows:
            self.list.setCurrentRow(rows.index(selected.id))
        elif views:
            self.list.setCurrentRow(0)

        self.enroll_menu.clear()
        busy = {view.sequence_key for view in views if view.status in ("active", "paused")}
        for sequence in catalog:
            action = self.enroll_menu.addAction(
                self.tr("{label} ({count} steps)").format(label=sequence.label, count=len(sequence.steps))
            )
            action.setEnabled(sequence.key not in busy)
            action.triggered.connect(lambda _checked=False, key=sequence.key: self._emit_enroll(key))
        self.enroll_button.setEnabled(self.lead_id is not None and bool(catalog))
        self.enroll_button.setToolTip("" if catalog else self.tr("The playbook defines no sequences."))
        self._update_buttons()

    def selected(self) -> EnrollmentView | None:
        row = self.list.currentRow()
        return self.views[row] if 0 <= row < len(self.views) else None

    def _update_buttons(self) -> None:
        view = self.selected()
        self.pause_button.setEnabled(view is not None and view.can_pause)
        self.resume_button.setEnabled(view is not None and view.can_resume)
        self.stop_button.setEnabled(view is not None and view.can_stop)

    def _emit_for_selected(self, signal) -> None:
        view = self.selected()
        if view is not None and self.lead_id is not None:
            signal.emit(self.lead_id, view.id)

    def _emit_enroll(self, key: str) -> None:
        if self.lead_id is not None:
            self.enroll_requested.emit(self.lead_id, key)
