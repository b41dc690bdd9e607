"""Backups of a local SQLite database with the online backup API, their rotation, restore and integrity checks.

Backups go to a "backups" folder beside the database, named
STEM-LABEL-YYYYMMDDTHHMMSSffffffZ.sqlite. Only the newest MAX_BACKUPS are kept.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from leaddesk.services.backup_contents import (
    NotLeadDeskError, check_leaddesk_file, give_restored_file_new_identity, team_folder_of,
)

if TYPE_CHECKING:
    from leaddesk.services.database import Database

logger = logging.getLogger(__name__)

MAX_BACKUPS = 10
BACKUP_FOLDER = "backups"
_LABEL = re.compile(r"[^a-z0-9-]+")


class BackupError(Exception):
    """A backup or restore that failed; the message names the file and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and when it was taken."""

    path: Path
    label: str
    taken_at: datetime
    size: int


def backup_folder(database_path: Path) -> Path:
    return database_path.parent / BACKUP_FOLDER


# Pages per step of the backup API when progress is reported: 4 MiB with SQLite's default 4 KiB pages.
PAGES_PER_STEP = 1024

# The steps of restore_backup, in order, as passed to its progress callback.
RESTORE_CHECK, RESTORE_SAFETY_COPY, RESTORE_COPY = "check", "safety-copy", "copy"

# A progress callback taking (step, pages copied, pages in total), with 0 of 0 while the total is unknown.
RestoreProgress = Callable[[str, int, int], None]
PageProgress = Callable[[int, int], None]


def _copy_with_backup_api(source_path: Path, target_path: Path, on_pages: PageProgress | None = None) -> None:
    """Copy source_path to target_path with SQLite's online backup API, calling on_pages(copied, total) after each step."""
    source = sqlite3.connect(source_path)
    try:
        target = sqlite3.connect(target_path)
        try:
            if on_pages is None:
                source.backup(target)
            else:
                source.backup(
                    target, pages=PAGES_PER_STEP, progress=lambda _status, remaining, total: on_pages(total - remaining, total)
                )
        finally:
            target.close()
    finally:
        source.close()


def create_backup_file(database_path: Path, label: str, on_pages: PageProgress | None = None) -> Path:
    """Copy the database file into its backups folder, then drop the oldest copies beyond MAX_BACKUPS."""
    folder = backup_folder(database_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    clean_label = _LABEL.sub("-", label.lower()).strip("-") or "manual"
    target = folder / f"{database_path.stem}-{clean_label}-{stamp}.sqlite"
    _copy_with_backup_api(database_path, target, on_pages)
    logger.info("backed up %s to %s (%s)", database_path, target, clean_label)
    rotate_backups(database_path)
    return target


def create_backup(database: Database, label: str) -> Path:
    if database.path is None:
        raise BackupError("this database has no local file to back up")
    return create_backup_file(database.path, label)


def list_backups(database_path: Path) -> list[BackupInfo]:
    """Return the backups of database_path, newest first."""
    pattern = re.compile(rf"^{re.escape(database_path.stem)}-(?P<label>[a-z0-9-]+)-(?P<stamp>\d{{8}}T\d{{12}}Z)\.sqlite$")
    found: list[BackupInfo] = []
    folder = backup_folder(database_path)
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match is None:
            continue
        taken_at = datetime.strptime(match.group("stamp"), "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
        found.append(BackupInfo(path, match.group("label"), taken_at, path.stat().st_size))
    return sorted(found, key=lambda info: info.taken_at, reverse=True)


def rotate_backups(database_path: Path, keep: int = MAX_BACKUPS) -> list[Path]:
    removed = []
    for info in list_backups(database_path)[keep:]:
        info.path.unlink()
        removed.append(info.path)
        logger.info("removed old backup %s; keeping the newest %d", info.path, keep)
    return removed


def journal_paths(path: Path) -> tuple[Path, Path]:
    """Return the rollback journal and the WAL file that SQLite keeps beside path."""
    return path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")


def has_unfinished_transaction(path: Path) -> bool:
    """Return whether a rollback journal with content or a WAL file lies beside path.

    A process killed during a write leaves such a file. It may also belong to a write
    that is running right now, which a read-write open waits for and leaves alone.
    """
    journal, wal = journal_paths(path)
    return (journal.is_file() and journal.stat().st_size > 0) or wal.is_file()


def recover_unfinished_transaction(path: Path) -> bool:
    """Roll back a hot journal, or recover a WAL file, by reading path over a read-write connection.

    SQLite does this itself on the first read of a writable connection. A read-only
    connection cannot, and fails with "attempt to write a readonly database". This function
    deletes no file, because the journal contains the pages that restore the database, and
    SQLite removes it itself after the rollback. The journal of a write that is running
    right now is no hot journal, so SQLite leaves it alone. Returns whether a transaction
    was rolled back. Raises sqlite3.Error when the rollback failed.
    """
    if not has_unfinished_transaction(path):
        return False
    connection = sqlite3.connect(path, timeout=RECOVERY_TIMEOUT_SECONDS)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    # NOTE: a running write that commits between the read and this check also looks rolled back here.
    if has_unfinished_transaction(path):
        logger.info("%s has the journal of a write in another process; SQLite left it to that writer", path)
        return False
    logger.warning("rolled back the unfinished transaction that an interrupted writer left in %s", path)
    return True


# How long recover_unfinished_transaction waits for a process that is writing to the file.
RECOVERY_TIMEOUT_SECONDS = 30.0


def integrity_problems(path: Path, *, quick: bool = False) -> list[str]:
    """Run PRAGMA integrity_check on path and return its findings; an empty list means the file is sound.

    An unfinished transaction that an interrupted writer left is rolled back first (see
    recover_unfinished_transaction), so only real damage is reported. With quick, the check
    is PRAGMA quick_check: it reads every page and record but does not compare indexes
    with their tables. It took 0.3 s instead of 2.6 s on a 240 MB file of 100,000 leads
    (2-core machine shared with other jobs).
    """
    try:
        recover_unfinished_transaction(path)
    except sqlite3.Error as error:
        journal, _wal = journal_paths(path)
        logger.error("rolling back the unfinished transaction of %s failed: %s", path, error)
        return [
            f"rolling back its unfinished transaction from {journal.name} failed ({error}); "
            f"make {path} and its folder writable and keep {journal.name} beside it, then try again"
        ]
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return [str(error)]
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        connection.close()
    findings = [str(row[0]) for row in rows]
    return [] if findings == ["ok"] else findings


def recovery_message(path: Path, problems: list[str]) -> str:
    """Explain a failed integrity check: what failed, the newest backup, and the command that restores it."""
    summary = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
    backups = list_backups(path)
    if backups:
        newest = backups[0]
        fix = (
            f"restore the newest backup ({newest.taken_at:%Y-%m-%d %H:%M} UTC) with "
            f"'leaddesk --db {path} restore {newest.path}', or File > Restore backup in the window"
        )
    else:
        fix = "no backup exists in {folder}; move the file away and re-import your leads, or restore it from your own copies".format(
            folder=backup_folder(path)
        )
    return f"{path} failed SQLite's integrity check: {summary}. The file was left untouched; {fix}."


def restore_backup(
    database_path: Path,
    backup_path: Path,
    progress: RestoreProgress | None = None,
    warn: Callable[[str], None] | None = None,
) -> Path | None:
    """Replace the database with backup_path, after backing up the current file; return that safety copy.

    The backup is checked with PRAGMA integrity_check first, so a damaged backup never
    replaces the database, and a file without LeadDesk's tables is rejected. No LeadDesk
    window or command may have the database open. progress, when given, is called from
    this thread with RESTORE_CHECK, RESTORE_SAFETY_COPY and RESTORE_COPY and the pages
    copied so far. warn gets each warning, such as a backup of another team's database,
    and every warning is logged too. A restored team database becomes a new device of its
    team, because its old device id belongs to the database it was copied from.
    """

    def report(step: str) -> PageProgress | None:
        if progress is None:
            return None
        return lambda copied, total: progress(step, copied, total)

    if progress is not None:
        progress(RESTORE_CHECK, 0, 0)
    if not backup_path.is_file():
        raise BackupError(f"backup file {backup_path} not found; list backups with 'leaddesk backup --list'")
    if database_path.exists() and backup_path.resolve() == database_path.resolve():
        # Copying a file onto itself with the backup API waits for its own lock forever.
        raise BackupError(f"{backup_path} is the database itself; choose a backup file from 'leaddesk backup --list'")
    with backup_path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{backup_path} is not an SQLite file, so it is no LeadDesk backup; choose another file")
    problems = integrity_problems(backup_path)
    if problems:
        raise BackupError(f"backup {backup_path} is damaged ({problems[0]}); choose an older backup")
    try:
        check_leaddesk_file(backup_path)
    except NotLeadDeskError as error:
        raise BackupError(str(error)) from None
    warnings = _team_warnings(database_path, backup_path)
    safety_copy = None
    if database_path.exists() and database_path.stat().st_size > 0:
        if progress is not None:
            progress(RESTORE_SAFETY_COPY, 0, 0)
        if integrity_problems(database_path):
            # The backup API may fail on a damaged file, so move it aside whole instead of copying it.
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            safety_copy = backup_folder(database_path) / f"{database_path.stem}-damaged-{stamp}.sqlite"
            safety_copy.parent.mkdir(parents=True, exist_ok=True)
            database_path.replace(safety_copy)
        else:
            try:
                safety_copy = create_backup_file(database_path, "before-restore", report(RESTORE_SAFETY_COPY))
            except (OSError, sqlite3.Error) as error:
                raise BackupError(
                    f"backing up {database_path} before the restore failed ({error}), so it was left as it was. "
                    f"Free disk space in {backup_folder(database_path)} and restore again"
                ) from error
    database_path.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress(RESTORE_COPY, 0, 0)
    try:
        _copy_with_backup_api(backup_path, database_path, report(RESTORE_COPY))
    except (OSError, sqlite3.Error) as error:
        previous = f"The previous database is saved as {safety_copy}." if safety_copy else "There was no previous database."
        raise BackupError(
            f"copying {backup_path} over {database_path} failed ({error}). {previous} "
            "Free disk space or close other programs that use the file, then restore again"
        ) from error
    logger.info("restored %s from %s", database_path, backup_path)
    new_device = give_restored_file_new_identity(database_path, backup_path)
    if new_device is not None:
        warnings.append(
            f"the restored database is now team device {new_device}; at its next sync it applies the team's "
            "segments again, including edits made after the backup was taken"
        )
    for message in warnings:
        logger.warning("restore of %s from %s: %s", database_path, backup_path, message)
        if warn is not None:
            warn(message)
    return safety_copy


def _team_warnings(database_path: Path, backup_path: Path) -> list[str]:
    """Return a warning when the backup syncs with another team folder than the current database."""
    backup_team = team_folder_of(backup_path)
    current_team = team_folder_of(database_path) if database_path.exists() and database_path.stat().st_size > 0 else None
    if backup_team is None or current_team is None or backup_team == current_team:
        return []
    return [
        f"{backup_path} belongs to the team folder {backup_team}, not to {current_team} of the current database; "
        "the restored database syncs with that team. Restore the safety copy if this was the wrong file"
    ]


def backup_due(database_path: Path, every_hours: float) -> bool:
    """Return whether the newest scheduled or manual backup is older than every_hours."""
    backups = [info for info in list_backups(database_path) if info.label in ("scheduled", "manual")]
    if not backups:
        return True
    age = datetime.now(timezone.utc) - backups[0].taken_at
    return age.total_seconds() >= every_hours * 3600


# A scheduled backup is due after this many hours without a scheduled or manual one.
SCHEDULED_BACKUP_HOURS = 24.0


def backup_if_due(database_path: Path, every_hours: float = SCHEDULED_BACKUP_HOURS) -> Path | None:
    """Take a scheduled backup when the newest one is older than every_hours; return its path or None."""
    if not database_path.exists() or not backup_due(database_path, every_hours):
        return None
    return create_backup_file(database_path, "scheduled")
