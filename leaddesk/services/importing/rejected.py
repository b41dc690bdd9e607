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
import logging
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


class RejectedFileError(ImportFileError):
    """The rejected-rows file cannot be written, so the import stopped and stored nothing."""


@dataclass(frozen=True)
class RejectedTarget:
    """The destination of an import's rejected rows.

    fallback_folder receives the file, under the same name, when the folder of path cannot
    be written. With remove_stale, an import that rejects no row deletes the file that an
    earlier import left at path.
    """

    path: Path
    fallback_folder: Path | None = None
    remove_stale: bool = False


def default_rejected_path(source: Path) -> Path:
    return source.with_name(source.name + REJECTED_SUFFIX)


def default_rejected_target(source: Path) -> RejectedTarget:
    """Return SOURCE.rejected.csv beside the source, falling back to the data folder's "rejected" folder."""
    return RejectedTarget(
        path=default_rejected_path(source),
        fallback_folder=data_dir() / FALLBACK_FOLDER_NAME,
        remove_stale=True,
    )


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
    """Return the hidden file beside target that receives the rows until the import ends."""
    return target.with_name(f".{target.name}.partial")


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
            _check_not_source(target.path, Path(report.path))

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
            fallback = target.fallback_folder / target.path.name
            logger.warning("cannot write %s (%s); writing %s instead", target.path, error, fallback)
            try:
                fallback.parent.mkdir(parents=True, exist_ok=True)
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
        if not self._target.remove_stale:
            return
        try:
            self._target.path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("cannot remove the old rejected-rows file %s: %s", self._target.path, error)

    def _write_error(self, error: OSError, path: Path | None = None) -> RejectedFileError:
        path = path or self._path
        return RejectedFileError(
            f"failed to write the rejected rows to {path}: {error.strerror or error}; nothing was imported. "
            "Free disk space or make the folder writable, or choose another file for the rejected rows, "
            "then import again"
        )


def _check_not_source(target: Path, source: Path) -> None:
    """Raise RejectedFileError when target is the imported file, which the rejected rows would overwrite."""
    if target.resolve() == source.resolve():
        raise RejectedFileError(
            f"the rejected rows would overwrite {source}, the file being imported; nothing was imported. "
            "Choose another file for the rejected rows"
        )

