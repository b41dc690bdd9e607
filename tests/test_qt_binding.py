"""The installed Qt binding keeps Python's reference counts intact when signals fire."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ticked = Signal(int)


def test_signal_emit_keeps_true_refcount() -> None:
    # PySide6 6.12.0 dropped a reference to True on every emit, which later aborts the process.
    emitter = _Emitter()
    received: list[int] = []
    emitter.ticked.connect(received.append)
    before = sys.getrefcount(True)

    for value in range(200):
        emitter.ticked.emit(value)

    assert len(received) == 200
    assert sys.getrefcount(True) >= before - 5
