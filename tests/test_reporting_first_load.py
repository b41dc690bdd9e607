"""The first load: driver values read as UTC instants, the garbage collector paused, funnel positions computed."""

from __future__ import annotations

import gc
from datetime import datetime, timedelta, timezone

import pytest

from leaddesk.services.reporting import load_dashboard_facts
from leaddesk.services.reporting.raw_values import instant
from reporting_history import NOW, at, build_history

CASES = [
    ("2026-03-09 10:04:00.000000", datetime(2026, 3, 9, 10, 4, tzinfo=timezone.utc)),
    ("2026-03-09 10:04:00", datetime(2026, 3, 9, 10, 4, tzinfo=timezone.utc)),
    ("2026-03-09 10:04:00.123456", datetime(2026, 3, 9, 10, 4, 0, 123456, tzinfo=timezone.utc)),
    ("2026-03-09T12:04:00+02:00", datetime(2026, 3, 9, 10, 4, tzinfo=timezone.utc)),
    ("2026-03-09", datetime(2026, 3, 9, tzinfo=timezone.utc)),
    (datetime(2026, 3, 9, 10, 4), datetime(2026, 3, 9, 10, 4, tzinfo=timezone.utc)),
    (datetime(2026, 3, 9, 12, 4, tzinfo=timezone(timedelta(hours=2))), datetime(2026, 3, 9, 10, 4, tzinfo=timezone.utc)),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_instant_driver_values(value, expected):
    parsed = instant(value)

    assert parsed == expected
    assert parsed.tzinfo is timezone.utc


def test_instant_none():
    assert instant(None) is None


def test_instant_invalid_text():
    with pytest.raises(ValueError):
        instant("next Tuesday")


def test_facts_restore_collector(database):
    build_history(database)

    facts = load_dashboard_facts(database, NOW)

    assert gc.isenabled()
    assert len(facts) == 6
    # The funnel positions are computed on the loading thread, not in the first redraw.
    assert all(fact.funnel_profile is not None for fact in facts)
    # Lead F, the earliest, arrived on 2026-03-02 at 09:00 UTC.
    assert min(fact.received_at for fact in facts) == at(2, 9, 0)


def test_facts_keep_collector_off(database):
    build_history(database)
    gc.disable()
    try:
        load_dashboard_facts(database, NOW)

        assert not gc.isenabled()
    finally:
        gc.enable()
