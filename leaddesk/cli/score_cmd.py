"""`leaddesk score`: train the conversion model and show a lead's probability with its factors."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.cli.inbox_cmd import parse_now
from leaddesk.cli.lead_lookup import DB_HELP, parse_lead_id
from leaddesk.cli.progress import TerminalProgress
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.predictive import (
    DEFAULT_HOLDOUT,
    LeadNotFoundError,
    NotEnoughDataError,
    OutcomeFieldError,
    TrainingResult,
    predict_lead,
    train_conversion_model,
)
from leaddesk.services.predictive.leak_check import SUSPECT_MODEL_AUC
from leaddesk.services.predictive.schedule import RETRAIN_INTERVAL, model_outdated
from leaddesk.services.predictive.store import ModelFileError, model_store


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score",
        help="train the conversion model or show a lead's conversion probability",
        description="Predictive scoring trained on the team's closed leads.",
    )
    commands = parser.add_subparsers(dest="score_command", required=True)

    train = commands.add_parser(
        "train",
        help="train and validate a conversion model on closed leads",
        description="Train on won versus lost or disqualified leads (or another outcome field), validate on a "
        "held-out share and print AUC, log loss and the calibration table. The new model becomes active only "
        "when it validates at least as well as the active one.",
    )
    train.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    train.add_argument(
        "--outcome-field",
        default=None,
        metavar="FIELD",
        help="'stage' (won versus lost or disqualified) or a custom field holding yes/no or 1/0 "
        "(default: the active model's outcome field, else 'stage')",
    )
    train.add_argument(
        "--holdout", type=float, default=DEFAULT_HOLDOUT, metavar="SHARE",
        help=f"share of closed leads held out for validation, above 0 and at most 0.5 (default: {DEFAULT_HOLDOUT})",
    )
    train.add_argument(
        "--exclude", action="append", default=[], metavar="FIELD",
        help="leave this field out of training, such as a field the team fills after contact; repeatable. "
        "The active model's excluded fields stay excluded when the outcome field is the same",
    )
    train.add_argument(
        "--include", action="append", default=[], metavar="FIELD",
        help="train on this field again although the active model excluded it, so retraining no longer "
        "carries the exclusion over; repeatable. A field excluded in the app stays excluded until it is "
        "removed there",
    )
    train.add_argument(
        "--force", action="store_true",
        help="make the new model active even when the active one validates better (never a model no better than chance)",
    )
    train.add_argument("--method", choices=("auto", "logistic", "boosting"), default="auto",
                       help="model method; auto picks the better one on part of the training leads (default: auto)")
    train.add_argument(
        "--if-due", action="store_true",
        help=f"train only when no model was trained yet or the newest is {RETRAIN_INTERVAL.days} days old or older, "
        "and otherwise exit 0 without training; for a daily cron job or Task Scheduler task",
    )
    train.add_argument("--now", metavar="ISO-8601",
                       help="train as of this instant instead of the current time, e.g. 2026-12-07T09:30:00Z "
                       "(no offset means UTC); it stamps the model and decides --if-due")
    train.add_argument("--json", action="store_true", help="print JSON instead of text")
    train.set_defaults(run=run_train)

    activate = commands.add_parser(
        "activate", help="make a stored model version active, replacing the active one",
        description="Make a stored model version the one LeadDesk scores with. Without VERSION, list the stored versions.",
    )
    activate.add_argument("version", metavar="VERSION", type=int, nargs="?", help="the model version number to activate")
    activate.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    activate.set_defaults(run=run_activate)

    show = commands.add_parser("show", help="print a lead's conversion probability and its top factors")
    show.add_argument("lead_id", metavar="LEAD_ID", help="the lead's id, as `leaddesk inbox --json` prints it")
    show.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.set_defaults(run=run_show)


def _open(args: argparse.Namespace) -> Database:
    target = resolve_database_path(getattr(args, "db", None))
    if isinstance(target, Path) and not target.exists():
        # Database.open would create an empty file for a mistyped --db.
        raise CliError(f"database file {target} not found; check --db, or import leads first with 'leaddesk import FILE'")
    return Database.open(target)


def run_train(args: argparse.Namespace) -> int:
    if not 0 < args.holdout <= 0.5:
        raise CliError(f"invalid --holdout {args.holdout}; use a share above 0 and at most 0.5, such as 0.2",
                       exit_code=EXIT_USAGE)
    now = parse_now(args.now)
    database = _open(args)
    if args.if_due and not model_outdated(database, now):
        skipped = _not_due(database, now)
        database.dispose()
        if args.json:
            json.dump(skipped, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(f"not due: model version {skipped['newest_version']} was trained at "
                             f"{skipped['trained_at']}; the next training is due at {skipped['due_at']}\n")
        return EXIT_OK
    progress = TerminalProgress("training", enabled=not args.json)
    try:
        result = train_conversion_model(
            database,
            outcome_field=args.outcome_field,
            holdout=args.holdout,
            exclude=args.exclude,
            include=args.include,
            method=args.method,
            progress=progress,
            now=now,
            force=args.force,
        )
    except (NotEnoughDataError, OutcomeFieldError, ValueError) as error:
        # ValueError: too few held-out leads for the holdout, an --exclude or --include name that
        # matches no field, or the same field in both.
        raise CliError(str(error)) from None
    finally:
        progress.close()
        database.dispose()
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_training(result))
    return EXIT_OK


def run_activate(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        store = model_store(database)
        if args.version is None:
            _list_versions(store)
            return EXIT_OK
        try:
            stored, previous = store.activate(args.version)
        except ModelFileError as error:
            raise CliError(str(error)) from None
    finally:
        database.dispose()
    replaced = (f"replaces version {previous.version} (held-out AUC {previous.validation['auc']:.3f})"
                if previous is not None else "no model was active before")
    sys.stdout.write(
        f"activated model version {stored.version} (held-out AUC {stored.validation['auc']:.3f}); "
        f"{replaced}\n"
    )
    return EXIT_OK


def _list_versions(store) -> None:
    versions = store.versions()
    if not versions:
        sys.stdout.write(f"no stored model versions in {store.location}; train one with `leaddesk score train`\n")
        return
    active = store.active()
    for version in versions:
        stored = store.load(version)
        if stored is None:
            sys.stdout.write(f"version {version}: {store.problem(version) or 'not found'}\n")
            continue
        marker = " (active)" if active is not None and active.version == version else ""
        sys.stdout.write(
            f"version {version}{marker}: trained {stored.trained_at}, outcome field {stored.metadata.get('outcome_field')}, "
            f"held-out AUC {stored.validation['auc']:.3f}, "
            f"excluded: {', '.join(stored.metadata.get('excluded', [])) or 'none'}\n"
        )


def _not_due(database: Database, now: datetime) -> dict:
    """Return the JSON that `score train --if-due` prints when the newest model is recent enough."""
    newest = model_store(database).newest()
    trained_at = datetime.fromisoformat(newest.trained_at)
    return {
        "trained": False,
        "newest_version": newest.version,
        "trained_at": trained_at.isoformat(),
        "due_at": (trained_at + RETRAIN_INTERVAL).isoformat(),
    }


def format_training(result: TrainingResult) -> str:
    validation = result.validation
    lines = [
        f"model version {result.version} ({result.method}), outcome field {result.outcome_field}, "
        f"{result.closed_leads} closed leads, {result.seconds:.1f} s",
        f"held-out leads {validation['holdout_leads']} ({validation['holdout_converted']} converted)",
        f"AUC {validation['auc']:.4f}   log loss {validation['log_loss']:.4f}",
        result.decision,
        "",
        "calibration (predicted probability bin, leads, mean predicted, observed rate)",
    ]
    for row in validation["calibration"]:
        lines.append(
            f"  {row['from']:.1f}-{row['to']:.1f}  {row['leads']:>6}  {row['mean_predicted']:>6.3f}  {row['observed_rate']:>6.3f}"
        )
    lines.append("")
    lines.append(f"fields used ({len(result.fields)}): {', '.join(result.fields)}")
    if result.included:
        lines.append(f"exclusions lifted by --include: {', '.join(result.included)}")
    for name, reason in sorted(result.skipped.items()):
        lines.append(f"  skipped {name}: {reason}")
    if result.strongest_fields:
        named = ", ".join(f"{name} ({auc:.3f})" for name, auc in result.strongest_fields.items())
        lines.append(
            f"warning: held-out AUC {validation['auc']:.4f} is above {SUSPECT_MODEL_AUC}, which fields known when a lead "
            f"arrives rarely reach. Fields strongest alone: {named}. If the team fills any of them after contacting "
            "a lead, retrain with --exclude FIELD for each."
        )
    for name, auc in result.suspected_leaks.items():
        lines.append(
            f"warning: {name} alone reaches AUC {auc:.3f}; if the team fills it after contacting a lead, "
            f"retrain with --exclude '{name}'"
        )
    return "\n".join(lines) + "\n"


def run_show(args: argparse.Namespace) -> int:
    lead_id = parse_lead_id(args.lead_id)
    database = _open(args)
    try:
        prediction = predict_lead(database, lead_id)
    except LeadNotFoundError as error:
        raise CliError(str(error)) from None
    finally:
        database.dispose()
    if args.json:
        json.dump(prediction.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    lines = [f"lead {lead_id}"]
    if prediction.probability is None:
        lines.append(f"rule score {prediction.rule_score}")
        lines.append(prediction.message)
    else:
        explanation = prediction.explanation
        lines.append(f"conversion probability {prediction.probability * 100:.1f}% "
                     f"(typical lead {explanation.baseline * 100:.1f}%; rule score {prediction.rule_score})")
        lines.append(prediction.message)
        for title, factors in (("pushing up", explanation.top_up()), ("pushing down", explanation.top_down())):
            lines.append(f"{title}:")
            lines.extend(f"  {factor.describe()}" for factor in factors)
            if not factors:
                lines.append("  none")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
