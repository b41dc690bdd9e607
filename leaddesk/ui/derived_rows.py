"""Detail-pane rows of derived values, in grey italics and marked with what they come from."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFormLayout, QLabel

from leaddesk.services.enrichment.shown import DERIVED_FIELDS, shown_value

CONTEXT = "DerivedRows"

# Object name of every derived value label, for style sheets and tests.
DERIVED_OBJECT_NAME = "derivedValue"


def derived_text(shown: Any) -> str:
    """Return a derived value with its translated source: "Germany (derived from phone)"."""
    note = QCoreApplication.translate(CONTEXT, "derived from {source}").format(
        source=QCoreApplication.translate(CONTEXT, shown.source)
    )
    return f"{shown.text} ({note})"


def add_derived_rows(form: QFormLayout, detail: Any) -> int:
    """Add a row for each derived value whose typed field is blank, and return how many were added.

    A typed value is left to the pane's own rows, so a value appears once and the typed
    one wins.
    """
    added = 0
    for field in DERIVED_FIELDS:
        shown = shown_value(detail, field.name)
        if shown is None or not shown.derived:
            continue
        label = QLabel(derived_text(shown))
        label.setObjectName(DERIVED_OBJECT_NAME)
        _mark_derived(label)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setToolTip(
            QCoreApplication.translate(CONTEXT, "Computed by LeadDesk, offline. Type a value in the lead to replace it.")
        )
        form.addRow(QCoreApplication.translate(CONTEXT, field.label) + ":", label)
        added += 1
    return added


def _mark_derived(label: QLabel) -> None:
    """Set grey italics, taking the grey of placeholder text so it stays readable in dark themes."""
    font = label.font()
    font.setItalic(True)
    label.setFont(font)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(palette)
