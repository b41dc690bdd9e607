"""Fewer garbage collections while an import allocates its rows.

An import allocates several container objects per row (drafts, row dicts, tuples for
the driver), and CPython's cyclic garbage collector runs a young-generation pass every
700 such allocations and, now and then, a pass over every object of the process. In
bench/import_bench.py, with 100,000 rows on a 2-core Xeon at load average 4 to 6,
disabling the collector cut the importing process's CPU time from 5.7 to 5.8 s to 4.7
to 4.9 s. Most objects of the process (modules, SQLAlchemy's metadata) exist before the
import starts and outlive it, so fewer_collections() moves them out of the collector's
reach with gc.freeze() and lets the young generation grow larger before a pass. Reference counting still frees every
row as soon as the import drops it. Only cyclic garbage waits longer for a pass.

An exception kept after its except block is such garbage, because its traceback refers
to the frame that keeps it. Code that keeps one per row, such as the RowProblem of a
rejected row, sets its __traceback__ and __context__ to None. Before column_batch.py did,
100,000 rejected rows added 159 MiB to the process, against 8 MiB after
(bench/rejected_bench.py --bad date, docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations of container objects between young-generation passes during an import,
# and how many passes of one generation start one of the next, in place of CPython's
# defaults of 700, 10 and 10.
IMPORT_THRESHOLDS = (10_000, 20, 20)

_lock = threading.Lock()
_depth = 0
_saved_thresholds: tuple[int, int, int] | None = None
# Whether the outermost block called gc.freeze(), so that its end calls gc.unfreeze().
_froze = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze the objects that exist now and collect garbage less often until the block ends.

    The settings are process-wide, so nested and concurrent blocks share them: the first
    block to start changes them and the last one to end restores them. A process that
    froze objects itself keeps them frozen, and the block freezes nothing more.
    """
    _enter()
    try:
        yield
    finally:
        _exit()


def _enter() -> None:
    global _depth, _saved_thresholds, _froze
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        _saved_thresholds = gc.get_threshold()
        _froze = gc.get_freeze_count() == 0
        if _froze:
            gc.freeze()
        gc.set_threshold(*IMPORT_THRESHOLDS)


def _exit() -> None:
    global _depth, _saved_thresholds, _froze
    with _lock:
        _depth -= 1
        if _depth > 0:
            return
        if _froze:
            gc.unfreeze()
            _froze = False
        if _saved_thresholds is not None:
            gc.set_threshold(*_saved_thresholds)
            _saved_thresholds = None
