"""The pane beside the inbox: the selected lead's fields, follow-ups, timeline and action buttons."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QMenu,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import STAGES
from leaddesk.services.conversion_summary import ConversionSummary
from leaddesk.services.closed_leads import is_closed
from leaddesk.services.lead_actions import LeadDetail, OpenFollowUp
from leaddesk.services.local_time import LocalDue, zone
from leaddesk.services.playbook import ClockKind, Playbook
from leaddesk.services.sla import ResponseState
from leaddesk.ui.derived_rows import add_derived_rows
from leaddesk.ui.labels import HIGHLIGHT_TEXT, STATE_BACKGROUNDS, duration_text, local_time, stage_label, weekday_time

ACTIVITY_LABELS = {
    "contacted": QT_TRANSLATE_NOOP("DetailPane", "Contacted"),
    "call": QT_TRANSLATE_NOOP("DetailPane", "Call"),
    "email": QT_TRANSLATE_NOOP("DetailPane", "Email"),
    "meeting": QT_TRANSLATE_NOOP("DetailPane", "Meeting"),
    "note": QT_TRANSLATE_NOOP("DetailPane", "Note"),
    "stage_change": QT_TRANSLATE_NOOP("DetailPane", "Stage"),
    "follow_up_set": QT_TRANSLATE_NOOP("DetailPane", "Follow-up"),
    "import": QT_TRANSLATE_NOOP("DetailPane", "Import"),
    "import_undone": QT_TRANSLATE_NOOP("DetailPane", "Import undone"),
    "merge": QT_TRANSLATE_NOOP("DetailPane", "Merge"),
    "merge_undone": QT_TRANSLATE_NOOP("DetailPane", "Merge undone"),
}


# Names of the repeat rules of models.RECURRENCES in the follow-up list.
REPEAT_TEXTS = {
    "daily": QT_TRANSLATE_NOOP("DetailPane", "daily"),
    "weekdays": QT_TRANSLATE_NOOP("DetailPane", "every weekday"),
    "weekly": QT_TRANSLATE_NOOP("DetailPane", "weekly"),
}

# Width caps of the Details form, in widths of "M" in the pane's font: field names wrap
# beyond MAX_LABEL_EMS, and a value keeps at least MIN_VALUE_EMS (or its own width if less).
MAX_LABEL_EMS = 12
MIN_VALUE_EMS = 10


class DetailPane(QWidget):
    """Shows one LeadDetail and turns button clicks into action requests for the window."""

    mark_contacted_requested = Signal(object, int)
    add_note_requested = Signal(object, int)
    follow_up_requested = Signal(object, int)
    stage_requested = Signal(object, int, str)
    follow_up_done_requested = Signal(object)
    # Emitted with the OpenFollowUp to reschedule.
    follow_up_reschedule_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: LeadDetail | None = None
        # The segments and business calendar, for saying when a paused response clock starts.
        self.playbook: Playbook | None = None

        self._stack = QStackedWidget(self)
        self._empty = QLabel(self.tr("Select a lead to see its details and act on it."), self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._build_content())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.show_detail(None)

    # --- Layout -------------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)

        self.name_label = QLabel(content)
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel(content)
        self.state_label = QLabel(content)
        self.state_label.setMargin(4)

        self.contacted_button = QPushButton(self.tr("Mark contacted"), content)
        self.contacted_button.setToolTip(self.tr("Log a contact; the first one stops the response clock"))
        self.note_button = QPushButton(self.tr("Add note"), content)
        self.follow_up_button = QPushButton(self.tr("Set follow-up"), content)
        self.stage_combo = QComboBox(content)
        for stage in STAGES:
            self.stage_combo.addItem(stage_label(stage), stage)
        self.stage_combo.setToolTip(self.tr("Change stage"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.contacted_button)
        buttons.addWidget(self.note_button)
        buttons.addWidget(self.follow_up_button)
        buttons.addStretch(1)
        # The stage gets its own line, so the pane stays narrow enough for the table's columns.
        stage_row = QHBoxLayout()
        stage_row.addWidget(QLabel(self.tr("Stage:"), content))
        stage_row.addWidget(self.stage_combo)
        stage_row.addStretch(1)

        self.fields_form = QFormLayout()
        self.fields_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        fields_box = QGroupBox(self.tr("Details"), content)
        fields_box.setLayout(self.fields_form)

        self.follow_up_list = QListWidget(content)
        self.follow_up_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.no_follow_up_label = QLabel(self.tr("None planned"), content)
        # Each item has two fixed lines and no wrapping, so its height is known before the
        # pane has its width, and the list shows whole items.
        self.follow_up_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        # A sideways scroll bar would take the height of the last item, and the tooltip has the full text.
        self.follow_up_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.follow_up_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.follow_up_menu: QMenu | None = None
        self.follow_up_reschedule_button = QPushButton(self.tr("Reschedule..."), content)
        self.follow_up_done_button = QPushButton(self.tr("Mark follow-up done"), content)
        self.follow_up_reschedule_button.setEnabled(False)
        self.follow_up_done_button.setEnabled(False)
        follow_up_box = QGroupBox(self.tr("Open follow-ups"), content)
        follow_up_layout = QVBoxLayout(follow_up_box)
        follow_up_layout.addWidget(self.follow_up_list)
        follow_up_layout.addWidget(self.no_follow_up_label)
        follow_up_buttons = QHBoxLayout()
        follow_up_buttons.addStretch(1)
        follow_up_buttons.addWidget(self.follow_up_reschedule_button)
        follow_up_buttons.addWidget(self.follow_up_done_button)
        follow_up_layout.addLayout(follow_up_buttons)

        self.conversion_box = self._build_conversion_box(content)

        self.timeline_list = QListWidget(content)
        self.timeline_list.setWordWrap(True)
        self.timeline_list.setAlternatingRowColors(True)
        timeline_box = QGroupBox(self.tr("Timeline"), content)
        QVBoxLayout(timeline_box).addWidget(self.timeline_list)

        scrolled = QWidget(content)
        self.sections_layout = scrolled_layout = QVBoxLayout(scrolled)
        scrolled_layout.setContentsMargins(0, 0, 0, 0)
        # Follow-ups come before the long Details box, so they stay above the fold, and so
        # does the sequence panel that triage inserts after them.
        scrolled_layout.addWidget(self.conversion_box)
        scrolled_layout.addWidget(follow_up_box)
        scrolled_layout.addWidget(fields_box)
        scrolled_layout.addWidget(timeline_box, stretch=1)
        self.scroll_area = scroll = QScrollArea(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Values wrap instead, so the pane never needs scrolling sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(scrolled)

        layout = QVBoxLayout(content)
        layout.addWidget(self.name_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.state_label)
        layout.addLayout(buttons)
        layout.addLayout(stage_row)
        layout.addWidget(scroll, stretch=1)

        self.contacted_button.clicked.connect(self._emit_contacted)
        self.note_button.clicked.connect(self._emit_note)
        self.follow_up_button.clicked.connect(self._emit_follow_up)
        self.stage_combo.activated.connect(self._emit_stage)
        self.follow_up_list.currentRowChanged.connect(self._update_follow_up_buttons)
        self.follow_up_list.customContextMenuRequested.connect(self.show_follow_up_menu)
        self.follow_up_list.itemDoubleClicked.connect(lambda _item: self._emit_follow_up_reschedule())
        self.follow_up_done_button.clicked.connect(self._emit_follow_up_done)
        self.follow_up_reschedule_button.clicked.connect(self._emit_follow_up_reschedule)
        return content

    def _build_conversion_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox(self.tr("Conversion"), parent)
        self.probability_label = QLabel(box)
        self.factors_up_label = QLabel(box)
        self.factors_down_label = QLabel(box)
        self.conversion_note_label = QLabel(box)
        self.conversion_note_label.setStyleSheet("color: gray;")
        layout = QVBoxLayout(box)
        for label in (self.probability_label, self.factors_up_label, self.factors_down_label, self.conversion_note_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        return box

    # --- Contents -----------------------------------------------------------------------

    @property
    def lead_id(self) -> uuid.UUID | None:
        return self.detail.id if self.detail else None

    def show_detail(self, detail: LeadDetail | None, now: datetime | None = None) -> None:
        self.detail = detail
        if detail is None:
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)

        self.name_label.setText(detail.name)
        subtitle = " · ".join(part for part in (detail.title, detail.company) if part)
        self.subtitle_label.setText(subtitle)
        self.subtitle_label.setVisible(bool(subtitle))
        self.stage_combo.setCurrentIndex(max(self.stage_combo.findData(detail.stage), 0))

        self._fill_conversion(detail.conversion)
        self._fill_fields(detail)
        self._fill_follow_ups(detail)
        self._fill_timeline(detail)
        if now is not None:
            self.update_clock(now)

    def set_playbook(self, playbook: Playbook, now: datetime) -> None:
        self.playbook = playbook
        self.update_clock(now)

    def update_clock(self, now: datetime) -> None:
        """Refresh the response state line; the window calls this every second."""
        detail = self.detail
        if detail is None:
            return
        state = detail.state_at(now)
        if state is ResponseState.CONTACTED:
            text = self.tr("Contacted {when}").format(when=local_time(detail.first_contacted_at))
        elif is_closed(detail.stage):
            text = self.tr("{stage}: no response deadline").format(stage=stage_label(detail.stage))
        elif detail.response_due_at is None:
            text = self.tr("No response deadline")
        else:
            duration = duration_text(detail.response_due_at - now)
            if now >= detail.response_due_at:
                text = self.tr("Overdue by {duration}").format(duration=duration)
            else:
                text = self.tr("Due in {duration}").format(duration=duration)
                opening = self._clock_start(detail, now)
                if opening is not None:
                    text = self.tr("{due} · clock starts {when}").format(due=text, when=weekday_time(opening, now))
        self.state_label.setText(text)

        background = STATE_BACKGROUNDS.get(state)
        if background is None:
            self.state_label.setStyleSheet("")
        else:
            self.state_label.setStyleSheet(
                f"background-color: {background.name()}; color: {HIGHLIGHT_TEXT.name()}; border-radius: 3px;"
            )

    def _clock_start(self, detail: LeadDetail, now: datetime) -> datetime | None:
        """Return when the lead's paused response clock starts again, or None when it is running."""
        if self.playbook is None or self.playbook.segment(detail.segment).clock is not ClockKind.BUSINESS_HOURS:
            return None
        opening = self.playbook.calendar.next_opening(now)
        return opening if opening > now else None

    def _fill_conversion(self, summary: ConversionSummary | None) -> None:
        self.conversion_box.setVisible(summary is not None)
        if summary is None:
            return
        has_probability = summary.probability is not None
        self.probability_label.setVisible(has_probability)
        self.factors_up_label.setVisible(has_probability and bool(summary.factors_up))
        self.factors_down_label.setVisible(has_probability and bool(summary.factors_down))
        self.conversion_note_label.setText(summary.message)
        self.conversion_note_label.setVisible(bool(summary.message))
        if not has_probability:
            return
        self.probability_label.setText(
            self.tr("Conversion probability: {percent}").format(percent=f"{summary.probability * 100:.0f}%")
        )
        self.factors_up_label.setText(self.tr("Pushing it up:") + "".join(f"\n• {text}" for text in summary.factors_up))
        self.factors_down_label.setText(
            self.tr("Pushing it down:") + "".join(f"\n• {text}" for text in summary.factors_down)
        )

    def _fill_fields(self, detail: LeadDetail) -> None:
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)

        location = ", ".join(part for part in (detail.city, detail.region, detail.country) if part)
        rows: list[tuple[str, Any]] = [
            (self.tr("Email"), self._primary_text(detail.email, detail.secondary_emails)),
            (self.tr("Other e-mails"), "\n".join(detail.secondary_emails)),
            (self.tr("Phone"), self._primary_text(detail.phone, detail.secondary_phones)),
            (self.tr("Other phones"), "\n".join(detail.secondary_phones)),
            (self.tr("Company"), detail.company),
            (self.tr("Title"), detail.title),
            (self.tr("Website"), detail.website or detail.domain),
            (self.tr("LinkedIn"), detail.linkedin_url),
            (self.tr("Location"), location),
            (self.tr("Industry"), detail.industry),
            (self.tr("Employees"), detail.employee_count),
            (self.tr("Source"), detail.source),
            (self.tr("Segment"), detail.segment_label),
            (self.tr("Owner"), detail.owner_name or self.tr("Unassigned")),
            (self.tr("Score"), detail.score),
            (self.tr("Received"), local_time(detail.received_at)),
            (self.tr("Respond by"), local_time(detail.response_due_at)),
            (self.tr("First contacted"), local_time(detail.first_contacted_at)),
            (self.tr("Next follow-up"), local_time(detail.next_follow_up_at)),
            (self.tr("External id"), detail.external_id),
            (self.tr("Notes"), detail.notes),
        ]
        rows.extend((str(key), value) for key, value in sorted(detail.custom_fields.items()))
        rows.append((self.tr("Last changed by"), detail.updated_by))

        for label, value in rows:
            if value is None or value == "":
                continue
            field = QLabel(str(value))
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields_form.addRow(label + ":", field)
        add_derived_rows(self.fields_form, detail)
        self._fit_form_rows()

    def _fit_form_rows(self) -> None:
        """Wrap long field names in a capped label column, and let values wrap in the rest.

        Without the cap, one long custom field name widens the label column until the
        values get two or three characters of width.
        """
        metrics = self.fields_form.parentWidget().fontMetrics()
        label_width = metrics.horizontalAdvance("M" * MAX_LABEL_EMS)
        for row in range(self.fields_form.rowCount()):
            label_item = self.fields_form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = label_item.widget() if label_item else None
            if isinstance(label, QLabel):
                label.setWordWrap(True)
                # A fixed width keeps the wrapped label's height in step with the width it gets.
                label.setFixedWidth(min(metrics.horizontalAdvance(label.text()) + 2, label_width))
            value_item = self.fields_form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            value = value_item.widget() if value_item else None
            if isinstance(value, QLabel):
                value.setWordWrap(True)
                # A value with one very long word (a URL, an id) may be cut at the pane's
                # edge instead of widening it, so its full text is in the tooltip.
                min_width = MIN_VALUE_EMS * metrics.horizontalAdvance("M")
                value.setMinimumWidth(min(metrics.horizontalAdvance(value.text()), min_width))
                value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                if not value.toolTip():
                    value.setToolTip(value.text())

    def _primary_text(self, value: str | None, secondary: tuple[str, ...]) -> str | None:
        """Return value marked as the primary one when the lead also has secondary values of its kind."""
        if not value or not secondary:
            return value
        return self.tr("{value} (primary)").format(value=value)

    def _fill_follow_ups(self, detail: LeadDetail) -> None:
        self.follow_up_list.clear()
        for follow_up in detail.follow_ups:
            item = QListWidgetItem(self.follow_up_text(follow_up))
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, follow_up.id)
            self.follow_up_list.addItem(item)
        has_follow_ups = bool(detail.follow_ups)
        self.follow_up_list.setVisible(has_follow_ups)
        self.follow_up_done_button.setVisible(has_follow_ups)
        self.follow_up_reschedule_button.setVisible(has_follow_ups)
        self.no_follow_up_label.setVisible(not has_follow_ups)
        if has_follow_ups:
            rows = min(len(detail.follow_ups), 4)
            height = sum(self.follow_up_list.sizeHintForRow(row) for row in range(rows))
            self.follow_up_list.setMaximumHeight(height + 2 * self.follow_up_list.frameWidth() + 2)
            # The soonest follow-up is selected, so the buttons act on it without a click first.
            self.follow_up_list.setCurrentRow(0)
        self._update_follow_up_buttons(self.follow_up_list.currentRow())

    def follow_up_text(self, follow_up: OpenFollowUp) -> str:
        """Return a list item's two lines: when it is due and how it repeats, then whose it is and the note."""
        if follow_up.all_day and follow_up.snoozed_until is None and follow_up.due_local:
            day = LocalDue.parse(follow_up.due_local, follow_up.time_zone, True).wall.date()
            when = [self.tr("{date} (all day)").format(date=day.isoformat())]
        else:
            when = [local_time(follow_up.due_at)]
            zone_wall = follow_up.due_at.astimezone(zone(follow_up.time_zone))
            # A time planned in another timezone also shows there, as the dialog showed it.
            if zone_wall.utcoffset() != follow_up.due_at.astimezone().utcoffset():
                when[0] += f" ({zone_wall:%H:%M} {follow_up.time_zone})"
        if follow_up.snoozed_until is not None:
            when[0] = self.tr("{when} (snoozed)").format(when=when[0])
        if follow_up.recurrence:
            when.append(self.tr(REPEAT_TEXTS.get(follow_up.recurrence, follow_up.recurrence)))
        who = [follow_up.owner_name or self.tr("lead's owner")]
        if follow_up.note:
            who.append(follow_up.note)
        return " · ".join(when) + "\n" + " — ".join(who)

    def current_follow_up(self) -> OpenFollowUp | None:
        """Return the selected open follow-up, or None."""
        item = self.follow_up_list.currentItem()
        if item is None or self.detail is None:
            return None
        follow_up_id = item.data(Qt.ItemDataRole.UserRole)
        return next((f for f in self.detail.follow_ups if f.id == follow_up_id), None)

    def _update_follow_up_buttons(self, row: int) -> None:
        self.follow_up_done_button.setEnabled(row >= 0)
        self.follow_up_reschedule_button.setEnabled(row >= 0)

    def show_follow_up_menu(self, position: QPoint) -> None:
        """Pop up Reschedule and Mark done for the follow-up under the pointer."""
        item = self.follow_up_list.itemAt(position)
        if item is None:
            return
        self.follow_up_list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction(self.tr("Reschedule..."), self._emit_follow_up_reschedule)
        menu.addAction(self.tr("Mark done"), self._emit_follow_up_done)
        self.follow_up_menu = menu
        menu.popup(self.follow_up_list.viewport().mapToGlobal(position))

    def _fill_timeline(self, detail: LeadDetail) -> None:
        self.timeline_list.clear()
        for entry in detail.timeline:
            label = ACTIVITY_LABELS.get(entry.kind)
            kind = self.tr(label) if label else entry.kind
            who = f" · {entry.actor}" if entry.actor else ""
            text = f"{local_time(entry.occurred_at)} · {kind}{who}\n{entry.summary}"
            self.timeline_list.addItem(QListWidgetItem(text))
        if not detail.timeline:
            placeholder = QListWidgetItem(self.tr("No activity yet"))
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.timeline_list.addItem(placeholder)

    # --- Requests -----------------------------------------------------------------------

    def _emit_contacted(self) -> None:
        if self.detail:
            self.mark_contacted_requested.emit(self.detail.id, self.detail.row_version)

    def _emit_note(self) -> None:
        if self.detail:
            self.add_note_requested.emit(self.detail.id, self.detail.row_version)

    def _emit_follow_up(self) -> None:
        if self.detail:
            self.follow_up_requested.emit(self.detail.id, self.detail.row_version)

    def _emit_stage(self, index: int) -> None:
        stage = self.stage_combo.itemData(index)
        if self.detail and stage != self.detail.stage:
            self.stage_requested.emit(self.detail.id, self.detail.row_version, stage)

    def _emit_follow_up_reschedule(self) -> None:
        follow_up = self.current_follow_up()
        if follow_up is not None:
            self.follow_up_reschedule_requested.emit(follow_up)

    def _emit_follow_up_done(self) -> None:
        item = self.follow_up_list.currentItem()
        follow_up_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if follow_up_id is not None:
            self.follow_up_done_requested.emit(follow_up_id)
