"""A dialog base whose Cancel, Escape and close button stop running work instead of closing."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog


class CancellableDialog(QDialog):
    """A QDialog that, while `running` is true, turns every way of closing into `cancel()`.

    Subclasses provide the `running` property and `cancel()`, and connect their Cancel
    button to `_on_cancel_clicked`.
    """

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError

    def _on_cancel_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        # Escape and the title bar's close button call reject(); while working they cancel instead.
        if self.running:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
