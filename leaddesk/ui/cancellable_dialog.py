"""A dialog base whose Cancel, Escape and close button stop running work instead of closing."""

from __future__ import annotations

import threading

from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog


class CancellableDialog(QDialog):
    """A QDialog that runs one job at a time and turns every way of closing into `cancel()` while it runs.

    Subclasses set `_cancel` to the job's cancel event while it runs and back to None when it
    ends, create `status_label`, `cancel_button` and `progress_bar`, and connect their Cancel
    button to `_on_cancel_clicked`.
    """

    _cancel: threading.Event | None = None

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> None:
        """Ask the running job to stop; the job itself rolls back or removes what it wrote."""
        if self._cancel is not None:
            self._cancel.set()
            self.status_label.setText(self.tr("Cancelling..."))
            self.cancel_button.setEnabled(False)

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        if not self.running:
            return
        self.progress_bar.setValue(int(max(0.0, min(fraction, 1.0)) * 1000))
        self.status_label.setText(message)

    def _on_cancel_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        # Escape and the title bar's close button call reject(), so while working they cancel instead.
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
