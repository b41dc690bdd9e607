"""fewer_collections: garbage collector settings during an import, restored afterwards."""

from __future__ import annotations

import gc

import pytest

from leaddesk.services.importing.collection import IMPORT_THRESHOLDS, fewer_collections


def test_settings_changed_then_restored():
    before = gc.get_threshold()

    with fewer_collections():
        assert gc.get_threshold() == IMPORT_THRESHOLDS
        assert gc.get_freeze_count() > 0

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_blocks_restore_at_outer_end():
    before = gc.get_threshold()

    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold() == IMPORT_THRESHOLDS
        assert gc.get_freeze_count() > 0

    assert gc.get_threshold() == before


def test_settings_restored_after_error():
    before = gc.get_threshold()

    with pytest.raises(RuntimeError):
        with fewer_collections():
            raise RuntimeError("import failed")

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_existing_freeze_kept():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
