"""The dialog shown before training when the active model's exclusions would carry over to the new model."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


class TrainingDialog(QDialog):
    """One ticked box per carried exclusion; unticking a box trains on that field again."""

    def __init__(self, version: int, carried: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Train conversion model"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("Active model version {version} left these fields out of training, and the new model leaves "
                    "them out too. Untick a field to train on it again, for example when the team no longer "
                    "fills it after contacting a lead.").format(version=version),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.boxes: dict[str, QCheckBox] = {}
        for name in carried:
            box = QCheckBox(self.tr("Exclude {field}").format(field=name), self)
            box.setChecked(True)
            layout.addWidget(box)
            self.boxes[name] = box

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Train"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def lifted_fields(self) -> list[str]:
        """Return the carried exclusions the user unticked, in the order shown."""
        return [name for name, box in self.boxes.items() if not box.isChecked()]
