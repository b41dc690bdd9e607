"""Training, validating, versioning and explaining the conversion model on real database files."""

from __future__ import annotations

import pytest

from leaddesk.models import ImportBatch, ImportChange, Lead
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.predictive import (
    MIN_PER_CLASS,
    NotEnoughDataError,
    OutcomeFieldError,
    explain,
    predict_lead,
    set_excluded_fields,
    train_conversion_model,
)
from leaddesk.services.predictive.dataset import load_lead_rows
from leaddesk.services.predictive.store import model_store
from predictive_history import build_closed_leads


def test_train_too_few_closed_leads(database, db_path):
    leads = build_closed_leads(database, won=12, lost=60, open_leads=1)

    with pytest.raises(NotEnoughDataError) as raised:
        train_conversion_model(database)
    prediction = predict_lead(database, leads[-1].id)

    assert raised.value.won == 12
    assert raised.value.lost == 60
    assert f"{MIN_PER_CLASS - 12} more won" in str(raised.value)
    assert "rule score" in str(raised.value)
    assert model_store(database).active() is None
    assert prediction.probability is None
    assert prediction.explanation is None
    assert "38 more won, 0 more lost" in prediction.message


def test_train_saves_versioned_model(database, db_path):
    build_closed_leads(database, won=150, lost=250)

    result = train_conversion_model(database, method="logistic")

    assert model_store(database).versions() == [1]
    assert result.version == 1
    assert result.activated
    assert result.closed_leads == 400
    assert result.validation["holdout_leads"] == 80
    assert result.validation["auc"] > 0.8
    assert 0 < result.validation["log_loss"] < 0.69
    assert model_store(database).active().version == 1


def test_worse_model_not_activated(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    first = train_conversion_model(database, method="logistic")

    # Gradient boosting ranks this nearly linear data a little worse than logistic regression.
    worse = train_conversion_model(database, method="boosting")

    assert first.activated
    assert worse.version == 2
    assert not worse.activated
    assert worse.previous_auc == first.validation["auc"]
    assert worse.validation["auc"] < first.validation["auc"]
    assert "kept version 1" in worse.decision
    assert model_store(database).active().version == 1
    assert model_store(database).versions() == [1, 2]


def test_equal_model_replaces_active(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")

    second = train_conversion_model(database, method="logistic")

    assert second.activated
    assert model_store(database).active().version == 2


def test_calibration_monotone_in_visits(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    result = train_conversion_model(database, method="logistic")
    model = model_store(database).active().load()

    grid = [{"source": "web", "custom:Visits": str(visits), "custom:Plan": "basic"} for visits in range(13)]
    probabilities = list(model.predict(grid))
    predicted = [row["mean_predicted"] for row in result.validation["calibration"]]

    assert all(later >= earlier for earlier, later in zip(probabilities, probabilities[1:]))
    assert probabilities[-1] > probabilities[0]
    assert predicted == sorted(predicted)
    assert all(0 <= probability <= 1 for probability in probabilities)


def test_factors_sum_to_probability(database, db_path):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic")
    model = model_store(database).active().load()
    with database.session() as session:
        rows = load_lead_rows(session).rows[:20]

    for row in rows:
        explanation = explain(model, row)
        total = sum(factor.change for factor in explanation.factors)
        # Factors under 0.05 points are dropped, so allow that much per field.
        assert explanation.baseline + total == pytest.approx(explanation.probability, abs=0.0005 * len(model.spec.fields))
        assert explanation.probability == pytest.approx(float(model.predict([row])[0]), abs=1e-9)
        assert all(factor.change > 0 for factor in explanation.top_up())
        assert all(factor.change < 0 for factor in explanation.top_down())


def test_factor_plain_words(database, db_path):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    with database.session() as session:
        session.info[SKIP_KEY] = True
        lead = session.get(Lead, leads[-1].id)
        lead.source = "ads"
        lead.custom_fields = {"Visits": "12", "Plan": "basic"}

    prediction = predict_lead(database, leads[-1].id)

    pushing_up = [factor.describe() for factor in prediction.explanation.top_up()]
    pushing_down = [factor.describe() for factor in prediction.explanation.top_down()]
    assert prediction.model_version == 1
    assert any(text.startswith("Visits: 12 +") for text in pushing_up)
    assert any(text.startswith("Lead source: ads -") for text in pushing_down)


def test_arrival_values_from_import_history(database):
    leads = build_closed_leads(database, won=2, lost=2)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        batch = ImportBatch(file_name="update.csv", sha256="0" * 64)
        session.add(batch)
        session.flush()
        lead = session.get(Lead, leads[0].id)
        lead.custom_fields = {**lead.custom_fields, "Quality": "High"}
        lead.source = "partner"
        session.add(ImportChange(batch_id=batch.id, lead_id=lead.id, field="custom:Quality", before=None, after="High"))
        session.add(ImportChange(batch_id=batch.id, lead_id=lead.id, field="source", before="web", after="partner"))
        session.add(ImportChange(batch_id=batch.id, lead_id=lead.id, field="source", before="partner", after="other"))

    with database.session() as session:
        rows = load_lead_rows(session)
    row = rows.rows[rows.lead_ids.index(leads[0].id)]

    assert row["custom:Quality"] is None
    assert row["source"] == "web"
    assert row["custom:Plan"] in ("basic", "pro")


def test_excluded_fields_not_trained(database):
    build_closed_leads(database, won=150, lost=250)
    set_excluded_fields(database, ["Plan"])

    result = train_conversion_model(database, method="logistic", exclude=["custom:Visits"])

    assert "custom:Plan" not in result.fields
    assert "custom:Visits" not in result.fields
    assert result.skipped["custom:Plan"] == "excluded from training"
    assert result.skipped["custom:Visits"] == "excluded from training"
    assert "source" in result.fields


def test_custom_outcome_field(database):
    build_closed_leads(database, won=60, lost=90, open_leads=30, converted_field=True)

    result = train_conversion_model(database, outcome_field="converted", method="logistic")

    # Open leads carry "No" in Converted, so they count as closed under this outcome field.
    assert result.outcome_field == "custom:Converted"
    assert result.closed_leads == 180
    assert "custom:Converted" not in result.fields


def test_unknown_outcome_field(database):
    build_closed_leads(database, won=2, lost=2)

    with pytest.raises(OutcomeFieldError, match="outcome field 'Revenue' not found"):
        train_conversion_model(database, outcome_field="Revenue")


def test_invalid_holdout(database):
    with pytest.raises(ValueError, match="invalid holdout 0.9"):
        train_conversion_model(database, holdout=0.9)


def test_auto_method_choice(database):
    build_closed_leads(database, won=150, lost=250)

    result = train_conversion_model(database)

    assert set(result.method_scores) == {"logistic", "boosting"}
    assert result.method == max(result.method_scores, key=lambda method: (result.method_scores[method], method == "logistic"))


def test_leak_suspect_flagged(database):
    leads = build_closed_leads(database, won=60, lost=90)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        for draft in leads:
            lead = session.get(Lead, draft.id)
            lead.custom_fields = {**lead.custom_fields, "Status Tag": "Closed" if lead.stage == "won" else "Ringing"}

    result = train_conversion_model(database, method="logistic")

    assert result.suspected_leaks == {"custom:Status Tag": 1.0}
    assert "custom:Visits" not in result.suspected_leaks


def test_not_enough_data_singular():
    message = str(NotEnoughDataError(won=MIN_PER_CLASS - 1, lost=MIN_PER_CLASS))

    assert "Close 1 more won lead," in message
    assert "leads leads" not in message
