"""Train, validate and (when it validates at least as well) activate a conversion model for a database."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from leaddesk.models import Setting
from leaddesk.services.database import Database
from leaddesk.services.predictive.dataset import (
    STAGE_OUTCOME_FIELD,
    OutcomeFieldError,
    load_lead_rows,
    resolve_outcome_field,
)
from leaddesk.services.predictive.field_names import (
    canonical_field_names,
    folded_field_name,
    normalized_field_names,
)
from leaddesk.services.predictive.features import Columns, fit_feature_spec
from leaddesk.services.predictive.leak_check import SUSPECT_MODEL_AUC, field_aucs, strongest_fields, suspected_leaks
from leaddesk.services.predictive.comparison import compare_with_active
from leaddesk.services.predictive.holdout import split_leads, split_metadata, split_positions  # noqa: F401 (bench)
from leaddesk.services.predictive.metrics import MIN_HOLDOUT_PER_CLASS, validation_figures
from leaddesk.services.predictive.model import METHODS, RANDOM_STATE, fit_model
from leaddesk.services.predictive.outcome_fields import yes_no_custom_fields
from leaddesk.services.predictive.store import model_store

logger = logging.getLogger(__name__)

# Closed leads needed per class (won, and lost or disqualified). With the default 20%
# held out, 50 leaves about 10 of each class to validate on, the least that gives an AUC
# worth comparing.
MIN_PER_CLASS = 50
DEFAULT_HOLDOUT = 0.2
# MIN_HOLDOUT_PER_CLASS is MIN_PER_CLASS at the default holdout. A smaller --holdout on
# little data is rejected instead of validating on a handful.
# Share of the training part set aside to choose between the methods.
METHOD_CHOICE_SHARE = 0.2
# The choice between methods uses at most this many training leads, because the ranking of two
# methods settles long before the full data. The chosen method then trains on every lead.
METHOD_CHOICE_MAX_ROWS = 20_000
# Fields the team excluded from training in the app, as a JSON list of names.
EXCLUDED_FIELDS_KEY = "predictive.excluded_fields"

# Training uses one native thread. On a 2-core VM with both cores busy, OpenMP's default of one
# thread per core made one gradient-boosting fit on 7,392 leads take 23.9 s instead of 1.0 s,
# and one thread also leaves the other cores to the window.
TRAINING_THREADS = 1

Progress = Callable[[float, str], None]


class NotEnoughDataError(ValueError):
    """Too few closed leads of a class to train and validate a model."""

    def __init__(self, won: int, lost: int, minimum: int = MIN_PER_CLASS, outcome_fields: Sequence[str] = ()) -> None:
        self.won = won
        self.lost = lost
        self.minimum = minimum
        # Yes/no custom fields that could serve as --outcome-field instead of the stage.
        self.outcome_fields = list(outcome_fields)
        more = []
        if won < minimum:
            more.append(_leads(minimum - won, "won"))
        if lost < minimum:
            more.append(_leads(minimum - lost, "lost or disqualified"))
        super().__init__(
            f"too few closed leads to train a conversion model: {won} won and {lost} lost or disqualified, "
            f"and each needs at least {minimum}. Close {' and '.join(more)}, then train again; "
            "until then leads keep the playbook's rule score."
            + _outcome_field_hint(self.outcome_fields)
        )


def _leads(count: int, outcome: str) -> str:
    return f"{count} more {outcome} lead{'' if count == 1 else 's'}"


def _outcome_field_hint(names: Sequence[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(f"'{name}'" for name in names)
    return (
        f" These custom fields hold yes/no values and could be the outcome instead: {listed}; "
        f"train with --outcome-field '{names[0]}'."
    )


@dataclass
class TrainingResult:
    version: int
    activated: bool
    # The reason the model was or was not made active.
    decision: str
    method: str
    validation: dict[str, Any]
    previous_auc: float | None
    outcome_field: str
    fields: list[str]
    skipped: dict[str, str]
    closed_leads: int
    seconds: float
    method_scores: dict[str, float] = field(default_factory=dict)
    # Fields that alone separate won from lost almost perfectly, with their AUC.
    suspected_leaks: dict[str, float] = field(default_factory=dict)
    # Set only when the held-out AUC is above SUSPECT_MODEL_AUC: the fields strongest alone, with their AUC.
    strongest_fields: dict[str, float] = field(default_factory=dict)
    # Exclusions of the active model that include lifted, so this model trained on those fields again.
    included: list[str] = field(default_factory=list)
    # Held-out leads that neither model trained on, on which the active model was scored; 0 when it was not.
    compared_leads: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "activated": self.activated,
            "decision": self.decision,
            "method": self.method,
            "method_choice_auc": self.method_scores,
            "outcome_field": self.outcome_field,
            "closed_leads": self.closed_leads,
            "previous_auc": self.previous_auc,
            "compared_leads": self.compared_leads,
            "fields": self.fields,
            "skipped_fields": self.skipped,
            "suspected_leaks": self.suspected_leaks,
            "strongest_fields": self.strongest_fields,
            "included_fields": self.included,
            "seconds": round(self.seconds, 2),
            **self.validation,
        }


def excluded_fields(database: Database) -> list[str]:
    """Return the fields the team excluded from training in the app."""
    with database.session() as session:
        setting = session.get(Setting, EXCLUDED_FIELDS_KEY)
        return list(json.loads(setting.value)) if setting else []


def set_excluded_fields(database: Database, names: Iterable[str]) -> list[str]:
    """Save the fields excluded in the app, spelled as the fields are; return the saved names.

    Raises UnknownFieldError naming the first name that matches no field, with the closest field names.
    """
    with database.session() as session:
        cleaned = sorted(canonical_field_names(session, names, option="excluded field"), key=str.casefold)
        session.merge(Setting(key=EXCLUDED_FIELDS_KEY, value=json.dumps(cleaned)))
    logger.info("fields excluded from conversion training: %s", ", ".join(cleaned) or "none")
    return cleaned


def _report(progress: Progress | None, fraction: float, text: str) -> None:
    logger.info("training: %s", text)
    if progress is not None:
        progress(fraction, text)


def _part(positions: list[int], outcomes: list[int]) -> list[int]:
    return [outcomes[position] for position in positions]


def choose_method(spec, columns: Columns, outcomes: list[int]) -> tuple[str, dict[str, float]]:
    """Return the method with the best AUC on a part of the training rows set aside for the choice."""
    positions = list(range(len(outcomes)))
    if len(positions) > METHOD_CHOICE_MAX_ROWS:
        positions, _rest = train_test_split(
            positions, train_size=METHOD_CHOICE_MAX_ROWS, random_state=RANDOM_STATE, stratify=outcomes
        )
    fit_positions, check_positions = train_test_split(
        positions, test_size=METHOD_CHOICE_SHARE, random_state=RANDOM_STATE, stratify=_part(positions, outcomes)
    )
    fit_rows, check_rows = columns.take(fit_positions), columns.take(check_positions)
    fit_outcomes, check_outcomes = _part(fit_positions, outcomes), _part(check_positions, outcomes)
    scores = {}
    for method in METHODS:
        model = fit_model(spec, method, fit_rows, fit_outcomes, calibrate=False)
        scores[method] = round(float(roc_auc_score(check_outcomes, model.predict(check_rows))), 4)
    best = max(METHODS, key=lambda method: (scores[method], method == "logistic"))
    return best, scores


@dataclass
class ActiveSettings:
    """The outcome field and excluded fields of the active model, which retraining reuses."""

    version: int | None
    outcome_field: str | None
    excluded: list[str]
    # Why the active version's metadata failed the check; the fields above then hold what could be read.
    problem: str | None = None


def active_settings(database: Database) -> ActiveSettings:
    """Return the active model's outcome field and excluded fields, or empty settings without an active model.

    When the active version's metadata is unreadable, the outcome field and exclusions that
    still have the right type are returned with the problem, so retraining does not drop them.
    """
    store = model_store(database)
    active = store.active()
    if active is not None:
        return ActiveSettings(active.version, active.metadata["outcome_field"], list(active.metadata.get("excluded", [])))
    raw = store.active_raw()
    if raw is None:
        return ActiveSettings(None, None, [])
    version, metadata = raw
    metadata = metadata if isinstance(metadata, dict) else {}
    outcome_field = metadata.get("outcome_field")
    excluded = metadata.get("excluded")
    return ActiveSettings(
        version,
        outcome_field if isinstance(outcome_field, str) else None,
        [name for name in excluded if isinstance(name, str)] if isinstance(excluded, list) else [],
        store.problem(version) or store.active_problem(),
    )


def carried_exclusions(database: Database, outcome_field: str | None = None) -> ActiveSettings:
    """Return the active model's exclusions that training on outcome_field would carry over and include can lift.

    outcome_field None means the active model's own. Another outcome field carries nothing.
    Fields excluded in the app are left out, because every training applies them anyway.
    """
    settings = active_settings(database)
    if outcome_field is not None and settings.outcome_field is not None:
        with database.session() as session:
            field_name = resolve_outcome_field(session, outcome_field)
        if field_name != settings.outcome_field:
            return ActiveSettings(settings.version, settings.outcome_field, [])
    in_app = {folded_field_name(name) for name in excluded_fields(database)}
    with database.session() as session:
        carried = normalized_field_names(session, settings.excluded)
    liftable = [name for name in carried if folded_field_name(name) not in in_app]
    return ActiveSettings(settings.version, settings.outcome_field, liftable)


def _lift_exclusions(
    carried: list[str], include: list[str], exclude: list[str], in_app: list[str], version: int | None
) -> tuple[list[str], list[str]]:
    """Return (carried exclusions that stay, carried exclusions that include lifts).

    Raises ValueError for a field named by both include and exclude, one excluded in the
    app (which every training applies again) and one that no exclusion carries over.
    """
    for name in include:
        folded = folded_field_name(name)
        if any(folded_field_name(other) == folded for other in exclude):
            raise ValueError(f"--include {name!r} and --exclude {name!r} contradict each other; give the field once")
        if any(folded_field_name(other) == folded for other in in_app):
            raise ValueError(
                f"--include {name!r}: the field is excluded in the app (Dashboard, Excluded fields…), which every "
                "training applies; remove it from that list instead"
            )
        if not any(folded_field_name(other) == folded for other in carried):
            carried_text = ", ".join(carried) or "none"
            raise ValueError(
                f"--include {name!r} lifts no exclusion: the fields carried over from active version {version} "
                f"are {carried_text}. Use --include only for one of those"
                if version is not None else
                f"--include {name!r} lifts no exclusion, because no model is active to carry exclusions over"
            )
    requested = {folded_field_name(name) for name in include}
    remaining = [name for name in carried if folded_field_name(name) not in requested]
    lifted = [name for name in carried if folded_field_name(name) in requested]
    return remaining, lifted


def train_conversion_model(
    database: Database,
    outcome_field: str | None = None,
    holdout: float = DEFAULT_HOLDOUT,
    exclude: Iterable[str] = (),
    include: Iterable[str] = (),
    method: str = "auto",
    progress: Progress | None = None,
    now: datetime | None = None,
    force: bool = False,
) -> TrainingResult:
    """Train on the closed leads, validate on a held-out share, save the model and activate it if not worse.

    Without outcome_field the active model's outcome field is used (the stage when no model
    is active). The active model's excluded fields stay excluded, together with exclude and
    the fields excluded in the app, unless the outcome field differs from the active model's,
    so scheduled retraining never brings a leaky field back. A field named in include is
    trained on again although the active model excluded it, and the new model no longer
    lists it as excluded, so later retraining does not carry it over.

    Raises NotEnoughDataError below MIN_PER_CLASS leads per class, OutcomeFieldError for an
    unknown outcome field, and ValueError for a holdout outside (0, 0.5], an unknown method,
    or an include name that is unknown or lifts no carried exclusion.
    With force the new model becomes active even when the active one validates better.
    """
    if not 0 < holdout <= 0.5:
        raise ValueError(f"invalid holdout {holdout}; use a share between 0 and 0.5, such as 0.2")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"invalid method {method!r}; use auto, {' or '.join(METHODS)}")
    started = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    settings = active_settings(database)
    if settings.problem is not None:
        if outcome_field is None and settings.outcome_field is None:
            raise ValueError(
                f"{settings.problem}. Its outcome field is unknown, so retraining cannot reuse it: "
                "give it with --outcome-field FIELD, and --exclude each field that model left out"
            )
        logger.warning("active model metadata is unreadable (%s); reusing what could be read: outcome field %s, "
                       "excluded %s", settings.problem, settings.outcome_field, settings.excluded)
    if outcome_field is None:
        outcome_field = settings.outcome_field or STAGE_OUTCOME_FIELD

    _report(progress, 0.05, "reading closed leads")
    with database.session() as session:
        field_name = resolve_outcome_field(session, outcome_field)
        exclude = canonical_field_names(session, exclude)
        include = canonical_field_names(session, include, option="--include")
        carried = normalized_field_names(session, settings.excluded) if field_name == settings.outcome_field else []
        in_app = normalized_field_names(session, excluded_fields(database))
    reused, lifted = _lift_exclusions(carried, include, exclude, in_app, settings.version)
    with database.session() as session:
        excluded = normalized_field_names(session, [*in_app, *reused, *exclude])
    if reused:
        logger.info("retraining keeps the fields excluded by active version %s: %s", settings.version, ", ".join(reused))
    if lifted:
        logger.info("retraining lifts the exclusions of active version %s: %s", settings.version, ", ".join(lifted))
    with database.session() as session:
        lead_rows = load_lead_rows(session, field_name)
    rows, outcomes = lead_rows.closed()
    closed_ids = lead_rows.closed_ids()
    won = sum(outcomes)
    lost = len(outcomes) - won
    if field_name != STAGE_OUTCOME_FIELD and not outcomes:
        with database.session() as session:
            candidates = yes_no_custom_fields(session)
        listed = ", ".join(f"'{name}'" for name in candidates) or "none found"
        raise OutcomeFieldError(
            f"{field_name.removeprefix('custom:')} holds no yes/no values (such as yes/no, 1/0, won/lost), so it "
            f"cannot be the outcome field. Custom fields with yes/no values: {listed}; or use --outcome-field stage"
        )
    if won < MIN_PER_CLASS or lost < MIN_PER_CLASS:
        candidates: list[str] = []
        if field_name == STAGE_OUTCOME_FIELD:
            with database.session() as session:
                candidates = yes_no_custom_fields(session)
        raise NotEnoughDataError(won, lost, outcome_fields=candidates)

    _check_holdout_size(holdout, won, lost)
    columns = Columns.from_rows(rows)
    split = split_leads(outcomes, holdout, closed_ids)
    train_positions, test_positions = split.train, split.test
    train_rows, test_rows = columns.take(train_positions), columns.take(test_positions)
    train_outcomes, test_outcomes = _part(train_positions, outcomes), _part(test_positions, outcomes)
    _check_held_out_leads(holdout, test_outcomes)
    spec = fit_feature_spec(train_rows, excluded)
    if not spec.fields:
        raise ValueError(
            "no field is left to train on after exclusions and empty or identifier fields; "
            f"skipped: {', '.join(sorted(spec.skipped))}"
        )

    aucs = field_aucs(spec, train_rows, train_outcomes)
    leaks = suspected_leaks(aucs)
    if leaks:
        logger.warning("fields that predict the outcome almost alone, possibly filled after contact: %s", leaks)

    with threadpool_limits(limits=TRAINING_THREADS):
        scores: dict[str, float] = {}
        if method == "auto":
            _report(progress, 0.2, "choosing between logistic regression and gradient boosting")
            method, scores = choose_method(spec, train_rows, train_outcomes)
        _report(progress, 0.5, f"training the {method} model on {len(train_rows)} leads")
        model = fit_model(spec, method, train_rows, train_outcomes)
        _report(progress, 0.8, f"validating on {len(test_rows)} held-out leads")
        probabilities = model.predict(test_rows)
        validation = validation_figures(probabilities, test_outcomes)
        outcome = compare_with_active(
            model_store(database).active(), field_name, [closed_ids[position] for position in test_positions],
            test_rows, test_outcomes, probabilities, validation, sorted(set(excluded)), force,
        )
        decision, activate = outcome.text, outcome.activate
    strongest = strongest_fields(aucs) if validation["auc"] > SUSPECT_MODEL_AUC else {}
    if strongest:
        logger.warning("held-out AUC %.4f is above %.2f; strongest single fields: %s", validation["auc"], SUSPECT_MODEL_AUC, strongest)

    metadata = {
        "trained_at": now.isoformat(),
        "method": method,
        "method_choice_auc": scores,
        "outcome_field": field_name,
        "excluded": sorted(set(excluded)),
        "fields": spec.fields,
        "suspected_leaks": leaks,
        "strongest_fields": strongest,
        "closed_leads": len(rows),
        "validation": validation,
        "split": split_metadata(holdout, split),
    }
    stored = model_store(database).save(model, metadata, activate)
    seconds = time.perf_counter() - started
    _report(progress, 1.0, decision)
    return TrainingResult(
        version=stored.version,
        activated=activate,
        decision=decision,
        method=method,
        validation=validation,
        previous_auc=outcome.previous_auc,
        compared_leads=outcome.compared_leads,
        outcome_field=field_name,
        fields=spec.fields,
        skipped=spec.skipped,
        closed_leads=len(rows),
        seconds=seconds,
        method_scores=scores,
        suspected_leaks=leaks,
        strongest_fields=strongest,
        included=lifted,
    )


def _check_holdout_size(holdout: float, won: int, lost: int) -> None:
    """Raise ValueError when the held-out share would leave fewer than MIN_HOLDOUT_PER_CLASS leads of a class."""
    # An estimate before the split: the id-based split holds out about this share of each class.
    held_won = math.floor(holdout * won)
    held_lost = math.floor(holdout * lost)
    if held_won >= MIN_HOLDOUT_PER_CLASS and held_lost >= MIN_HOLDOUT_PER_CLASS:
        return
    needed = max(MIN_HOLDOUT_PER_CLASS / won, MIN_HOLDOUT_PER_CLASS / lost)
    hint = (f"use --holdout {math.ceil(needed * 100) / 100:.2f} or more" if needed <= 0.5
            else "close more leads of the smaller class")
    raise ValueError(
        f"holdout {holdout} leaves about {held_won} won and {held_lost} lost or disqualified leads for validation, "
        f"and each class needs at least {MIN_HOLDOUT_PER_CLASS} for a meaningful AUC; {hint}"
    )


def _check_held_out_leads(holdout: float, test_outcomes: list[int]) -> None:
    """Raise ValueError when the split held out fewer than MIN_HOLDOUT_PER_CLASS leads of a class."""
    won = sum(test_outcomes)
    lost = len(test_outcomes) - won
    if won >= MIN_HOLDOUT_PER_CLASS and lost >= MIN_HOLDOUT_PER_CLASS:
        return
    raise ValueError(
        f"holdout {holdout} held out {won} won and {lost} lost or disqualified leads for validation, and each "
        f"class needs at least {MIN_HOLDOUT_PER_CLASS} for a meaningful AUC; use a larger --holdout or close more "
        "leads of the smaller class"
    )
