"""Write requests: a short writer's claim on an SQLite file, which post-import jobs honour between steps.

In rollback-journal mode SQLite grants the write lock to whichever connection tries at the
moment it is free. A job commits a step and begins the next one within microseconds,
while a waiting writer's busy handler tries again only after a sleep, so the writer rarely
gets in and fails with "database is locked" (writer starvation).

A writer therefore holds an exclusive lock on a side file, DATABASE-write-request, while it
waits and writes. A job takes a shared lock on that file before each step, which blocks
until the writer is done. Both are SQLite locks on the side file, so the operating system
releases them when a process dies, and a killed writer leaves no stale request. The side
file stays next to the database and is empty.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from leaddesk.services.database import SQLITE_BUSY_TIMEOUT_MS

logger = logging.getLogger(__name__)

REQUEST_SUFFIX = "-write-request"

# How long a job step waits for a write request to end before it runs anyway.
JOB_WAIT_SECONDS = 600.0


def request_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + REQUEST_SUFFIX)


@contextmanager
def write_request(database_path: Path | None, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> Iterator[None]:
    """Hold a write request on database_path for the body, after the running job step has committed.

    Jobs wait before their next step until the body ends. Another writer's request is waited
    for up to timeout seconds. When the side file cannot be written (a read-only folder), the
    body runs without a request, as before write requests existed. None, a server database, is a no-op.
    """
    if database_path is None:
        yield
        return
    side_file = request_path(database_path)
    try:
        request = sqlite3.connect(side_file, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        logger.warning("writing without a write request on %s: %s", side_file, error)
        yield
        return
    try:
        try:
            request.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error as error:
            logger.warning("writing without a write request on %s: %s", side_file, error)
            request.close()
            request = None
        if request is not None:
            _wait_for_running_step(database_path, timeout)
        yield
    finally:
        if request is not None:
            request.close()


def _wait_for_running_step(database_path: Path, timeout: float) -> None:
    """Wait until no connection holds the write lock of database_path, so a running job step has committed.

    BEGIN IMMEDIATE takes the write lock without a read lock first, so SQLite's busy handler
    waits for it. A write that starts with a read lock held can instead fail at once with
    "database is locked", when SQLite detects a deadlock with a committing job step.
    """
    connection = sqlite3.connect(database_path, timeout=timeout, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        # The write that follows waits for the lock once more and reports it if it fails.
        logger.warning("the write lock of %s stayed taken for %.0f s: %s", database_path, timeout, error)
    finally:
        connection.close()


def wait_for_write_requests(database_path: Path | None, timeout: float = JOB_WAIT_SECONDS) -> None:
    """Block while another process holds a write request on database_path, for up to timeout seconds.

    Returns at once when no request file exists or database_path is None (a server
    database). After timeout the caller runs anyway, and a warning is logged.
    """
    if database_path is None:
        return
    side_file = request_path(database_path)
    if not side_file.exists():
        return
    started = time.perf_counter()
    try:
        connection = sqlite3.connect(side_file, timeout=timeout)
    except sqlite3.Error as error:
        logger.warning("checking the write requests in %s failed: %s", side_file, error)
        return
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as error:
        logger.warning("a write request on %s did not end within %.0f s (%s); the job continues", database_path, timeout, error)
        return
    finally:
        connection.close()
    waited = time.perf_counter() - started
    if waited > 0.05:
        logger.info("post-import job waited %.1f s for a write request on %s", waited, database_path)
