"""Exit codes and the error type that CLI commands raise for a one-line message."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure the user can fix; main() prints the message on one line and exits with exit_code."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code
