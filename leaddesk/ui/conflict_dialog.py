"""The edit conflict dialog: the user's value and the other person's value side by side, chosen per field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from leaddesk.services.edit_conflicts import Choice, EditConflictError, FieldConflict

MINE, THEIRS = 0, 1


# Field labels that differ from the column name with its first letter capitalised.
SPECIAL_LABELS = {"email": "E-mail", "linkedin_url": "LinkedIn URL"}


def field_label(name: str) -> str:
    """Return the label of a lead column as the edit and conflict dialogs show it."""
    return SPECIAL_LABELS.get(name) or name.replace("_", " ").capitalize()


def shown_value(value: Any) -> str:
    return "(blank)" if value is None or value == "" else str(value)


class ConflictDialog(QDialog):
    """One row per conflicting field: its value before, yours and theirs, with a choice between the last two.

    After Save, choices() returns the choice per field. Cancel saves nothing, not even the
    fields without a conflict, and the user starts the edit again from the stored lead.
    """

    def __init__(self, conflict: EditConflictError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.groups: dict[str, QButtonGroup] = {}
        self.setWindowTitle(self.tr("Someone else changed this lead"))

        people = sorted({item.changed_by for item in conflict.conflicts if item.changed_by})
        intro = QLabel(
            self.tr("{name} was changed by {people} after you opened it. Choose which value to keep for each field; "
                    "nothing is saved until you do.").format(
                name=conflict.lead_name, people=", ".join(people) or self.tr("someone else")
            ),
            self,
        )
        intro.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        headers = (self.tr("Field"), self.tr("Before"), self.tr("Your value"), self.tr("Their value"))
        for column, text in enumerate(headers):
            header = QLabel(f"<b>{text}</b>", self)
            grid.addWidget(header, 0, column)
        for row, item in enumerate(conflict.conflicts, start=1):
            self._add_row(grid, row, item)

        self.keep_mine_button = QPushButton(self.tr("Keep all mine"), self)
        self.keep_mine_button.clicked.connect(lambda: self.choose_all(MINE))
        self.take_theirs_button = QPushButton(self.tr("Take all theirs"), self)
        self.take_theirs_button.clicked.connect(lambda: self.choose_all(THEIRS))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.addButton(self.keep_mine_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.take_theirs_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton(self.tr("Save choices"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update_save()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        if conflict.pending:
            pending = QLabel(
                self.tr("Your other changes are saved with your choices: {fields}.").format(
                    fields=", ".join(field_label(name) for name in sorted(conflict.pending))
                ),
                self,
            )
            pending.setWordWrap(True)
            layout.addWidget(pending)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(760, 160 + 48 * len(conflict.conflicts))

    def _add_row(self, grid: QGridLayout, row: int, item: FieldConflict) -> None:
        grid.addWidget(QLabel(field_label(item.field), self), row, 0)
        before = QLabel(shown_value(item.base_value), self)
        before.setStyleSheet("color: #666;")
        grid.addWidget(before, row, 1)
        mine = QRadioButton(shown_value(item.mine), self)
        mine.setObjectName(f"{item.field}_mine")
        theirs = QRadioButton(shown_value(item.theirs), self)
        theirs.setObjectName(f"{item.field}_theirs")
        theirs.setToolTip(_author_text(self, item.changed_by, item.changed_at))
        author = QLabel(_author_text(self, item.changed_by, item.changed_at), self)
        author.setStyleSheet("color: #666; font-size: small;")
        group = QButtonGroup(self)
        group.addButton(mine, MINE)
        group.addButton(theirs, THEIRS)
        # Nothing is preselected: Save stays disabled until every field has a choice.
        group.idClicked.connect(self._update_save)
        self.groups[item.field] = group
        grid.addWidget(mine, row, 2)
        theirs_box = QVBoxLayout()
        theirs_box.setSpacing(0)
        theirs_box.addWidget(theirs)
        theirs_box.addWidget(author)
        grid.addLayout(theirs_box, row, 3)
        grid.setAlignment(theirs_box, Qt.AlignmentFlag.AlignTop)

    def choose(self, field: str, choice: int) -> None:
        self.groups[field].button(choice).setChecked(True)
        self._update_save()

    def _update_save(self, _choice: int = -1) -> None:
        chosen = all(group.checkedId() != -1 for group in self.groups.values())
        self.save_button.setEnabled(chosen)

    def choose_all(self, choice: int) -> None:
        for field in self.groups:
            self.choose(field, choice)

    def choices(self) -> dict[str, Choice]:
        """Return "mine" or "theirs" for each conflicting field."""
        return {field: "mine" if group.checkedId() == MINE else "theirs" for field, group in self.groups.items()}


def _author_text(widget: QWidget, person: str | None, when: datetime | None) -> str:
    if person and when:
        return widget.tr("by {person}, {when}").format(person=person, when=f"{when.astimezone():%Y-%m-%d %H:%M}")
    if person:
        return widget.tr("by {person}").format(person=person)
    return widget.tr("by someone else")
