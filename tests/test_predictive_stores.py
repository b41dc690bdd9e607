"""Model versions on both backends: files next to an SQLite file, the conversion_models table on PostgreSQL."""

from __future__ import annotations

import functools
import os
import pickle

import pytest
import skops.io as sio
from sqlalchemy import func, select, update

from leaddesk.cli.main import main
from leaddesk.models import ConversionModelVersion
from leaddesk.services.predictive import ModelFileError, predict_lead, train_conversion_model
from leaddesk.services.predictive.schedule import model_outdated
from leaddesk.services.predictive.store import FileModelStore, model_store, models_folder
from leaddesk.services.predictive.table_store import TableModelStore
from predictive_history import START, build_closed_leads


class _PlantedPickle:
    """A pickle that creates a marker file when unpickled, as a planted model would run code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _replace_model_bytes(database, version: int, data: bytes) -> None:
    with database.session() as session:
        session.execute(
            update(ConversionModelVersion).where(ConversionModelVersion.version == version).values(model=data)
        )


def test_store_follows_backend(any_database):
    store = model_store(any_database)

    expected = FileModelStore if any_database.is_sqlite else TableModelStore
    assert isinstance(store, expected)


def test_train_activate_show_both_backends(any_database):
    leads = build_closed_leads(any_database, won=150, lost=250, open_leads=1)
    store = model_store(any_database)

    first = train_conversion_model(any_database, method="logistic")
    # Gradient boosting ranks this nearly linear data a little worse than logistic regression.
    worse = train_conversion_model(any_database, method="boosting")
    prediction = predict_lead(any_database, leads[-1].id)

    assert first.activated
    assert not worse.activated
    assert "kept version 1" in worse.decision
    assert store.versions() == [1, 2]
    assert store.active().version == 1
    assert store.newest().version == 2
    assert prediction.model_version == 1
    assert 0 < prediction.probability < 1
    assert prediction.explanation.factors

    activated, previous = store.activate(2)

    assert activated.version == 2
    assert previous.version == 1
    assert model_store(any_database).active().version == 2
    assert predict_lead(any_database, leads[-1].id).model_version == 2


def test_server_models_live_in_table(pg_database):
    build_closed_leads(pg_database, won=150, lost=250)

    train_conversion_model(pg_database, method="logistic")
    train_conversion_model(pg_database, method="logistic")

    with pg_database.session() as session:
        rows = session.execute(
            select(ConversionModelVersion.version, ConversionModelVersion.active, ConversionModelVersion.details)
            .order_by(ConversionModelVersion.version)
        ).all()
    assert [row.version for row in rows] == [1, 2]
    assert [row.active for row in rows] == [False, True]
    assert rows[1].details["outcome_field"] == "stage"
    assert rows[1].details["validation"]["auc"] > 0.8


def test_second_teammate_sees_active_model(pg_database, pg_url):
    from leaddesk.services.database import Database

    leads = build_closed_leads(pg_database, won=150, lost=250, open_leads=1)
    train_conversion_model(pg_database, method="logistic")

    teammate = Database.open(pg_url)
    try:
        prediction = predict_lead(teammate, leads[-1].id)
    finally:
        teammate.dispose()

    assert prediction.model_version == 1
    assert prediction.probability is not None


def test_sqlite_models_stay_in_files(database, db_path):
    if not database.is_sqlite:
        pytest.skip("checks the files next to an SQLite database")
    build_closed_leads(database, won=150, lost=250)

    train_conversion_model(database, method="logistic")

    folder = models_folder(db_path)
    assert (folder / "model-v1.skops").stat().st_size > 0
    assert (folder / "model-v1.json").is_file()
    assert not (folder / "model-v1.pickle").exists()
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ConversionModelVersion)) == 0


def test_schedule_reads_server_models(pg_database):
    build_closed_leads(pg_database, won=150, lost=250)

    assert model_outdated(pg_database, START)

    train_conversion_model(pg_database, method="logistic", now=START)

    assert not model_outdated(pg_database, START)


def test_untrusted_type_row_rejected(pg_database, tmp_path):
    leads = build_closed_leads(pg_database, won=150, lost=250, open_leads=1)
    train_conversion_model(pg_database, method="logistic")
    marker = tmp_path / "planted-ran"
    planted = {"format": 1, "method": "logistic", "spec": "{}",
               "estimator": functools.partial(os.system, f"touch {marker}")}
    _replace_model_bytes(pg_database, 1, sio.dumps(planted))

    prediction = predict_lead(pg_database, leads[-1].id)

    assert prediction.probability is None
    assert "names types that a LeadDesk model never contains" in prediction.message
    assert "system" in prediction.message
    assert "version 1 in table conversion_models" in prediction.message
    assert "score activate VERSION" in prediction.message
    assert not marker.exists()


def test_pickle_row_rejected(pg_database, tmp_path):
    build_closed_leads(pg_database, won=150, lost=250)
    train_conversion_model(pg_database, method="logistic")
    train_conversion_model(pg_database, method="logistic")
    marker = tmp_path / "planted-ran"
    _replace_model_bytes(pg_database, 1, pickle.dumps(_PlantedPickle(str(marker))))

    with pytest.raises(ModelFileError) as raised:
        model_store(pg_database).activate(1)

    assert "is not a LeadDesk model in the skops format" in str(raised.value)
    assert not marker.exists()
    assert model_store(pg_database).active().version == 2


def test_tampered_active_model_replaced(pg_database):
    build_closed_leads(pg_database, won=150, lost=250)
    train_conversion_model(pg_database, method="logistic")
    _replace_model_bytes(pg_database, 1, b"garbage")

    # A model that cannot be loaded must not block training its replacement.
    retrained = train_conversion_model(pg_database, method="logistic")

    assert retrained.activated
    assert "could not be scored" in retrained.decision


def test_cli_train_on_server(pg_database, pg_url, capsys):
    leads = build_closed_leads(pg_database, won=150, lost=250, open_leads=1)

    code = main(["score", "train", "--db", pg_url, "--method", "logistic"])
    trained = capsys.readouterr().out
    show_code = main(["score", "show", str(leads[-1].id), "--db", pg_url])
    shown = capsys.readouterr().out
    list_code = main(["score", "activate", "--db", pg_url])
    listed = capsys.readouterr().out

    assert code == 0
    assert "AUC 0." in trained
    assert "log loss 0." in trained
    assert "calibration (predicted probability bin, leads, mean predicted, observed rate)" in trained
    assert "activated: first validated model" in trained
    assert show_code == 0
    assert "conversion probability" in shown
    assert "model version 1" in shown
    assert list_code == 0
    assert listed.startswith("version 1 (active): trained ")


def test_cli_if_due_on_server(pg_database, pg_url, capsys):
    build_closed_leads(pg_database, won=150, lost=250)
    train_conversion_model(pg_database, method="logistic", now=START)

    code = main(["score", "train", "--if-due", "--now", START.isoformat(), "--db", pg_url])

    assert code == 0
    assert "not due: model version 1" in capsys.readouterr().out
    assert model_store(pg_database).versions() == [1]
