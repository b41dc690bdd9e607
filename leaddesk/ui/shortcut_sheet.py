"""The keyboard shortcut sheet that "?" opens over the inbox."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

# (keys, what they do), in the order the sheet lists them.
SHORTCUTS = (
    ("↓ / j", QT_TRANSLATE_NOOP("ShortcutSheet", "Next lead")),
    ("↑ / k", QT_TRANSLATE_NOOP("ShortcutSheet", "Previous lead")),
    ("Enter", QT_TRANSLATE_NOOP("ShortcutSheet", "Open the lead's details")),
    ("c", QT_TRANSLATE_NOOP("ShortcutSheet", "Mark contacted (stops the response clock)")),
    ("l", QT_TRANSLATE_NOOP("ShortcutSheet", "Log a call (with outcome), email or meeting")),
    ("m", QT_TRANSLATE_NOOP("ShortcutSheet", "Write an email from a template")),
    ("n", QT_TRANSLATE_NOOP("ShortcutSheet", "Add a note")),
    ("f", QT_TRANSLATE_NOOP("ShortcutSheet", "Plan a follow-up")),
    ("s", QT_TRANSLATE_NOOP("ShortcutSheet", "Snooze the next follow-up")),
    ("e", QT_TRANSLATE_NOOP("ShortcutSheet", "Mark the next follow-up done")),
    ("b", QT_TRANSLATE_NOOP("ShortcutSheet", "Suggest the next best action, with reasons")),
    ("q", QT_TRANSLATE_NOOP("ShortcutSheet", "Enroll the lead in a sequence")),
    ("/", QT_TRANSLATE_NOOP("ShortcutSheet", "Search")),
    ("Ctrl+Z", QT_TRANSLATE_NOOP("ShortcutSheet", "Undo the last action (for 30 seconds)")),
    ("?", QT_TRANSLATE_NOOP("ShortcutSheet", "Show this sheet")),
)


class ShortcutSheet(QDialog):
    """A two-column list of the inbox's triage keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        for row, (keys, text) in enumerate(SHORTCUTS):
            key_label = QLabel(f"<b>{keys}</b>", self)
            key_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(key_label, row, 0)
            grid.addWidget(QLabel(QCoreApplication.translate("ShortcutSheet", text), self), row, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Work through the inbox without the mouse:"), self))
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """Return the (keys, description) pairs as shown."""
        return [(keys, QCoreApplication.translate("ShortcutSheet", text)) for keys, text in SHORTCUTS]
