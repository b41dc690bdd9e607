"""The rejected-rows file: each rejected row with its original cells, plus its row number and the reason.

The file has the source's header row followed by the columns "row" and "reason", so the
user can correct the cells in a spreadsheet and import the same file again. The importer
recognizes those two trailing columns and leaves them out. It is UTF-8 CSV with a BOM, so
that Excel reads its encoding.

RejectedRowsFile writes the rows while the import runs, so an import keeps only the first
REJECTED_ROWS_KEPT rejected rows in memory however many it rejects.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import logging
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from leaddesk.services.export_cells import csv_safe
from leaddesk.services.exporting import ANNOTATION_HEADERS
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.report import ImportReport, RejectedRow
from leaddesk.services.paths import data_dir

logger = logging.getLogger(__name__)

ANNOTATION_COLUMNS = ANNOTATION_HEADERS
ROW_COLUMN, REASON_COLUMN = ANNOTATION_COLUMNS

# The default name of the rejected-rows file, next to the imported file.
REJECTED_SUFFIX = ".rejected.csv"

# The folder under the data folder that receives the file when the source's folder is read-only.
FALLBACK_FOLDER_NAME = "rejected"

# Other names tried beside the target when it cannot be replaced, such as "x.rejected (2).csv".
ALTERNATIVE_NAMES = 20

# The maximum length of a file name, in bytes, on ext4, XFS and Btrfs (NAME_MAX on Linux).
# NTFS and APFS allow 255 UTF-16 or UTF-8 units, which 255 bytes never exceeds.
MAX_NAME_BYTES = 255

# Bytes that partial_path adds to a name, plus the ".padded" of the copy that _pad_rows writes.
_PARTIAL_EXTRA_BYTES = len(".") + len(".partial") + len(".padded")

# The first columns of the rejected-rows files that older LeadDesk versions wrote.
OLD_FORMAT_COLUMNS = ["row", "column", "value", "reason"]

# The files beside an SQLite database that belong to it.
_DATABASE_SIDE_FILES = ("-wal", "-shm", "-journal")


class RejectedFileError(ImportFileError):
    """The rejected-rows file cannot be written, so the import stopped and stored nothing."""


@dataclass(frozen=True)
class RejectedTarget:
    """The destination of an import's rejected rows.

    fallback_folder receives the file when the folder of path cannot be written, under a
    name made unique per folder of path (see fallback_path). With remove_stale, an import
    that rejects no row deletes the rejected-rows file that an earlier import left at path.
    The file never replaces the paths in protected, such as the database, and replaces an
    existing file that is not a rejected-rows file only with overwrite.
    """

    path: Path
    fallback_folder: Path | None = None
    remove_stale: bool = False
    protected: tuple[Path, ...] = ()
    overwrite: bool = False


def default_rejected_path(source: Path) -> Path:
    """Return SOURCE.rejected.csv, with the source's name shortened when the whole name would be too long."""
    return source.with_name(shortened_name(source.name, MAX_NAME_BYTES - len(REJECTED_SUFFIX)) + REJECTED_SUFFIX)


def default_rejected_target(source: Path, *, protected: Sequence[Path] = ()) -> RejectedTarget:
    """Return SOURCE.rejected.csv beside the source, falling back to the data folder's "rejected" folder."""
    return RejectedTarget(
        path=default_rejected_path(source),
        fallback_folder=data_dir() / FALLBACK_FOLDER_NAME,
        remove_stale=True,
        protected=tuple(protected),
    )


def shortened_name(name: str, max_bytes: int) -> str:
    """Return name, or when its UTF-8 form is longer than max_bytes, its start and a hash of the whole name.

    Different long names give different results, because the hash covers the whole name.
    """
    encoded = os.fsencode(name)
    if len(encoded) <= max_bytes:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:12]
    start = encoded[: max_bytes - len(digest) - 1].decode("utf-8", errors="ignore")
    return f"{start}~{digest}"


def fallback_path(target: RejectedTarget) -> Path:
    """Return the file in target's fallback folder, named after the target and a hash of its folder.

    Two sources of the same name in two read-only folders so get two files, such as
    "leads.csv.rejected 1a2b3c4d.csv".
    """
    folder = os.fsencode(str(target.path.parent.absolute()))
    digest = hashlib.sha256(folder).hexdigest()[:8]
    name = Path(target.path.name)
    stem = shortened_name(name.stem, MAX_NAME_BYTES - len(digest) - 1 - len(os.fsencode(name.suffix)))
    return target.fallback_folder / f"{stem} {digest}{name.suffix}"


def checked_target(target: RejectedTarget, source: Path) -> RejectedTarget:
    """Return target with a symbolic link replaced by the file it points to; raise RejectedFileError for a bad target.

    The target must name a file, must not be the imported file or a protected file, such
    as the database and its -wal, -shm and -journal files, and must not be a directory,
    device, FIFO or socket. An existing non-empty file must be a rejected-rows file,
    unless target.overwrite is set.
    """
    path = target.path
    if path.name in ("", ".", ".."):
        raise RejectedFileError(
            f"invalid rejected-rows file {str(path)!r}: it names a folder, not a file; "
            "give a file name such as leads.rejected.csv"
        )
    if path.is_symlink():
        path = path.resolve()
        target = RejectedTarget(path, target.fallback_folder, target.remove_stale, target.protected, target.overwrite)

    resolved = path.resolve()
    if resolved == source.resolve():
        raise RejectedFileError(
            f"the rejected rows would overwrite {source}, the file being imported; nothing was imported. "
            "Choose another file for the rejected rows"
        )
    for protected in target.protected:
        database = protected.resolve()
        names = [database.name, *(database.name + suffix for suffix in _DATABASE_SIDE_FILES)]
        if resolved.parent == database.parent and resolved.name in names:
            raise RejectedFileError(
                f"the rejected rows would overwrite {path}, which belongs to the database {protected}; "
                "nothing was imported. Choose another file for the rejected rows, such as leads.rejected.csv"
            )

    try:
        mode = path.stat().st_mode
    except OSError:
        # A missing file is the usual case, and a folder that cannot be read fails when the
        # file is opened, which falls back to fallback_folder.
        return target
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise RejectedFileError(
            f"the rejected-rows file {path} is {kind}; nothing was imported. "
            + _fix_for_taken_path(target, "Give the path of a new or earlier rejected-rows file")
        )
    if not target.overwrite and not is_rejected_rows_file(path):
        raise RejectedFileError(
            f"{path} exists and is not a rejected-rows file: its header does not end with the columns "
            f"{ROW_COLUMN!r} and {REASON_COLUMN!r}, so nothing was imported to keep it. "
            + _fix_for_taken_path(target, "Choose another file for the rejected rows, or move that file away")
        )
    return target


def _fix_for_taken_path(target: RejectedTarget, explicit_fix: str) -> str:
    """Return explicit_fix for a path the caller chose, else a rename, because the window cannot change the default."""
    if target.fallback_folder is None:
        return explicit_fix
    return f"Rename or move {target.path.name} away, then import again"


def is_rejected_rows_file(path: Path) -> bool:
    """Return whether path is empty or has the header of a rejected-rows file, old or current."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, csv.Error):
        return False
    return header is None or header[: len(OLD_FORMAT_COLUMNS)] == OLD_FORMAT_COLUMNS or annotation_width(header) > 0


def as_rejected_target(target: RejectedTarget | Path | str | None) -> RejectedTarget | None:
    """Return target as a RejectedTarget; a bare path gets no fallback folder and removes nothing."""
    if target is None or isinstance(target, RejectedTarget):
        return target
    return RejectedTarget(path=Path(target))


def annotation_width(headers: Sequence[str]) -> int:
    """Return 2 when the headers end with the row and reason columns of a rejected-rows file, else 0."""
    if len(headers) > len(ANNOTATION_COLUMNS) and tuple(headers[-len(ANNOTATION_COLUMNS):]) == ANNOTATION_COLUMNS:
        return len(ANNOTATION_COLUMNS)
    return 0


def full_reason(rejected: RejectedRow) -> str:
    """Return the reason with the column at fault in front, such as "Created Date: ... has 28 days"."""
    return f"{rejected.column}: {rejected.reason}" if rejected.column else rejected.reason


def partial_path(target: Path) -> Path:
    """Return the hidden file beside target that receives the rows until the import ends.

    A long target name is shortened, so that this name and the ".padded" copy of
    _pad_rows stay within MAX_NAME_BYTES.
    """
    return target.with_name(f".{shortened_name(target.name, MAX_NAME_BYTES - _PARTIAL_EXTRA_BYTES)}.partial")


class RejectedRowsFile:
    """The rejected rows of one import pass, counted in the report and written to the target as they arrive.

    Use it as a context manager around the pass. The rows go to a hidden partial file beside
    the target (see partial_path), created at the first rejected row, so a pass that rejects
    nothing creates no file. When the pass ends without an exception, the partial file is
    renamed to the target and report.rejected_file names it. When the pass raises (a cancel,
    a failure, a second pass for another date order), the partial file is deleted and the
    target keeps whatever an earlier import wrote there.

    The columns are the report's headers, then "Column N" for each extra cell past them in
    the order such cells first occur, then row and reason. Rows written before an extra
    column appeared are padded when the pass ends. With target None, rows are only counted
    and kept in the report.
    """

    def __init__(self, target: RejectedTarget | None, report: ImportReport) -> None:
        self._target = target
        self._report = report
        self._columns = list(dict.fromkeys(report.headers))
        self._known = set(self._columns)
        # Set when a row brought a column that rows written before it lack.
        self._widened = False
        self._path: Path | None = None
        self._handle: IO[str] | None = None
        self._writer = None
        self._written = 0
        if target is not None:
            self._target = checked_target(target, Path(report.path))

    def __enter__(self) -> RejectedRowsFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self.finish()
            except RejectedFileError:
                self.discard()
                raise
        else:
            self.discard()

    def add(self, rejected: RejectedRow) -> None:
        """Count the row in the report and write it to the file; raise RejectedFileError when the write fails."""
        self._report.add_rejected(rejected)
        if self._target is None:
            return

        for header in rejected.values:
            if header not in self._known:
                self._known.add(header)
                self._columns.append(header)
                if self._writer is not None:
                    # The header row is written already, so close() rewrites the file.
                    self._widened = True
        if self._writer is None:
            self._open()
        cells = [csv_safe(rejected.values.get(header, "")) for header in self._columns]
        try:
            self._writer.writerow([*cells, rejected.row, csv_safe(full_reason(rejected))])
        except OSError as error:
            # NOTE: only opening the file falls back to fallback_folder. After a failed write,
            # the rows that were buffered are lost, so the import stops instead of moving on.
            raise self._write_error(error) from error
        self._written += 1

    def close(self) -> None:
        """Write out the rows still buffered, padding them when columns were added; raise RejectedFileError on failure.

        The importer calls this after the last row and before it commits, so that a full
        disk stops the import instead of losing rejected rows of an import that was stored.
        """
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.close()
            if self._widened:
                self._pad_rows()
        except OSError as error:
            raise self._write_error(error) from error

    def finish(self) -> None:
        """Rename the partial file to the target, or with no rejected row, remove a stale target file."""
        if self._target is None:
            return
        if self._path is None:
            self._remove_stale()
            return
        self.close()
        self._report.rejected_file = str(self._move_into_place())
        logger.info("wrote %d rejected rows of %s to %s", self._written, self._report.path, self._report.rejected_file)

    def discard(self) -> None:
        """Close and delete the partial file; the target is left as it was."""
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError as error:
                logger.warning("cannot close the unfinished rejected-rows file of %s: %s", self._path, error)
        if self._path is not None:
            partial_path(self._path).unlink(missing_ok=True)
            logger.info("deleted the unfinished rejected-rows file %s", partial_path(self._path))

    def _open(self) -> None:
        target = self._target
        try:
            self._open_at(target.path)
        except OSError as error:
            if target.fallback_folder is None:
                raise self._write_error(error, target.path) from error
            fallback = fallback_path(target)
            logger.warning("cannot write %s (%s); writing %s instead", target.path, error, fallback)
            try:
                fallback.parent.mkdir(parents=True, exist_ok=True)
                if fallback.exists() and not is_rejected_rows_file(fallback):
                    raise FileExistsError(errno.EEXIST, "exists and is not a rejected-rows file")
                self._open_at(fallback)
            except OSError as fallback_error:
                raise self._write_error(fallback_error, fallback) from fallback_error

    def _open_at(self, path: Path) -> None:
        self._handle = partial_path(path).open("w", encoding="utf-8-sig", newline="")
        self._path = path
        self._writer = csv.writer(self._handle)
        self._writer.writerow(self._header_row())

    def _header_row(self) -> list[str]:
        return [csv_safe(header) for header in [*self._columns, *ANNOTATION_COLUMNS]]

    def _pad_rows(self) -> None:
        """Rewrite the partial file with the final header, padding rows written before an extra column appeared."""
        partial = partial_path(self._path)
        padded = partial.with_name(partial.name + ".padded")
        width = len(self._columns)
        try:
            with partial.open(encoding="utf-8-sig", newline="") as source, padded.open(
                "w", encoding="utf-8-sig", newline=""
            ) as handle:
                rows = csv.reader(source)
                next(rows)
                writer = csv.writer(handle)
                writer.writerow(self._header_row())
                for row in rows:
                    cells, annotations = row[: -len(ANNOTATION_COLUMNS)], row[-len(ANNOTATION_COLUMNS):]
                    writer.writerow([*cells, *[""] * (width - len(cells)), *annotations])
            padded.replace(partial)
        finally:
            padded.unlink(missing_ok=True)

    def _move_into_place(self) -> Path:
        """Rename the partial file to the target path, or beside it when the target cannot be replaced.

        The target cannot be replaced when, for example, a spreadsheet program has it open on
        Windows. The rows are never dropped, and a warning in the report names where they went.
        """
        partial = partial_path(self._path)
        try:
            partial.replace(self._path)
            return self._path
        except OSError as error:
            first_error = error
        for number in range(2, ALTERNATIVE_NAMES + 2):
            name = self._path.name.removesuffix(".csv")
            alternative = self._path.with_name(f"{name} ({number}).csv")
            if alternative.exists():
                continue
            try:
                partial.replace(alternative)
            except OSError:
                continue
            self._report.warnings.append(
                f"cannot replace {self._path} ({first_error.strerror or first_error}), so the rejected rows "
                f"were written to {alternative}"
            )
            return alternative
        self._report.warnings.append(
            f"cannot rename {partial} to {self._path} ({first_error.strerror or first_error}); the rejected "
            f"rows are complete in {partial}, so rename it yourself"
        )
        return partial

    def _remove_stale(self) -> None:
        if not self._target.remove_stale or not is_rejected_rows_file(self._target.path):
            return
        try:
            self._target.path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("cannot remove the old rejected-rows file %s: %s", self._target.path, error)

    def _write_error(self, error: OSError, path: Path | None = None) -> RejectedFileError:
        path = path or self._path
        # Only a caller that chose the path can choose another one, and the window never does.
        other_file = ""
        if self._target.fallback_folder is None:
            other_file = ", or choose another file for the rejected rows"
        return RejectedFileError(
            f"failed to write the rejected rows to {path}: {error.strerror or error}; nothing was imported. "
            f"Free disk space or make the folder writable{other_file}, then import again"
        )

