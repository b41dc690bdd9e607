"""Label group benchmark: converting Google Contacts rows with and without per-row label choice.

Generates --rows rows in the layout of a Google Contacts export (two e-mail and three phone
label and value pairs, fixed seed) and converts them with ColumnBatchConverter, as the
import does, in two ways:

- by-column: the plan with the label columns ignored, so no label group forms and the
  batch converter runs its column-wise steps (the peer);
- by-label: the suggested plan, where each row picks its phone and e-mail by its labels,
  which converts every row by itself.

It prints the best and median time of --repeats runs of each and the ratio of the best
times. Nothing is stored, so the numbers cover the conversion only, not the database writes.

Usage: .venv/bin/python bench/label_groups_bench.py [--rows 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from zoneinfo import ZoneInfo

from google_contacts import LABEL_PAIR_HEADERS
from lead_files import machine_description

from leaddesk.services.importing.chunks import BATCH_ROWS
from leaddesk.services.importing.column_batch import ColumnBatchConverter
from leaddesk.services.importing.columns import plan_with_ignored
from leaddesk.services.importing.export_format import IGNORED
from leaddesk.services.importing.label_groups import plan_label_groups
from leaddesk.services.importing.mapping import suggest_mapping
from leaddesk.services.importing.rows import RowConverter

HEADERS = ["First Name", "Last Name", "Organization Name", *LABEL_PAIR_HEADERS]
PHONE_LABELS = ("Work", "Mobile", "Home", "* Mobile", "Main", "Other", "")
EMAIL_LABELS = ("Work", "Home", "* Work", "Other", "")


def generate_rows(count: int, seed: int = 7) -> list[tuple[int, list[str]]]:
    """Return count Google Contacts rows numbered from 2, with random labels and some empty pairs."""
    generator = random.Random(seed)
    rows = []
    for number in range(count):
        cells = [f"First{number}", f"Last{number}", f"Company {number % 500}"]
        for pair in range(2):
            filled = pair == 0 or generator.random() < 0.4
            label = generator.choice(EMAIL_LABELS) if filled else ""
            cells += [label, f"person{number}.{pair}@example{number % 97}.com" if filled else ""]
        for pair in range(3):
            filled = pair == 0 or generator.random() < 0.5
            label = generator.choice(PHONE_LABELS) if filled else ""
            cells += [label, f"+1 555 {number % 1000:03d} {pair}{number % 1000:03d}" if filled else ""]
        rows.append((number + 2, cells))
    return rows


def converter_for(mapping: dict[str, str]) -> RowConverter:
    plan = plan_with_ignored(HEADERS, mapping)
    return RowConverter(plan, zone=ZoneInfo("UTC"), today=date(2026, 3, 2), evidence={}, segment_keys=frozenset())


def time_conversion(mapping: dict[str, str], rows: list[tuple[int, list[str]]], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        batches = ColumnBatchConverter(converter_for(mapping))
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH_ROWS):
            batches.convert(rows[start:start + BATCH_ROWS])
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows to generate (default 20000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each conversion (default 5)")
    options = parser.parse_args()

    rows = generate_rows(options.rows)
    by_label = suggest_mapping(HEADERS)
    by_column = {**by_label, **{header: IGNORED for header in HEADERS if header.endswith(" - Label")}}
    assert plan_label_groups(converter_for(by_label).plan), "the suggested plan should form label groups"
    assert not plan_label_groups(converter_for(by_column).plan), "the peer plan should form no label group"

    print(machine_description())
    print(f"{options.rows} rows, {options.repeats} runs each")
    results = {}
    for name, mapping in (("by-column", by_column), ("by-label", by_label)):
        times = time_conversion(mapping, rows, options.repeats)
        results[name] = min(times)
        print(f"{name:10} best {min(times) * 1000:8.1f} ms   median {statistics.median(times) * 1000:8.1f} ms")
    print(f"ratio by-label / by-column (best): {results['by-label'] / results['by-column']:.2f}")


if __name__ == "__main__":
    main()
