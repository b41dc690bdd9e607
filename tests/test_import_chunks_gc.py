"""convert_rows keeps older objects out of garbage collector runs and collects less often, only while it runs."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leaddesk.services.importing.chunks import ConversionEnd, convert_rows
from leaddesk.services.importing.collection import IMPORT_THRESHOLDS
from leaddesk.services.importing.dates import DayMonthEvidence
from leaddesk.services.importing.mapping import build_plan
from leaddesk.services.importing.reader import open_table
from leaddesk.services.importing.rows import RowConverter

TEXT = "Email,Name\n" + "".join(f"lead{index}@example.com,Lead {index}\n" for index in range(5))


@pytest.fixture
def unfrozen():
    """Start and end each test with no frozen objects, whatever the test leaves behind."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def chunks_of(folder: Path):
    path = folder / "leads.csv"
    path.write_text(TEXT, encoding="utf-8")
    table = open_table(path)
    plan = build_plan(table.headers, None)
    converter = RowConverter(
        plan,
        zone=ZoneInfo("UTC"),
        today=date(2026, 3, 2),
        evidence={index: DayMonthEvidence() for index in plan.columns_by_field.get("received_at", ())},
        segment_keys=frozenset(),
    )
    end: list[ConversionEnd] = []
    return convert_rows(table.open_rows(), converter, 2, end), end


def test_convert_rows_freezes_while_running(tmp_path: Path, unfrozen) -> None:
    thresholds_before = gc.get_threshold()
    chunks, end = chunks_of(tmp_path)

    first = next(chunks)
    frozen_while_running = gc.get_freeze_count()
    thresholds_while_running = gc.get_threshold()
    rest = list(chunks)

    assert len(first.drafts) == 2
    assert frozen_while_running > 0
    assert thresholds_while_running == IMPORT_THRESHOLDS
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds_before
    assert sum(len(chunk.drafts) for chunk in rest) == 3
    assert len(end) == 1


def test_convert_rows_unfreezes_on_close(tmp_path: Path, unfrozen) -> None:
    chunks, _end = chunks_of(tmp_path)

    next(chunks)
    chunks.close()

    assert gc.get_freeze_count() == 0


def test_convert_rows_keeps_earlier_freeze(tmp_path: Path, unfrozen) -> None:
    gc.freeze()
    frozen_before = gc.get_freeze_count()
    chunks, _end = chunks_of(tmp_path)

    drafts = sum(len(chunk.drafts) for chunk in chunks)

    assert drafts == 5
    assert gc.get_freeze_count() == frozen_before
