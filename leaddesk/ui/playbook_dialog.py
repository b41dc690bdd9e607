"""The playbook settings dialog: calendar and SLA forms, the TOML text, and a routing simulator.

The forms and the text edit the same TOML. Save validates it with the same check as
`leaddesk playbook check` and stores it only when it has no errors.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.services.playbook import (
    PlaybookIssue,
    active_playbook_text,
    check_playbook,
    load_playbook,
    save_playbook_text,
    team_timezone,
)
from leaddesk.services.playbook.form import PlaybookForm, SegmentFields, read_form, write_form
from leaddesk.services.playbook.parser import WEEKDAYS
from leaddesk.services.routing import route_lead
from leaddesk.services.sla import start_response_clock
from leaddesk.ui.tasks import TaskRunner

FORM_TAB, TEXT_TAB, ROUTING_TAB = range(3)
LABEL_COLUMN, RESPOND_COLUMN, CLOCK_COLUMN = range(3)
CLOCKS = ("business_hours", "around_the_clock")
SIMULATED_FIELDS = ("email", "company", "title", "employees", "source", "industry", "country")


class PlaybookDialog(QDialog):
    """Edit the active playbook with forms or as text, and try the routing rules on a lead."""

    # Emitted after the stored text was read and shown.
    loaded = Signal()
    # Emitted after a valid playbook was saved.
    saved = Signal()
    # Emitted with the routing simulator's output lines.
    routed = Signal(list)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.team_zone = "UTC"
        self.setWindowTitle(self.tr("Playbook"))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_form(), self.tr("Calendar and SLAs"))
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tabs.addTab(self.text_edit, self.tr("Playbook file"))
        self.tabs.addTab(self._build_simulator(), self.tr("Routing simulator"))
        self._current_tab = FORM_TAB
        self.tabs.currentChanged.connect(self._switch_tab)

        self.issue_list = QListWidget(self)
        self.issue_list.setMaximumHeight(120)
        self.status_label = QLabel(self.tr("Reading the playbook..."), self)
        self.status_label.setWordWrap(True)
        check_button = QPushButton(self.tr("Check"), self)
        check_button.clicked.connect(self.check)
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.clicked.connect(self.save)
        close_button = QPushButton(self.tr("Close"), self)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, stretch=1)
        buttons.addWidget(check_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, stretch=1)
        layout.addWidget(self.issue_list)
        layout.addLayout(buttons)
        self.resize(860, 640)
        self.runner.read(self._read_stored, on_success=self._show, description=self.tr("read the playbook"))

    # Building the tabs.

    def _build_form(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout()
        self.timezone_edit = QLineEdit(page)
        self.timezone_edit.setPlaceholderText(self.tr("empty: the team timezone"))
        self.holidays_edit = QLineEdit(page)
        self.holidays_edit.setPlaceholderText(self.tr("country code such as US or DE; empty for none"))
        self.region_edit = QLineEdit(page)
        self.region_edit.setPlaceholderText(self.tr("region code such as CA or BY; optional"))
        form.addRow(self.tr("Timezone"), self.timezone_edit)
        form.addRow(self.tr("Public holidays"), self.holidays_edit)
        form.addRow(self.tr("Holiday region"), self.region_edit)
        self.hour_edits: dict[str, QLineEdit] = {}
        for day in WEEKDAYS:
            edit = QLineEdit(page)
            edit.setPlaceholderText(self.tr("closed; or ranges such as 09:00-12:00, 13:00-18:00"))
            self.hour_edits[day] = edit
            form.addRow(day.capitalize(), edit)

        self.segment_table = QTableWidget(0, 3, page)
        self.segment_table.setHorizontalHeaderLabels([self.tr("Segment"), self.tr("Respond within"), self.tr("Clock")])
        self.segment_table.verticalHeader().hide()
        self.segment_table.horizontalHeader().setSectionResizeMode(LABEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self._segment_keys: list[str] = []

        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Response SLAs (a duration such as 15m, or same/next business day):"), page))
        layout.addWidget(self.segment_table, stretch=1)
        return page

    def _build_simulator(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout()
        self.simulator_edits: dict[str, QLineEdit] = {}
        for name in SIMULATED_FIELDS:
            edit = QLineEdit(page)
            self.simulator_edits[name] = edit
            form.addRow(name.capitalize(), edit)
        route_button = QPushButton(self.tr("Show who would get this lead"), page)
        route_button.clicked.connect(self.simulate)
        self.simulator_output = QPlainTextEdit(page)
        self.simulator_output.setReadOnly(True)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(route_button)
        layout.addWidget(self.simulator_output, stretch=1)
        return page

    # Moving between the forms and the text.

    def _read_stored(self, session: Session) -> tuple[str, str]:
        return active_playbook_text(session), team_timezone(session)

    def _show(self, result: tuple[str, str]) -> None:
        text, self.team_zone = result
        self.text_edit.setPlainText(text)
        self._fill_form(text)
        self.status_label.setText(self.tr("Edit the forms or the file, then Check or Save."))
        self.loaded.emit()

    def _fill_form(self, text: str) -> bool:
        try:
            form = read_form(text)
        except tomllib.TOMLDecodeError as error:
            self.status_label.setText(self.tr("The forms cannot show a file with invalid TOML: {error}").format(error=error))
            return False
        self.timezone_edit.setText(form.timezone)
        self.holidays_edit.setText(form.holidays)
        self.region_edit.setText(form.holiday_region)
        for day, edit in self.hour_edits.items():
            edit.setText(", ".join(form.hours.get(day, [])))
        self._segment_keys = [segment.key for segment in form.segments]
        self.segment_table.setRowCount(len(form.segments))
        for row, segment in enumerate(form.segments):
            self.segment_table.setItem(row, LABEL_COLUMN, QTableWidgetItem(segment.label))
            self.segment_table.setItem(row, RESPOND_COLUMN, QTableWidgetItem(segment.respond_within))
            clock = QComboBox(self.segment_table)
            clock.addItems(CLOCKS)
            if segment.clock not in CLOCKS:
                clock.addItem(segment.clock)
            clock.setCurrentText(segment.clock)
            self.segment_table.setCellWidget(row, CLOCK_COLUMN, clock)
        return True

    def form_values(self) -> PlaybookForm:
        hours = {
            day: [part.strip() for part in edit.text().split(",") if part.strip()] for day, edit in self.hour_edits.items()
        }
        segments = []
        for row, key in enumerate(self._segment_keys):
            clock = self.segment_table.cellWidget(row, CLOCK_COLUMN)
            segments.append(
                SegmentFields(
                    key=key,
                    label=self.segment_table.item(row, LABEL_COLUMN).text(),
                    respond_within=self.segment_table.item(row, RESPOND_COLUMN).text(),
                    clock=clock.currentText(),
                )
            )
        return PlaybookForm(
            timezone=self.timezone_edit.text(),
            holidays=self.holidays_edit.text(),
            holiday_region=self.region_edit.text(),
            hours=hours,
            segments=segments,
        )

    def current_text(self) -> str:
        """Return the playbook text, with the forms written into it while the form tab is shown."""
        text = self.text_edit.toPlainText()
        if self.tabs.currentIndex() == FORM_TAB:
            try:
                return write_form(text, self.form_values())
            except tomllib.TOMLDecodeError:
                return text
        return text

    def _switch_tab(self, index: int) -> None:
        if self._current_tab == FORM_TAB:
            try:
                self.text_edit.setPlainText(write_form(self.text_edit.toPlainText(), self.form_values()))
            except tomllib.TOMLDecodeError:
                pass
        if index == FORM_TAB:
            self._fill_form(self.text_edit.toPlainText())
        self._current_tab = index

    # Checking, saving and simulating.

    def check(self) -> list[PlaybookIssue]:
        issues = check_playbook(self.current_text(), default_timezone=self.team_zone)
        self._show_issues(issues)
        if not issues:
            self.status_label.setText(self.tr("The playbook is valid."))
        return issues

    def _show_issues(self, issues: list[PlaybookIssue]) -> None:
        self.issue_list.clear()
        for issue in issues:
            self.issue_list.addItem(str(issue))
        if issues:
            self.status_label.setText(self.tr("{count} error(s); nothing was saved.").format(count=len(issues)))

    def save(self) -> None:
        text = self.current_text()
        if self.check():
            return
        self.text_edit.setPlainText(text)
        self.save_button.setEnabled(False)
        self.runner.write(
            lambda session: save_playbook_text(session, text, source="the settings dialog"),
            on_success=self._saved,
            on_failure=self._save_failed,
            description=self.tr("save the playbook"),
        )

    def _saved(self, _playbook: object) -> None:
        self.save_button.setEnabled(True)
        self.status_label.setText(self.tr("Saved. The playbook is active."))
        self.saved.emit()

    def _save_failed(self, error: Exception) -> None:
        self.save_button.setEnabled(True)
        self.status_label.setText(self.tr("Could not save the playbook: {error}").format(error=error))

    def simulate(self) -> None:
        values = {name: edit.text().strip() for name, edit in self.simulator_edits.items()}

        def route(session: Session) -> list[str]:
            from leaddesk.models import Lead

            lead = Lead(custom_fields={}, segment="general", stage="new", received_at=datetime.now(timezone.utc))
            lead.activities = []
            for name, value in values.items():
                if not value:
                    continue
                if name == "employees":
                    if not value.isdigit():
                        return [f"invalid employees {value!r}; enter a whole number"]
                    lead.employee_count = int(value)
                else:
                    setattr(lead, name, value)
            playbook = load_playbook(session)
            start_response_clock(lead, playbook, historical=True)
            decision = route_lead(session, lead, playbook, lead.received_at, remember=False)
            session.rollback()
            return decision.describe()

        self.runner.read(route, on_success=self._show_route, description=self.tr("simulate routing"))

    def _show_route(self, lines: list[str]) -> None:
        self.simulator_output.setPlainText("\n".join(lines))
        self.routed.emit(lines)
