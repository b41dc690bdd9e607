"""Converting a large file's rows in a worker process while the importing process writes them.

Reading and converting rows needs no database, and took about a third of the CPU time of
a 100,000-row CSV import (bench/import_bench.py). A worker process runs convert_rows on
chunk N+1 while the importing process writes chunk N, so on a machine with a free core
the import takes about as long as its writing alone. The worker
sends each chunk through a pipe, and a pipe's writer blocks while the pipe is full, so
the worker runs at most a few chunks ahead (PIPE_BYTES) and memory stays bounded.

The worker is a new Python interpreter started with subprocess, not multiprocessing.
The "spawn" start of multiprocessing runs the caller's main script again in the child,
so a script that calls run_import at its top level would import twice. The
chunks are the ones that convert_rows yields in the importing process, so rejected
rows, warnings and row numbers are the same either way. Only delimited text files of at
least WORKER_MIN_BYTES use a worker, on POSIX systems with an idle core (MIN_IDLE_CORES):
a smaller file converts faster than a process starts, and a workbook sheet is already in
the importing process's memory.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

from leaddesk.lead_fields import normalize_phone
from leaddesk.services.importing.chunks import ConversionEnd, ConvertedChunk, convert_rows
from leaddesk.services.importing.collection import fewer_collections
from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.mapping import ColumnPlan
from leaddesk.services.importing.rows import RowConverter
from leaddesk.services.importing.sniffing import HEAD_BYTES, sniff_container
from leaddesk.services.importing.table import RowStream, Table

try:
    import fcntl
except ImportError:  # Windows has no fcntl.
    fcntl = None

logger = logging.getLogger(__name__)

# Files smaller than this convert in the importing process. A worker's interpreter and
# imports cost about a second of CPU time, while a 4 MiB file of the benchmark's kind has
# about 16,000 rows, which convert in about 0.4 s. NOTE: the size where a worker starts to
# pay off was not measured; this one is an estimate from those two figures.
WORKER_MIN_BYTES = 4 << 20

# Cores that must be idle, by the 1-minute load average, for a worker to start. With every
# core busy, a worker takes CPU time from the importing process instead of using a free
# core. On the 2-core benchmark machine at load averages of 4.2 to 5.4, three imports with
# a worker took 12.6 to 23.3 s and three without one 9.8 to 17.4 s (bench/import_bench.py).
MIN_IDLE_CORES = 1.0

# Bytes the pipe of chunks holds on Linux, where the default is 64 KiB and an unprivileged
# process may ask for up to 1 MiB. A pickled chunk of the benchmark's rows is about 400 KB.
PIPE_BYTES = 1 << 20

# Seconds to wait for a worker to exit after its last message, before it is terminated.
WORKER_EXIT_SECONDS = 5.0


@dataclass(frozen=True)
class ConversionJob:
    """Everything needed to convert a table's rows, in a form that pickles for a worker process."""

    open_rows: Callable[[], RowStream]
    plan: ColumnPlan
    zone: ZoneInfo
    today: date
    evidence: dict[int, DayMonthEvidence]
    segment_keys: frozenset[str]
    chunk_rows: int
    trim_to: int | None = None

    def converter(self) -> RowConverter:
        return RowConverter(
            self.plan, zone=self.zone, today=self.today, evidence=self.evidence, segment_keys=self.segment_keys
        )


def convert_here(job: ConversionJob, end: list[ConversionEnd]) -> Iterator[ConvertedChunk]:
    """Convert the job's rows in this process; see convert_rows."""
    return convert_rows(job.open_rows(), job.converter(), job.chunk_rows, end, trim_to=job.trim_to)


class ConversionWorker:
    """A worker process that waits for one ConversionJob and sends back its chunks.

    Start it with start_for before the file is opened, so that the worker imports its
    modules while the importing process opens the file, chooses columns and samples dates. Call close()
    in every case, also after an error or a cancel.
    """

    def __init__(self, process: subprocess.Popen, connection: Connection) -> None:
        self._process = process
        self._connection = connection
        self._sent = False
        self._closed = False

    @classmethod
    def start_for(cls, path: Path) -> ConversionWorker | None:
        """Start a worker for a text file of at least WORKER_MIN_BYTES; return None for other files.

        It is called before the file is opened as a table, so that the worker's start
        overlaps the whole preparation. Check the opened table with reads() before use.
        """
        # NOTE: the pipes are handed to the worker with pass_fds, which Windows lacks, so
        # there every file converts in the importing process.
        if os.name != "posix" or getattr(sys, "frozen", False):
            return None
        idle = idle_cores()
        if idle < MIN_IDLE_CORES:
            logger.info("converting the rows in this process: %.1f cores idle, a worker needs %.1f", idle, MIN_IDLE_CORES)
            return None
        try:
            if path.stat().st_size < WORKER_MIN_BYTES:
                return None
            with path.open("rb") as handle:
                head = handle.read(HEAD_BYTES)
            if sniff_container(path, head) != "text":
                return None
        except (OSError, ImportFileError):
            # open_table reports what is wrong with the file.
            return None
        # One pipe per direction: jobs to the worker, chunks back from it.
        job_read, job_write = os.pipe()
        chunk_read, chunk_write = os.pipe()
        _widen_pipe(chunk_write)
        command = [sys.executable, "-c", _WORKER_CODE, str(job_read), str(chunk_write)]
        try:
            process = subprocess.Popen(
                command, pass_fds=(job_read, chunk_write), stdin=subprocess.DEVNULL, env=_worker_environment()
            )
        except OSError as error:
            logger.warning("cannot start a worker process to convert rows (%s); converting in this process", error)
            for descriptor in (job_read, job_write, chunk_read, chunk_write):
                os.close(descriptor)
            return None
        os.close(job_read)
        os.close(chunk_write)
        logger.debug("started worker process %s to convert the rows of %s", process.pid, path.name)
        return cls(process, _Channel(reader=Connection(chunk_read, writable=False), writer=Connection(job_write, readable=False)))

    @staticmethod
    def reads(table: Table) -> bool:
        """Return whether a worker can read the table's rows: delimited text, whose row stream pickles."""
        return table.kind == "csv" and isinstance(table.open_rows, partial)

    def chunks(self, job: ConversionJob, end: list[ConversionEnd]) -> Iterator[ConvertedChunk]:
        """Send the job and yield its chunks as they arrive; append the ConversionEnd to end.

        An exception the conversion raised in the worker is raised here again.
        """
        self._connection.send(job)
        self._sent = True
        while True:
            try:
                kind, payload = self._connection.recv()
            except EOFError:
                code = self._process.wait(WORKER_EXIT_SECONDS)
                raise RuntimeError(
                    f"the worker process converting the rows stopped unexpectedly (exit code {code}); "
                    "nothing was stored; try the import again"
                ) from None
            if kind == "chunk":
                yield payload
            elif kind == "end":
                end.append(payload)
                return
            else:
                raise payload

    def close(self) -> None:
        """Stop the worker: let it exit when it has finished, else terminate it. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        if not self._sent:
            try:
                self._connection.send(None)
            except OSError:
                pass
        self._connection.close()
        try:
            self._process.wait(WORKER_EXIT_SECONDS if self._sent else 0.5)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait()


class _Channel:
    """The importing process's ends of the two pipes, used like one duplex Connection."""

    def __init__(self, reader: Connection, writer: Connection) -> None:
        self._reader = reader
        self._writer = writer

    def send(self, message: object) -> None:
        self._writer.send(message)

    def recv(self) -> object:
        return self._reader.recv()

    def close(self) -> None:
        self._writer.close()
        self._reader.close()


def idle_cores() -> float:
    """Return the cores this process may use minus the 1-minute load average; 0.0 where the load is unknown."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        return cores - os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def _widen_pipe(descriptor: int) -> None:
    """Let the pipe hold PIPE_BYTES where Linux allows it, so that the worker can run a few chunks ahead."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    try:
        fcntl.fcntl(descriptor, set_size, PIPE_BYTES)
    except OSError as error:
        logger.debug("kept the default pipe size for the import worker: %s", error)


# The worker's program: the two arguments are the descriptors of the job pipe and the chunk pipe.
_WORKER_CODE = "import sys; from leaddesk.services.importing.worker import main; main(int(sys.argv[1]), int(sys.argv[2]))"


def _worker_environment() -> dict[str, str]:
    """Return this process's environment with the leaddesk package's parent folder first on PYTHONPATH."""
    environment = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = root if not existing else root + os.pathsep + existing
    return environment


def main(job_descriptor: int, chunk_descriptor: int) -> None:
    """Run in the worker process: serve one job over the two pipes."""
    # Ctrl+C in a terminal reaches the whole process group; the importing process handles it and closes the pipes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(_Channel(reader=Connection(job_descriptor, writable=False), writer=Connection(chunk_descriptor, readable=False)))


def serve(connection: _Channel) -> None:
    """Run in the worker: receive one job, send ("chunk", chunk) messages, then ("end", ConversionEnd).

    An exception is sent as ("error", exception) instead, or as a RuntimeError holding its
    traceback when the exception itself does not pickle.
    """
    try:
        job = connection.recv()
    except EOFError:
        return
    if job is None:
        return
    try:
        end: list[ConversionEnd] = []
        with fewer_collections():
            for chunk in convert_here(job, end):
                _normalize_phones(chunk)
                connection.send(("chunk", chunk))
        connection.send(("end", end[0]))
    except (BrokenPipeError, EOFError, ConnectionResetError):
        # The importing process closed the pipe after a cancel or an error of its own.
        return
    except Exception as error:  # noqa: BLE001  (every error goes back to the importing process)
        connection.send(("error", _picklable(error)))
    finally:
        connection.close()


def _normalize_phones(chunk: ConvertedChunk) -> None:
    """Store each draft's phone_normalized here, which LeadWriter.write would otherwise compute in the importing process."""
    for draft in chunk.drafts:
        phone = draft.fields.get("phone")
        if phone:
            draft.fields["phone_normalized"] = normalize_phone(phone)


def _picklable(error: Exception) -> Exception:
    """Return the error itself when it survives pickling, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001  (any pickling failure)
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"converting the rows failed in the worker process:\n{text}")
    return error
