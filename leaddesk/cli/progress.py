"""Progress of a long command on one line of stderr, redrawn in place, shown only on a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class TerminalProgress:
    """A progress callback (fraction, message) that redraws "label  42%  message" on stderr.

    It draws nothing when the stream is not a terminal, so pipes and log files stay clean,
    or when enabled is False, as for --json. close() erases the line.
    """

    def __init__(self, label: str, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and _is_terminal(self.stream)
        self._width = 0

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        line = f"{self.label}  {fraction * 100:3.0f}%  {message}"
        padding = " " * max(self._width - len(line), 0)
        self.stream.write(f"\r{line}{padding}")
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
