"""BulkInsert's per-column memo: the same values with or without it, and when it is skipped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from leaddesk.services.importing.bulk import SKIPPED_EXECUTES, _Memo, utc_datetime_text

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def counting(processor):
    calls = []

    def process(value):
        calls.append(value)
        return processor(value)

    return process, calls


def test_memo_converts_repeats_once():
    process, calls = counting(utc_datetime_text)
    memo = _Memo(process)
    values = [START, None, START, START + timedelta(hours=1), START]

    converted = memo.column(values)

    assert converted == [utc_datetime_text(START), None, utc_datetime_text(START), "2026-03-02 10:00:00", utc_datetime_text(START)]
    assert calls == [START, START + timedelta(hours=1)]
    assert memo.skipped == 0


def test_memo_skipped_after_misses():
    process, calls = counting(utc_datetime_text)
    memo = _Memo(process)
    unique = [[START + timedelta(minutes=batch * 100 + minute) for minute in range(10)] for batch in range(SKIPPED_EXECUTES + 2)]

    memo.column(unique[0])
    assert memo.skipped == SKIPPED_EXECUTES
    remembered = len(memo.values)
    for batch in unique[1 : SKIPPED_EXECUTES + 1]:
        assert memo.column(batch) == [utc_datetime_text(value) for value in batch]
    # While skipped, the memo neither grows nor is consulted.
    assert len(memo.values) == remembered
    assert memo.skipped == 0

    # The execute after the skipped ones measures again.
    memo.column(unique[-1])
    assert len(memo.values) == remembered + len(unique[-1])
    assert len(calls) == sum(len(batch) for batch in unique)


def test_memo_one_value():
    memo = _Memo(utc_datetime_text)

    assert memo.one(START) == "2026-03-02 09:00:00"
    assert memo.values == {START: "2026-03-02 09:00:00"}
