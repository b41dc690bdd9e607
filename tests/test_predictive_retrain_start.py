"""Retraining outside the open window: on app start and with `leaddesk score train --if-due`."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

from leaddesk.cli.main import main
from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.schedule import model_outdated, set_retrain_weekly
from leaddesk.services.predictive.store import model_store, models_folder
from leaddesk.ui import dashboard_tab
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.tasks import TaskRunner
from database_target import db_arg  # noqa: F401 (fixture)
from predictive_history import build_closed_leads

TRAINED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_outdated_uses_newest_model(database, db_path):
    build_closed_leads(database, won=60, lost=90)
    train_conversion_model(database, method="logistic", now=TRAINED)
    train_conversion_model(database, method="logistic", now=TRAINED + timedelta(days=8))

    assert model_store(database).newest().version == 2
    assert not model_outdated(database, TRAINED + timedelta(days=14))
    assert model_outdated(database, TRAINED + timedelta(days=15))


def test_outdated_without_model(database):
    assert model_outdated(database, TRAINED)


def test_cli_if_due_trains_then_skips(database, db_arg, capsys):
    build_closed_leads(database, won=60, lost=90)
    base = ["score", "train", "--db", db_arg, "--method", "logistic", "--if-due"]

    first = main([*base, "--now", iso(TRAINED)])
    first_output = capsys.readouterr().out
    second = main([*base, "--json", "--now", iso(TRAINED + timedelta(days=6))])
    second_output = json.loads(capsys.readouterr().out)
    third = main([*base, "--now", iso(TRAINED + timedelta(days=7))])
    third_output = capsys.readouterr().out

    assert first == 0
    assert first_output.startswith("model version 1 ")
    assert second == 0
    assert second_output == {
        "trained": False,
        "newest_version": 1,
        "trained_at": "2026-03-02T09:00:00+00:00",
        "due_at": "2026-03-09T09:00:00+00:00",
    }
    assert third == 0
    assert third_output.startswith("model version 2 ")


def test_cli_if_due_text_when_not_due(database, db_arg, capsys):
    build_closed_leads(database, won=60, lost=90)
    train_conversion_model(database, method="logistic", now=TRAINED)

    code = main(["score", "train", "--db", db_arg, "--if-due", "--now", iso(TRAINED + timedelta(days=1))])

    assert code == 0
    assert capsys.readouterr().out == (
        "not due: model version 1 was trained at 2026-03-02T09:00:00+00:00; "
        "the next training is due at 2026-03-09T09:00:00+00:00\n"
    )


def test_cli_if_due_too_little_data(database, db_arg, capsys):
    build_closed_leads(database, won=5, lost=5)

    code = main(["score", "train", "--db", db_arg, "--if-due", "--now", iso(TRAINED)])

    assert code == 1
    assert "too few closed leads" in capsys.readouterr().err


def test_app_start_retrains_off_gui_thread(qtbot, database, db_path, monkeypatch):
    build_closed_leads(database, won=60, lost=90)
    set_retrain_weekly(database, True)
    threads = []

    def recording_train(*args, **kwargs):
        threads.append(threading.current_thread())
        return train_conversion_model(*args, **kwargs, method="logistic")

    monkeypatch.setattr(dashboard_tab, "train_conversion_model", recording_train)
    runner = TaskRunner(database)
    tab = DashboardTab(runner, clock=lambda: TRAINED, retrain_start_delay_ms=0)
    qtbot.addWidget(tab)

    with qtbot.waitSignal(tab.training_finished, timeout=120_000):
        pass
    runner.wait(10_000)

    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
    assert model_store(database).newest().version == 1


def test_app_start_skips_when_schedule_off(qtbot, database, db_path):
    build_closed_leads(database, won=60, lost=90)
    runner = TaskRunner(database)
    tab = DashboardTab(runner, clock=lambda: TRAINED, retrain_start_delay_ms=0)
    qtbot.addWidget(tab)

    qtbot.wait(500)
    runner.wait(10_000)

    assert model_store(database).versions() == []
    if database.is_sqlite:
        assert not models_folder(db_path).exists()
    assert not tab._training
