"""A Yes/Cancel question that opens without blocking, for dialogs that confirm a destructive step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def open_confirm_box(parent: QWidget, title: str, text: str, informative_text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """Open a window-modal question with Cancel as the default, and call on_yes when the user picks Yes.

    The box deletes itself on close. Until then parent.confirm_box refers to it, so tests can click its buttons,
    and afterwards parent.confirm_box is None.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, "", parent=parent)
    box.setText(text)
    box.setInformativeText(informative_text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.accepted.connect(on_yes)
    box.destroyed.connect(lambda: setattr(parent, "confirm_box", None))
    parent.confirm_box = box  # type: ignore[attr-defined]
    box.open()
    return box
