"""Predictive scoring benchmark: LeadDesk's held-out AUC next to plain scikit-learn models, and training time.

Part 1 copies Leads.csv (9,240 leads with a Converted column) to a temporary folder and
imports it through LeadDesk's importer. It trains with the Converted custom field as the
outcome and the post-contact columns excluded: Tags, Lead Quality, Lead Profile, Last
Notable Activity and the four Asymmetrique columns. On LeadDesk's held-out split, which
holds out leads by their ids (leaddesk.services.predictive.holdout), it fits two peers on
the same arrival rows with pandas one-hot encoding and median-filled numbers:
- a plain scikit-learn LogisticRegression (scaled inputs, default C);
- a scikit-learn GradientBoostingClassifier with default settings.
Both peers see the same fields LeadDesk uses after its exclusions and identifier checks.
The importer gives each lead a new random id, so every import holds out other leads. Part 1
therefore repeats import, training and peers REPEATS times and prints each split's figures
and their mean, because one split of 1,848 held-out leads moves the AUC by about 0.01.

Part 2 builds ROWS leads by sampling Leads.csv rows with replacement (fixed seed, new
Prospect IDs), imports them and times train_conversion_model from reading the database to
saving the model. The floor is a plain LogisticRegression fit on the same one-hot matrix,
timed in this run, so the ratio shows what the method choice and calibration cost.

Usage: .venv/bin/python bench/predictive_bench.py [--leads PATH] [--repeats 5] [--rows 100000] [--skip-large]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from leaddesk.services.database import Database
from leaddesk.services.importing import run_import
from leaddesk.services.post_import_jobs import run_post_import_jobs
from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.dataset import load_lead_rows, resolve_outcome_field
from leaddesk.services.predictive.train import DEFAULT_HOLDOUT, split_positions

DEFAULT_LEADS = Path(__file__).resolve().parents[2] / "shared" / "data" / "leads" / "Leads.csv"
EXCLUDED = [
    "Tags", "Lead Quality", "Lead Profile", "Last Notable Activity", "Asymmetrique Activity Index",
    "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SEED = 20261204


def import_copy(source: Path, folder: Path) -> Database:
    """Copy source into folder (the importer writes FILE.rejected.csv next to its input) and import it."""
    copy = folder / source.name
    shutil.copy(source, copy)
    database = Database.open(folder / "leads.sqlite")
    started = time.perf_counter()
    report = run_import(database, copy, now=NOW, historical=True)
    # Derived values and scores, which run_import leaves to the post-import job.
    run_post_import_jobs(database)
    print(f"imported {report.created} leads ({report.rejected} rejected) in {time.perf_counter() - started:.1f} s")
    return database


def peer_frames(train_rows, test_rows, fields):
    import pandas as pd

    train = pd.DataFrame([{name: row.get(name) for name in fields} for row in train_rows])
    test = pd.DataFrame([{name: row.get(name) for name in fields} for row in test_rows])
    numeric = []
    for name in fields:
        converted = pd.to_numeric(train[name], errors="coerce")
        if converted.notna().sum() >= 0.98 * train[name].replace("", None).notna().sum():
            numeric.append(name)
            median = converted.median()
            train[name] = converted.fillna(median)
            test[name] = pd.to_numeric(test[name], errors="coerce").fillna(median)
    categorical = [name for name in fields if name not in numeric]
    joined = pd.get_dummies(pd.concat([train, test], keys=["train", "test"]), columns=categorical, dummy_na=True)
    return joined.loc["train"].astype(float), joined.loc["test"].astype(float)


def compare_auc(leads_csv: Path) -> dict[str, float]:
    """Import, train and fit the peers on one held-out split; return each model's held-out AUC."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with tempfile.TemporaryDirectory() as folder:
        database = import_copy(leads_csv, Path(folder))
        result = train_conversion_model(database, outcome_field="Converted", exclude=EXCLUDED, now=NOW)
        with database.session() as session:
            field = resolve_outcome_field(session, "Converted")
            lead_rows = load_lead_rows(session, field)
        database.dispose()
    rows, outcomes = lead_rows.closed()
    train_positions, test_positions = split_positions(outcomes, DEFAULT_HOLDOUT, lead_rows.closed_ids())
    if len(test_positions) != result.validation["holdout_leads"]:
        raise SystemExit(f"held-out split mismatch: the peers hold out {len(test_positions)} leads and LeadDesk "
                         f"{result.validation['holdout_leads']}; split the peers' leads as training does")
    train_rows = [rows[position] for position in train_positions]
    test_rows = [rows[position] for position in test_positions]
    train_outcomes = [outcomes[position] for position in train_positions]
    test_outcomes = [outcomes[position] for position in test_positions]
    train_matrix, test_matrix = peer_frames(train_rows, test_rows, result.fields)

    peers = {
        "scikit-learn LogisticRegression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "scikit-learn GradientBoostingClassifier": GradientBoostingClassifier(random_state=0),
    }
    print(f"\nheld-out split: {len(train_rows)} training and {len(test_rows)} held-out leads, "
          f"{sum(test_outcomes)} converted")
    print(f"LeadDesk ({result.method}, calibrated): AUC {result.validation['auc']:.4f}  "
          f"log loss {result.validation['log_loss']:.4f}  ({result.seconds:.1f} s; "
          f"method choice AUC {result.method_scores})")
    aucs = {"LeadDesk": result.validation["auc"]}
    for name, model in peers.items():
        started = time.perf_counter()
        model.fit(train_matrix, train_outcomes)
        aucs[name] = roc_auc_score(test_outcomes, model.predict_proba(test_matrix)[:, 1])
        print(f"{name}: AUC {aucs[name]:.4f}  ({time.perf_counter() - started:.1f} s)")
    best = max(auc for name, auc in aucs.items() if name != "LeadDesk")
    print(f"LeadDesk AUC minus the better peer: {aucs['LeadDesk'] - best:+.4f}")
    if result.suspected_leaks:
        print(f"suspected leaks flagged: {result.suspected_leaks}")
    return aucs


def compare_repeated(leads_csv: Path, repeats: int) -> None:
    """Run compare_auc on repeats splits and print the mean AUCs and how often LeadDesk matched the better peer."""
    runs = []
    for repeat in range(1, repeats + 1):
        print(f"\n== split {repeat} of {repeats}")
        runs.append(compare_auc(leads_csv))
    print(f"\nmean held-out AUC over {repeats} splits:")
    for name in runs[0]:
        print(f"  {name}: {sum(run[name] for run in runs) / repeats:.4f}")
    differences = [run["LeadDesk"] - max(auc for name, auc in run.items() if name != "LeadDesk") for run in runs]
    print(f"LeadDesk minus the better peer of each split: {' '.join(f'{value:+.4f}' for value in differences)}; "
          f"mean {sum(differences) / repeats:+.4f}; at least equal in {sum(value >= 0 for value in differences)} "
          f"of {repeats}")


def write_sample(leads_csv: Path, rows: int, target: Path) -> None:
    with leads_csv.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = list(reader)
    generator = random.Random(SEED)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index in range(rows):
            record = list(generator.choice(records))
            record[0] = str(uuid.UUID(int=generator.getrandbits(128)))
            record[1] = str(700000 + index)
            writer.writerow(record)


def time_large(leads_csv: Path, rows: int) -> None:
    from sklearn.linear_model import LogisticRegression

    from leaddesk.services.predictive.features import fit_feature_spec

    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "sample" / f"leads-{rows}.csv"
        sample.parent.mkdir()
        write_sample(leads_csv, rows, sample)
        database = import_copy(sample, Path(folder))
        result = train_conversion_model(database, outcome_field="Converted", exclude=EXCLUDED, now=NOW)
        with database.session() as session:
            field = resolve_outcome_field(session, "Converted")
            started = time.perf_counter()
            lead_rows = load_lead_rows(session, field)
            read_seconds = time.perf_counter() - started
        database.dispose()
    closed_rows, outcomes = lead_rows.closed()
    train_positions, _test_positions = split_positions(outcomes, DEFAULT_HOLDOUT, lead_rows.closed_ids())
    train_rows = [closed_rows[position] for position in train_positions]
    train_outcomes = [outcomes[position] for position in train_positions]
    spec = fit_feature_spec(train_rows, EXCLUDED)
    matrix = spec.encode(train_rows)
    started = time.perf_counter()
    LogisticRegression(max_iter=2000).fit(matrix, train_outcomes)
    floor = time.perf_counter() - started
    print(f"\n{rows} leads: LeadDesk training {result.seconds:.1f} s ({result.method}, AUC {result.validation['auc']:.4f}); "
          f"reading the rows alone {read_seconds:.1f} s")
    print(f"floor, one plain LogisticRegression fit on the encoded training rows: {floor:.1f} s; "
          f"ratio LeadDesk / floor {result.seconds / floor:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=Path, default=DEFAULT_LEADS, help="path of Leads.csv")
    parser.add_argument("--repeats", type=int, default=5,
                        help="imports of Leads.csv, each with its own held-out split, in part 1 (default 5)")
    parser.add_argument("--rows", type=int, default=100_000, help="leads in the training-time part (default 100000)")
    parser.add_argument("--skip-large", action="store_true", help="skip the training-time part")
    args = parser.parse_args()
    if not args.leads.is_file():
        raise SystemExit(f"{args.leads} not found; pass --leads PATH to the Leads.csv lead-conversion dataset")
    if args.repeats < 1:
        raise SystemExit(f"invalid --repeats {args.repeats}; give 1 or more")
    compare_repeated(args.leads, args.repeats)
    if not args.skip_large:
        time_large(args.leads, args.rows)


if __name__ == "__main__":
    main()
