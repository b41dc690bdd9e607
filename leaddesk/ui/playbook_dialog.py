"""The playbook settings dialog: a form per section, the TOML text, and a routing simulator.

The forms and the text edit the same TOML. Leaving the forms writes only the keys they
changed into the text (toml_writer), and opening them reads the text again. Save validates
the text with the same check as `leaddesk playbook check` and stores it only when it has
no errors. Given a user, the calendar form also sets that user's own timezone.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import datetime, timezone

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.services.deadline_refresh import recompute_waiting_deadlines
from leaddesk.services.playbook import (
    PlaybookIssue,
    active_playbook_text,
    check_playbook,
    load_playbook,
    save_playbook_text,
    team_timezone,
)
from leaddesk.services.playbook.form import PlaybookForm, read_form, write_form
from leaddesk.services.playbook.parser import WEEKDAYS
from leaddesk.services.playbook.toml_writer import write_document
from leaddesk.services.playbook.zones import iana_zone_names, is_iana_zone_name
from leaddesk.services.routing import route_lead
from leaddesk.services.sla import start_response_clock
from leaddesk.services.user_timezone import set_user_timezone, user_timezone
from leaddesk.ui.playbook_duplicates import DuplicatesForm
from leaddesk.ui.playbook_routing import RoutingForm
from leaddesk.ui.playbook_rules import QualificationForm, ScoringForm
from leaddesk.ui.playbook_segments import SegmentsForm
from leaddesk.ui.tasks import TaskRunner

FORM_TAB, SEGMENTS_TAB, QUALIFICATION_TAB, SCORING_TAB, ROUTING_FORM_TAB, DUPLICATES_TAB, TEXT_TAB, ROUTING_TAB = range(8)
FORM_TABS = (FORM_TAB, SEGMENTS_TAB, QUALIFICATION_TAB, SCORING_TAB, ROUTING_FORM_TAB, DUPLICATES_TAB)
SIMULATED_FIELDS = ("email", "company", "title", "employees", "source", "industry", "country")


class PlaybookDialog(QDialog):
    """Edit the active playbook with forms or as text, and try the routing rules on a lead."""

    # Emitted after the stored text was read and shown.
    loaded = Signal()
    # Emitted after a valid playbook was saved.
    saved = Signal()
    # Emitted with the routing simulator's output lines.
    routed = Signal(list)
    # Emitted with the user's new IANA timezone after Save stored it.
    user_zone_changed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, user: str | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.user = user
        self.team_zone = "UTC"
        self.user_zone = ""
        self.setWindowTitle(self.tr("Playbook"))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_form(), self.tr("Calendar"))
        self.segments_form = SegmentsForm(self)
        self.qualification_form = QualificationForm(self)
        self.scoring_form = ScoringForm(self)
        self.routing_form = RoutingForm(self)
        self.duplicates_form = DuplicatesForm(self)
        self.section_forms = (
            self.segments_form,
            self.qualification_form,
            self.scoring_form,
            self.routing_form,
            self.duplicates_form,
        )
        self.segments_form.message.connect(self.status_message)
        self.tabs.addTab(self.segments_form, self.tr("Segments and escalation"))
        self.tabs.addTab(self.qualification_form, self.tr("Qualification"))
        self.tabs.addTab(self.scoring_form, self.tr("Scoring"))
        self.tabs.addTab(self.routing_form, self.tr("Routing"))
        self.tabs.addTab(self.duplicates_form, self.tr("Duplicates"))
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
        self.resize(1180, 800)
        self.runner.read(self._read_stored, on_success=self._show, description=self.tr("read the playbook"))

    # Building the tabs.

    def _build_form(self) -> QWidget:
        page = QWidget(self)
        team = QGroupBox(self.tr("Team business calendar"), page)
        form = QFormLayout(team)
        self.timezone_edit = QLineEdit(page)
        self.timezone_edit.setPlaceholderText(self.tr("empty: the team timezone"))
        self.holidays_edit = QLineEdit(page)
        self.holidays_edit.setPlaceholderText(self.tr("country code such as US or DE; empty for none"))
        self.region_edit = QLineEdit(page)
        self.region_edit.setPlaceholderText(self.tr("region code such as CA or BY; optional"))
        form.addRow(self.tr("Team timezone"), self.timezone_edit)
        form.addRow(self.tr("Public holidays"), self.holidays_edit)
        form.addRow(self.tr("Holiday region"), self.region_edit)
        self.hour_edits: dict[str, QLineEdit] = {}
        for day in WEEKDAYS:
            edit = QLineEdit(page)
            edit.setPlaceholderText(self.tr("closed; or ranges such as 09:00-12:00, 13:00-18:00"))
            self.hour_edits[day] = edit
            form.addRow(day.capitalize(), edit)

        self.user_zone_edit = QComboBox(page)
        self.user_zone_edit.setEditable(True)
        self.user_zone_edit.addItems(sorted(iana_zone_names()))
        self.user_zone_edit.setToolTip(self.tr("Your own timezone: it sets today's date in the inbox, reminders and date-only follow-ups"))
        personal = QGroupBox(self.tr("Your settings (only for you, saved with the playbook)"), page)
        personal_form = QFormLayout(personal)
        personal_form.addRow(self.tr("Your timezone"), self.user_zone_edit)
        personal_hint = QLabel(self.tr("Sets today's date in the inbox, reminders and date-only follow-ups."), personal)
        personal_form.addRow("", personal_hint)
        personal.setVisible(self.user is not None)

        hint = QLabel(
            self.tr("Business hours of the team: each day takes ranges such as 09:00-12:00, 13:00-18:00, "
                    "and an empty day is closed. The timezone and holidays apply to every SLA in business hours."),
            page,
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(hint)
        layout.addWidget(team)
        layout.addWidget(personal)
        layout.addStretch(1)
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

    def _read_stored(self, session: Session) -> tuple[str, str, str]:
        zone = user_timezone(session, self.user) if self.user is not None else ""
        return active_playbook_text(session), team_timezone(session), zone

    def _show(self, result: tuple[str, str, str]) -> None:
        text, self.team_zone, self.user_zone = result
        self.user_zone_edit.setCurrentText(self.user_zone)
        self.text_edit.setPlainText(text)
        self._fill_form(text)
        self.status_label.setText(self.tr("Edit the forms or the file, then Check or Save."))
        self.loaded.emit()

    def status_message(self, text: str) -> None:
        self.status_label.setText(text)

    def _fill_form(self, text: str) -> bool:
        try:
            form = read_form(text)
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            self.status_label.setText(self.tr("The forms cannot show a file with invalid TOML: {error}").format(error=error))
            return False
        self.timezone_edit.setText(form.timezone)
        self.holidays_edit.setText(form.holidays)
        self.region_edit.setText(form.holiday_region)
        for day, edit in self.hour_edits.items():
            edit.setText(", ".join(form.hours.get(day, [])))
        for section in self.section_forms:
            section.load(document)
        return True

    def form_values(self) -> PlaybookForm:
        hours = {
            day: [part.strip() for part in edit.text().split(",") if part.strip()] for day, edit in self.hour_edits.items()
        }
        return PlaybookForm(
            timezone=self.timezone_edit.text(),
            holidays=self.holidays_edit.text(),
            holiday_region=self.region_edit.text(),
            hours=hours,
        )

    def write_forms(self, text: str) -> str:
        """Return text with every form's edits written into it; raise ValueError naming a value no form can write."""
        text = write_form(text, self.form_values())
        old = tomllib.loads(text)
        new = copy.deepcopy(old)
        for section in self.section_forms:
            section.store(new)
        return write_document(text, old, new)

    def current_text(self) -> str:
        """Return the playbook text, with the forms written into it while a form tab is shown."""
        text = self.text_edit.toPlainText()
        if self.tabs.currentIndex() in FORM_TABS:
            try:
                return self.write_forms(text)
            except tomllib.TOMLDecodeError:
                return text
        return text

    def _switch_tab(self, index: int) -> None:
        leaving_forms = self._current_tab in FORM_TABS and index not in FORM_TABS
        entering_forms = self._current_tab not in FORM_TABS and index in FORM_TABS
        if leaving_forms:
            try:
                self.text_edit.setPlainText(self.write_forms(self.text_edit.toPlainText()))
            except tomllib.TOMLDecodeError:
                pass
            except ValueError as error:
                # Stay on the forms, so the edit that cannot be written is not lost.
                self._show_form_error(error)
                self.tabs.blockSignals(True)
                self.tabs.setCurrentIndex(self._current_tab)
                self.tabs.blockSignals(False)
                return
            # Reading the written text back gives the forms the entries' new positions.
            self._fill_form(self.text_edit.toPlainText())
        if entering_forms:
            self._fill_form(self.text_edit.toPlainText())
        self._current_tab = index

    # Checking, saving and simulating.

    def check(self) -> list[PlaybookIssue]:
        try:
            text = self.current_text()
        except ValueError as error:
            return [self._show_form_error(error)]
        issues = check_playbook(text, default_timezone=self.team_zone)
        zone_issue = self._user_zone_issue()
        if zone_issue is not None:
            issues = [*issues, zone_issue]
        self._show_issues(issues)
        if not issues:
            self.status_label.setText(self.tr("The playbook is valid."))
        return issues

    def _user_zone_issue(self) -> PlaybookIssue | None:
        if self.user is None:
            return None
        name = self.user_zone_edit.currentText().strip()
        if is_iana_zone_name(name):
            return None
        return PlaybookIssue("your timezone", f"unknown timezone {name!r}", "choose an IANA name from the list, such as Europe/Berlin")

    def _show_form_error(self, error: ValueError) -> PlaybookIssue:
        message, _separator, fix = str(error).rpartition("; ")
        issue = PlaybookIssue("", message or str(error), fix)
        self._show_issues([issue])
        return issue

    def _show_issues(self, issues: list[PlaybookIssue]) -> None:
        self.issue_list.clear()
        for issue in issues:
            self.issue_list.addItem(str(issue))
        if issues:
            self.status_label.setText(self.tr("{count} error(s); nothing was saved.").format(count=len(issues)))

    def save(self) -> None:
        if self.check():
            return
        text = self.current_text()
        self.text_edit.setPlainText(text)
        if self.tabs.currentIndex() in FORM_TABS:
            # The saved text becomes the forms' new base, so their next edit writes against it.
            self._fill_form(text)
        zone = self.user_zone_edit.currentText().strip() if self.user is not None else ""
        new_zone = zone if zone and zone != self.user_zone else None
        user = self.user

        def store(session: Session) -> tuple[str | None, int]:
            previous = load_playbook(session)
            playbook = save_playbook_text(session, text, source="the settings dialog")
            moved = recompute_waiting_deadlines(session, previous, playbook)
            if new_zone is not None and user is not None:
                set_user_timezone(session, user, new_zone)
            return new_zone, moved

        self.save_button.setEnabled(False)
        self.runner.write(store, on_success=self._saved, on_failure=self._save_failed, description=self.tr("save the playbook"))

    def _saved(self, result: tuple[str | None, int]) -> None:
        new_zone, moved = result
        self.save_button.setEnabled(True)
        self.status_label.setText(
            self.tr("Saved. The playbook is active. {count} waiting lead deadline(s) moved.").format(count=moved)
        )
        if new_zone is not None:
            self.user_zone = new_zone
            self.user_zone_edit.setCurrentText(new_zone)
            self.user_zone_changed.emit(new_zone)
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
