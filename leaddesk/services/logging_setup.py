"""Logging set-up: a rotating file in the user data folder, and stderr when asked."""

from __future__ import annotations

import logging
import logging.handlers

from leaddesk.services.paths import log_dir

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_MAX_BYTES = 2_000_000
LOG_FILE_BACKUPS = 3

# Handlers this module added, so a second call replaces them instead of adding more.
_installed_handlers: list[logging.Handler] = []


def configure_logging(verbose: bool = False, to_stderr: bool = False) -> None:
    root = logging.getLogger()
    for handler in _installed_handlers:
        root.removeHandler(handler)
        handler.close()
    _installed_handlers.clear()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)

    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            folder / "leaddesk.log", maxBytes=LOG_FILE_MAX_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        _installed_handlers.append(file_handler)
    except OSError as error:
        logging.getLogger(__name__).warning("cannot write the log file: %s", error)

    if to_stderr or verbose:
        stream_handler = logging.StreamHandler()
        stream_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        _installed_handlers.append(stream_handler)

    for handler in _installed_handlers:
        root.addHandler(handler)
