"""Phone matching benchmark: the importer's E.164 match index against the digits-only index.

The import writer adds every created lead to a MatchIndex and looks up every row
without an e-mail or external-id match by phone. This script times that work for ROWS
generated rows in one process, twice over each case, against its peer in the same run:

- digits: MatchIndex without PhoneKeys, the digits-only matching that imports used before;
- e164: MatchIndex with PhoneKeys, as the writer runs it now.

Two phone sets: the "+1 555-..." numbers of the import benchmark (lead_files.py), which
PhoneKeys keys without calling phonenumbers, and UK numbers written without "+"
("020 7946 0123", country "UK"), each of which phonenumbers parses once.

Usage: .venv/bin/python bench/phone_keys_bench.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import random
import time

from lead_files import generate_rows, machine_description

from leaddesk.models import normalize_phone
from leaddesk.services.importing.matching import MatchIndex, PhoneKeys, find_match

DEFAULT_ROWS = 100_000

# Column positions of the phone and the country in lead_files.generate_rows.
PHONE_COLUMN = 4
COUNTRY_COLUMN = 10


def international_rows(count: int) -> list[dict[str, str | None]]:
    rows = []
    for cells in generate_rows(count):
        phone = cells[PHONE_COLUMN].lstrip("'")
        rows.append({"phone": phone, "phone_normalized": normalize_phone(phone), "country": cells[COUNTRY_COLUMN]})
    return rows


def national_rows(count: int) -> list[dict[str, str | None]]:
    rng = random.Random(7)
    rows = []
    for _index in range(count):
        phone = f"020 {rng.randrange(7000, 8000)} {rng.randrange(0, 10_000):04d}"
        rows.append({"phone": phone, "phone_normalized": normalize_phone(phone), "country": "UK"})
    return rows


def time_matching(rows: list[dict[str, str | None]], phone_keys: PhoneKeys | None) -> float:
    """Return the seconds to look up each row in the index and then add it, as the writer does."""
    index = MatchIndex(phone_keys)
    start = time.perf_counter()
    for row in rows:
        find_match(row, index)
        index.add(dict(row))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows per phone set (default 100000)")
    args = parser.parse_args()

    print(machine_description())
    print(f"{args.rows:,} rows per phone set; each case timed twice, peer first")
    for label, rows in (("+1 numbers", international_rows(args.rows)), ("UK national", national_rows(args.rows))):
        for attempt in (1, 2):
            digits = time_matching(rows, None)
            e164 = time_matching(rows, PhoneKeys())
            print(
                f"{label:<12} run {attempt}: digits {digits:6.3f} s, e164 {e164:6.3f} s, "
                f"ratio {e164 / digits:5.2f}, extra {(e164 - digits) / len(rows) * 1e6:5.1f} us/row"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
