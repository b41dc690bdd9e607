"""The side-by-side merge dialog: the surviving lead, the winning value per field, then merge and undo."""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.models import MergeOperation
from leaddesk.services.dedup.merge import MergeResult, merge_leads
from leaddesk.services.dedup.presets import CHOSEN_FIELDS, PRESET_LABELS, choose_winners, is_filled
from leaddesk.services.dedup.preview import MergeCandidate, MergePreview, load_merge_preview
from leaddesk.services.dedup.undo import MergeUndoError, MergeUndoReport, undo_merge
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.tasks import TaskRunner, show_error

logger = logging.getLogger(__name__)

FIELD_LABELS = {
    "external_id": "External id",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "email": "E-mail",
    "phone": "Phone",
    "company": "Company",
    "title": "Title",
    "website": "Website",
    "domain": "Domain",
    "linkedin_url": "LinkedIn",
    "city": "City",
    "region": "Region",
    "country": "Country",
    "industry": "Industry",
    "employee_count": "Employees",
    "source": "Source",
    "segment": "Segment",
    "stage": "Stage",
    "owner_id": "Owner",
}

# Preset buttons in the order they show, with the preset key each one applies.
PRESET_ORDER = ("newest", "complete", "survivor")


def undo_merge_by_id(session: Session, operation_id: uuid.UUID, actor: str | None) -> MergeUndoReport:
    operation = session.get(MergeOperation, operation_id)
    if operation is None:
        raise MergeUndoError(f"merge {operation_id} not found; it may belong to another database")
    return undo_merge(session, operation, actor=actor)


def moved_rows_text(candidate: MergeCandidate) -> str:
    """Return "2 activities, 1 follow-up (1 open)": the rows of a lead that a merge moves to the survivor."""
    activities = candidate.activity_count
    follow_ups = candidate.follow_up_count
    activity_words = "activity" if activities == 1 else "activities"
    follow_up_words = "follow-up" if follow_ups == 1 else "follow-ups"
    return f"{activities} {activity_words}, {follow_ups} {follow_up_words} ({candidate.open_follow_up_count} open)"


class MergeDialog(QDialog):
    """Leads side by side, one column each, with a radio button per value.

    The survivor radio in each column's header picks the lead that stays. The merge runs
    on the write lane. After it the dialog offers "Undo merge" until it closes.
    """

    # Emitted after the preview was read and the grid is filled.
    loaded = Signal()
    # Emitted with the MergeResult after the merge was saved.
    merged = Signal(object)
    # Emitted with the MergeUndoReport after "Undo merge" restored the leads.
    undone = Signal(object)

    def __init__(
        self, runner: TaskRunner, lead_ids: list[uuid.UUID], parent: QWidget | None = None, actor: str | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.lead_ids = list(lead_ids)
        self.actor = actor
        self.preview: MergePreview | None = None
        self.preset = "survivor"
        self.result: MergeResult | None = None
        self.survivor_group = QButtonGroup(self)
        # Field name -> its exclusive group of value radios, each radio's id being the column.
        self.field_groups: dict[str, QButtonGroup] = {}
        self.shown_fields: list[str] = []
        self._busy = False

        self.setWindowTitle(self.tr("Merge duplicates"))
        intro = QLabel(
            self.tr(
                "Choose the lead that stays, then the value to keep in each field that differs. "
                "Activities, notes, follow-ups and tags of every lead move to the one that stays."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.preset_buttons: dict[str, QPushButton] = {}
        presets = QHBoxLayout()
        presets.addWidget(QLabel(self.tr("Pick values:"), self))
        for preset in PRESET_ORDER:
            button = QPushButton(self.tr(PRESET_LABELS[preset]), self)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, key=preset: self.apply_preset(key))
            presets.addWidget(button)
            self.preset_buttons[preset] = button
        presets.addStretch(1)

        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(6)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)

        self.secondary_label = QLabel(self)
        self.secondary_label.setWordWrap(True)
        self.status_label = QLabel(self.tr("Reading the leads..."), self)
        self.status_label.setWordWrap(True)

        self.merge_button = QPushButton(self.tr("Merge"), self)
        self.merge_button.setDefault(True)
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.merge)
        self.undo_button = QPushButton(self.tr("Undo merge"), self)
        self.undo_button.hide()
        self.undo_button.clicked.connect(self.undo)
        self.close_button = QPushButton(self.tr("Cancel"), self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, stretch=1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(presets)
        layout.addWidget(scroll, stretch=1)
        layout.addWidget(self.secondary_label)
        layout.addLayout(buttons)
        self.resize(min(1300, 320 + 280 * len(self.lead_ids)), 720)
        self.load()

    # --- Loading ----------------------------------------------------------------------------

    def load(self) -> None:
        lead_ids = self.lead_ids
        self.runner.read(
            lambda session: load_merge_preview(session, lead_ids),
            on_success=while_alive(self, self._show_preview),
            on_failure=while_alive(self, self._on_load_failed),
            description=self.tr("read the leads to merge"),
        )

    def _on_load_failed(self, error: Exception) -> None:
        self.status_label.setText(str(error))
        show_error(self, self.tr("read the leads to merge"), error)

    def _show_preview(self, preview: MergePreview) -> None:
        self.preview = preview
        candidates = preview.candidates
        self.grid.addWidget(self._bold(self.tr("Field")), 0, 0)
        for column, candidate in enumerate(candidates, 1):
            radio = QRadioButton(self.tr("Keep {name}").format(name=candidate.name), self.grid_host)
            radio.setToolTip(str(candidate.lead_id))
            radio.setStyleSheet("font-weight: bold;")
            self.survivor_group.addButton(radio, column - 1)
            self.grid.addWidget(radio, 0, column)
        self.survivor_group.button(0).setChecked(True)
        self.survivor_group.idToggled.connect(self._on_survivor_toggled)

        row = 1
        for field in CHOSEN_FIELDS:
            texts = [preview.display_value(candidate.lead_id, field) for candidate in candidates]
            if len(set(texts)) == 1:
                # Every lead has the same value, or none has one: there is nothing to choose.
                continue
            self.grid.addWidget(QLabel(self.tr(FIELD_LABELS[field]), self.grid_host), row, 0)
            group = QButtonGroup(self)
            for column, text in enumerate(texts, 1):
                radio = QRadioButton(text or self.tr("(empty)"), self.grid_host)
                if not text:
                    radio.setStyleSheet("color: palette(mid); font-style: italic;")
                group.addButton(radio, column - 1)
                self.grid.addWidget(radio, row, column)
            group.idToggled.connect(lambda _id, checked: checked and self._update_secondary())
            self.field_groups[field] = group
            self.shown_fields.append(field)
            row += 1

        self.grid.addWidget(self._bold(self.tr("Last updated (UTC)")), row, 0)
        for column, candidate in enumerate(candidates, 1):
            self.grid.addWidget(QLabel(f"{candidate.fields.updated_at:%Y-%m-%d %H:%M}", self.grid_host), row, column)
        row += 1
        self.grid.addWidget(self._bold(self.tr("Attached rows")), row, 0)
        for column, candidate in enumerate(candidates, 1):
            self.grid.addWidget(QLabel(moved_rows_text(candidate), self.grid_host), row, column)
        self.grid.setColumnStretch(len(candidates) + 1, 1)

        if not self.shown_fields:
            self.grid.addWidget(QLabel(self.tr("All fields are the same in every lead."), self.grid_host), row + 1, 0, 1, -1)
        self.apply_preset("survivor")
        self.merge_button.setEnabled(True)
        self.status_label.setText(self.tr("Merging hides the other leads; you can undo it."))
        self.loaded.emit()

    def _bold(self, text: str) -> QLabel:
        # The parent keeps the label alive: a parentless label could be freed by Python while the grid shows it.
        label = QLabel(text, self.grid_host)
        label.setStyleSheet("font-weight: bold;")
        return label

    # --- Choosing ---------------------------------------------------------------------------

    def survivor_id(self) -> uuid.UUID:
        return self.preview.candidates[self.survivor_group.checkedId()].lead_id

    def ordered_ids(self) -> list[uuid.UUID]:
        """Return the survivor first, then the other leads in their column order."""
        survivor = self.survivor_id()
        return [survivor, *(candidate.lead_id for candidate in self.preview.candidates if candidate.lead_id != survivor)]

    def set_survivor(self, lead_id: uuid.UUID) -> None:
        column = next(index for index, candidate in enumerate(self.preview.candidates) if candidate.lead_id == lead_id)
        self.survivor_group.button(column).setChecked(True)

    def apply_preset(self, preset: str) -> None:
        """Check, in every shown field, the value that the preset picks for the current survivor."""
        self.preset = preset
        for key, button in self.preset_buttons.items():
            button.setChecked(key == preset)
        if self.preview is None:
            return
        by_id = {candidate.lead_id: candidate for candidate in self.preview.candidates}
        columns = {candidate.lead_id: index for index, candidate in enumerate(self.preview.candidates)}
        winners = choose_winners([by_id[lead_id].fields for lead_id in self.ordered_ids()], preset)
        for field in self.shown_fields:
            self.field_groups[field].button(columns[winners[field]]).setChecked(True)
        self._update_secondary()

    def winners(self) -> dict[str, uuid.UUID]:
        """Return the lead whose value wins each shown field, as checked now."""
        candidates = self.preview.candidates
        return {field: candidates[group.checkedId()].lead_id for field, group in self.field_groups.items()}

    def choose(self, field: str, lead_id: uuid.UUID) -> None:
        column = next(index for index, candidate in enumerate(self.preview.candidates) if candidate.lead_id == lead_id)
        self.field_groups[field].button(column).setChecked(True)

    def _on_survivor_toggled(self, _column: int, checked: bool) -> None:
        if checked:
            self.apply_preset(self.preset)

    def _update_secondary(self) -> None:
        if self.preview is None:
            return
        by_id = {candidate.lead_id: candidate for candidate in self.preview.candidates}
        winners = choose_winners([by_id[lead_id].fields for lead_id in self.ordered_ids()], self.preset, self.winners())
        kept = self.preview.kept_contacts(winners)
        parts = []
        if kept["emails"]:
            parts.append(self.tr("e-mails {values}").format(values=", ".join(kept["emails"])))
        if kept["phones"]:
            parts.append(self.tr("phones {values}").format(values=", ".join(kept["phones"])))
        if parts:
            self.secondary_label.setText(self.tr("Kept as secondary values: {parts}.").format(parts="; ".join(parts)))
        else:
            self.secondary_label.setText(self.tr("No other e-mails or phones to keep."))

    # --- Merging and undoing ----------------------------------------------------------------

    def merge(self) -> None:
        if self.preview is None or self._busy or self.result is not None:
            return
        ordered = self.ordered_ids()
        survivor, others = ordered[0], ordered[1:]
        preset, overrides, actor = self.preset, self.winners(), self.actor
        self._set_busy(True, self.tr("Merging..."))
        self.runner.write(
            lambda session: merge_leads(session, survivor, others, preset=preset, overrides=overrides, actor=actor),
            on_success=while_alive(self, self._on_merged),
            on_failure=while_alive(self, lambda error: self._on_failed(self.tr("merge the leads"), error)),
            description=self.tr("merge the leads"),
        )

    def _on_merged(self, result: MergeResult) -> None:
        self.result = result
        self._set_busy(False, "")
        name = self.preview.candidate(result.survivor_id).name
        self.status_label.setText(self.tr("Merged %n lead(s) into {name}.", "", len(result.merged_ids)).format(name=name))
        self.merge_button.setEnabled(False)
        for group in (self.survivor_group, *self.field_groups.values()):
            for button in group.buttons():
                button.setEnabled(False)
        for button in self.preset_buttons.values():
            button.setEnabled(False)
        self.undo_button.show()
        self.close_button.setText(self.tr("Close"))
        self.merged.emit(result)

    def undo(self) -> None:
        if self.result is None or self._busy:
            return
        operation_id, actor = self.result.operation_id, self.actor
        self._set_busy(True, self.tr("Undoing the merge..."))
        self.runner.write(
            lambda session: undo_merge_by_id(session, operation_id, actor),
            on_success=while_alive(self, self._on_undone),
            on_failure=while_alive(self, lambda error: self._on_failed(self.tr("undo the merge"), error)),
            description=self.tr("undo the merge"),
        )

    def _on_undone(self, report: MergeUndoReport) -> None:
        self._set_busy(False, "")
        self.undo_button.setEnabled(False)
        text = self.tr("Merge undone: %n lead(s) restored.", "", len(report.restored_leads))
        if report.conflicts:
            fields = ", ".join(conflict.field for conflict in report.conflicts)
            text += " " + self.tr("Kept later edits of {fields}.").format(fields=fields)
        self.status_label.setText(text)
        self.undone.emit(report)

    def _on_failed(self, description: str, error: Exception) -> None:
        self._set_busy(False, str(error))
        self.merge_button.setEnabled(self.result is None)
        show_error(self, description, error)

    def _set_busy(self, busy: bool, message: str) -> None:
        self._busy = busy
        if busy:
            self.merge_button.setEnabled(False)
            self.undo_button.setEnabled(False)
        elif self.result is not None:
            self.undo_button.setEnabled(True)
        if message:
            self.status_label.setText(message)

    def reject(self) -> None:
        # A merge or undo in flight finishes on the write lane; closing now would drop its result.
        if self._busy:
            return
        super().reject()
