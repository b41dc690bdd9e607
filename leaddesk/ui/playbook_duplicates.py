"""The playbook dialog's form of the [duplicates] section: the duplicate scan's thresholds and auto-merge switch."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from leaddesk.services.playbook.model import DuplicateSettings

SECTION = "duplicates"


class DuplicatesForm(QWidget):
    """Editor of review_threshold, auto_merge_threshold and auto_merge. store() writes only the keys the user changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review_spin = self._threshold_spin()
        self.auto_merge_spin = self._threshold_spin()
        self.auto_merge_check = QCheckBox(self.tr("Merge groups at or above the auto-merge threshold after each scan"), self)
        self._loaded_values: dict[str, Any] = {}

        explanation = QLabel(
            self.tr(
                "The duplicate scan scores each pair of leads from 0 to 1. Pairs scoring at least the review "
                "threshold go to Leads > Duplicates. The review threshold must not exceed the auto-merge threshold."
            ),
            self,
        )
        explanation.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Review threshold"), self.review_spin)
        form.addRow(self.tr("Auto-merge threshold"), self.auto_merge_spin)
        form.addRow("", self.auto_merge_check)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addStretch(1)

    def _threshold_spin(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(0.0, 1.0)
        spin.setDecimals(2)
        spin.setSingleStep(0.05)
        return spin

    def load(self, document: dict[str, Any]) -> None:
        """Show the section's values. A missing or invalid value shows its default, and the check reports an invalid one."""
        section = document.get(SECTION)
        section = section if isinstance(section, dict) else {}
        defaults = DuplicateSettings()
        self.review_spin.setValue(_number(section.get("review_threshold"), defaults.review_threshold))
        self.auto_merge_spin.setValue(_number(section.get("auto_merge_threshold"), defaults.auto_merge_threshold))
        auto_merge = section.get("auto_merge")
        self.auto_merge_check.setChecked(auto_merge if isinstance(auto_merge, bool) else defaults.auto_merge)
        self._loaded_values = self._values()

    def store(self, document: dict[str, Any]) -> None:
        """Write the values that differ from what load() showed into document's [duplicates] table."""
        changed = {key: value for key, value in self._values().items() if value != self._loaded_values.get(key)}
        if not changed:
            return
        section = document.get(SECTION)
        if not isinstance(section, dict):
            section = {}
            document[SECTION] = section
        section.update(changed)

    def _values(self) -> dict[str, Any]:
        return {
            "review_threshold": round(self.review_spin.value(), 2),
            "auto_merge_threshold": round(self.auto_merge_spin.value(), 2),
            "auto_merge": self.auto_merge_check.isChecked(),
        }


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)
