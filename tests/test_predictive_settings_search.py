"""Settings search by cross-validation and the linear column of log-scaled numbers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from leaddesk.services.predictive import settings_search
from leaddesk.services.predictive.features import LINEAR, fit_feature_spec
from leaddesk.services.predictive.model import fit_model
from leaddesk.services.predictive.serialization import model_from_bytes, model_to_bytes


def _rows(count: int, seed: int = 3) -> tuple[list[dict], list[int]]:
    """Return rows whose outcome rises with Visits and depends on Plan, with noise."""
    generator = random.Random(seed)
    rows, outcomes = [], []
    for _index in range(count):
        visits = generator.randint(0, 40)
        plan = generator.choice(("basic", "pro", "team"))
        logit = 0.12 * visits - 2.0 + 1.0 * (plan == "pro") + generator.gauss(0, 1.0)
        rows.append({"Visits": str(visits), "Plan": plan})
        outcomes.append(int(logit > 0))
    return rows, outcomes


def test_search_skips_weak_first_candidate(monkeypatch):
    weak = {"max_iter": 1, "learning_rate": 0.001, "max_depth": 1}
    strong = {"max_iter": 100, "learning_rate": 0.1, "max_depth": 3}
    monkeypatch.setitem(settings_search.CANDIDATES, "boosting", [weak, strong])
    rows, outcomes = _rows(600)
    spec = fit_feature_spec(rows)

    model = fit_model(spec, "boosting", rows, outcomes, calibrate=False)

    assert model.estimator.max_iter == 100
    assert model.estimator.max_depth == 3


def test_search_scores_every_candidate():
    rows, outcomes = _rows(600)
    spec = fit_feature_spec(rows)
    matrix = spec.encode(rows)

    settings, scores = settings_search.best_settings(spec, "logistic", matrix, np.asarray(outcomes))

    assert len(scores) == len(settings_search.CANDIDATES["logistic"])
    assert settings == settings_search.CANDIDATES["logistic"][scores.index(max(scores))]
    assert all(0.5 < score <= 1.0 for score in scores)


def test_search_caps_its_rows(monkeypatch):
    fitted_sizes = []
    build = settings_search.build_classifier

    def recording_build(spec, method, settings):
        classifier = build(spec, method, settings)
        fit = classifier.fit

        def recording_fit(matrix, targets):
            fitted_sizes.append(matrix.shape[0])
            return fit(matrix, targets)

        classifier.fit = recording_fit
        return classifier

    monkeypatch.setattr(settings_search, "SEARCH_MAX_ROWS", 150)
    monkeypatch.setattr(settings_search, "build_classifier", recording_build)
    rows, outcomes = _rows(600)
    spec = fit_feature_spec(rows)

    settings_search.best_settings(spec, "logistic", spec.encode(rows), np.asarray(outcomes))

    assert fitted_sizes
    assert max(fitted_sizes) == 100


def test_log_scaled_field_gets_linear_column():
    rows, _outcomes = _rows(300)
    spec = fit_feature_spec(rows)
    [visits] = spec.numeric
    position = spec.column_names.index(f"Visits {LINEAR}")

    encoded = spec.encode([{"Visits": "0"}, {"Visits": "10"}, {"Visits": "20"}]).toarray()[:, position]

    assert visits.log_scale
    assert visits.linear_column
    assert encoded[1] - encoded[0] == pytest.approx(encoded[2] - encoded[1])
    assert encoded[1] == pytest.approx((10 - visits.linear_mean) / visits.linear_std)


def test_spec_without_linear_column_encodes_as_before():
    rows, _outcomes = _rows(300)
    spec = fit_feature_spec(rows)
    spec.numeric[0].linear_column = False
    spec.column_names.remove(f"Visits {LINEAR}")

    encoded = spec.encode(rows[:5])

    assert encoded.shape == (5, len(spec.column_names))
    assert not any(name.endswith(LINEAR) for name in spec.column_names)


def test_saved_model_keeps_linear_column():
    rows, outcomes = _rows(400)
    spec = fit_feature_spec(rows)
    model = fit_model(spec, "logistic", rows, outcomes)

    loaded = model_from_bytes(model_to_bytes(model), "test model")

    assert loaded.spec.numeric[0].linear_column
    assert loaded.predict(rows[:20]) == pytest.approx(model.predict(rows[:20]))
