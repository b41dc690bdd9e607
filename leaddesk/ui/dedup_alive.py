"""A guard for task callbacks of dialogs that delete themselves on close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget


def while_alive(widget: QWidget, callback: Callable[..., Any]) -> Callable[..., None]:
    """Return a callback that calls callback only while the widget's C++ object exists.

    A read or write finishes on the GUI thread after its dialog may have closed and been
    deleted. Touching the dialog then raises RuntimeError, so the result is dropped instead.
    """

    def call(*args: Any) -> None:
        if shiboken6.isValid(widget):
            callback(*args)

    return call
